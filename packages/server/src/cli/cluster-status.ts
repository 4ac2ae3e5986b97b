/**
 * `waggle cluster status [--json]`: members, leases, Cassandra, OpenSearch (with the index lag) and
 * S3 of the cluster this configuration describes, probed read-only by `@waggle/server-cluster`'s
 * `clusterStatus`. Exit code 0 healthy, 1 degraded or unreachable, 2 refused (bad arguments, or
 * an embedded installation, which has no cluster).
 */
import { parseArgs } from 'node:util';
import type { WaggleConfig } from '../config/config.js';
import { ENTITIES } from '../entities/registry.js';
import type { ClusterStatusReport } from '@waggle/server-cluster';
import type { CliIo } from './io.js';
import { describeError } from './io.js';

export const CLUSTER_USAGE = `Usage: waggle cluster status [--json]

Shows the cluster of this configuration: members and quorum, singleton leases, Cassandra nodes and
schema agreement, OpenSearch health and index lag, the S3 bucket.
Exit code: 0 healthy, 1 degraded (or an engine unreachable), 2 bad arguments or not a cluster.
`;

const age = (ms: number | null): string =>
  ms === null ? '-' : ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;

/** The report for people: one section per tier, problems last. */
export function formatStatus(r: ClusterStatusReport): string {
  const out: string[] = [];
  const table = (rows: string[][]): void => {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
    for (const row of rows) out.push(`  ${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd());
  };
  if ('error' in r.members) out.push(`Members: ${r.members.error}`);
  else {
    const m = r.members;
    out.push(`Members: ${m.alive} alive, minMembers ${m.minMembers}: ${m.quorum ? 'quorum met (ready)' : 'NO QUORUM (not ready)'}`);
    if (m.list.length) {
      table([
        ['node', 'address', 'version', 'started', 'last heartbeat', 'state'],
        ...m.list.map((x) => [x.nodeId, x.address, x.version, x.started, `${age(x.lastHeartbeatAgeMs)} ago`, x.alive ? 'alive' : 'DEAD']),
      ]);
    }
  }
  if ('error' in r.leases) out.push(`Leases: ${r.leases.error}`);
  else {
    out.push(`Leases: ${r.leases.length ? '' : 'none held'}`.trimEnd());
    if (r.leases.length) {
      table([['lease', 'holder', 'expires in'], ...r.leases.map((l) => [l.name, l.holder, l.expiresInS === null ? '-' : `${l.expiresInS} s`])]);
    }
  }
  if ('error' in r.cassandra) out.push(`Cassandra: ${r.cassandra.error}`);
  else {
    const c = r.cassandra;
    const repl = Object.entries(c.replication)
      .map(([k, v]) => (k === 'class' ? v.replace(/^org\.apache\.cassandra\.locator\./, '') : `${k}: ${v}`))
      .join(', ');
    out.push(`Cassandra: keyspace ${c.keyspace} (${repl || 'missing'}), contact points ${c.contactPoints.join(', ')}`);
    table([['node', 'datacenter', 'state', 'version'], ...c.nodes.map((n) => [n.address, n.datacenter, n.up ? 'up' : 'DOWN', n.version])]);
    out.push(`  schema: ${c.schemaAgreement ? 'all nodes agree' : `DISAGREEMENT (${c.schemaVersions.length} versions)`}`);
  }
  if ('error' in r.opensearch) out.push(`OpenSearch: ${r.opensearch.error}`);
  else {
    const o = r.opensearch;
    out.push(`OpenSearch: health ${o.health}, ${o.nodes} node(s)`);
    table([
      ['type', 'index', 'indexed', 'in Cassandra'],
      ...o.indexes.map((i) => [i.type, i.index, i.indexDocs === null ? 'MISSING' : String(i.indexDocs), String(i.cassandraRows)]),
    ]);
    out.push(`  outbox (index lag): ${o.outbox.backlog} waiting${o.outbox.backlog ? `, oldest ${age(o.outbox.oldestAgeMs)} old` : ''}`);
  }
  if (r.s3) out.push(`S3: bucket ${r.s3.bucket} at ${r.s3.endpoint}: ${r.s3.reachable ? 'reachable' : `UNREACHABLE (${r.s3.error ?? ''})`}`);
  else out.push('Files: local (storage.files: local), not checked');
  out.push('');
  out.push(r.healthy ? 'Status: healthy' : `Status: DEGRADED\n${r.problems.map((p) => `  - ${p}`).join('\n')}`);
  return `${out.join('\n')}\n`;
}

/** Runs the command; resolves the process exit code. */
export async function clusterCommand(config: WaggleConfig, argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { json: { type: 'boolean', default: false } }, strict: true, allowPositionals: true });
  } catch (e) {
    io.err(`waggle cluster: ${(e as Error).message}\n\n${CLUSTER_USAGE}`);
    return 2;
  }
  if (parsed.positionals.length !== 1 || parsed.positionals[0] !== 'status') {
    io.err(`waggle cluster: ${parsed.positionals.length ? `unknown command "${parsed.positionals.join(' ')}"` : 'a command is required'}\n\n${CLUSTER_USAGE}`);
    return 2;
  }
  const cluster = config.storage.cluster;
  if (config.storage.backend !== 'cluster' || !cluster) {
    io.err(
      'waggle cluster status shows the members and engines of a cluster (storage.backend: cluster). ' +
        'This installation uses the embedded SQLite store: one process, no members, no external engines.\n',
    );
    return 2;
  }
  const { clusterStatus } = await import('@waggle/server-cluster');
  let report: ClusterStatusReport;
  try {
    report = await clusterStatus({
      cassandra: cluster.cassandra,
      opensearch: cluster.opensearch,
      ...(config.storage.s3 ? { s3: config.storage.s3 } : {}),
      minMembers: config.cluster?.minMembers ?? 1,
      entityTypes: [...ENTITIES.keys()],
    });
  } catch (e) {
    io.err(`waggle cluster status: ${describeError(e)}\n`);
    return 1;
  }
  if (parsed.values.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else io.out(formatStatus(report));
  return report.healthy ? 0 : 1;
}
