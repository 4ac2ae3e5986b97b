/**
 * `waggle cluster status`: probes of every tier of a cluster installation, as one report that the
 * CLI prints for people or as JSON. Read-only: nothing is created or written (unlike a node's
 * start, no keyspace, table, index or bucket is made).
 *
 * - members: the heartbeat rows of `cluster_members` (a row lives a TTL after its last beat, so a
 *   listed member is alive unless its last beat is older than that TTL) and the quorum rule;
 * - leases: `cluster_leases` with the holder and the time left (`TTL(owner)`);
 * - Cassandra: the hosts as the driver sees them, the keyspace's replication, schema agreement;
 * - OpenSearch: cluster health, per entity type the index's document count against Cassandra's
 *   row count, and the outbox (index writes waiting for the repair job: the index lag);
 * - S3: the bucket can be listed with the configured keys.
 */
import cassandra from 'cassandra-driver';
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { connectError } from '../cassandra/cassandra-errors.js';
import { entityTable } from '../cassandra/schema.js';
import { S3BlobStore, type S3BlobStoreOptions } from '../s3/s3-blob-store.js';

export interface ClusterStatusOptions {
  cassandra: { contactPoints: readonly string[]; localDataCenter: string; keyspace: string; username?: string; password?: string };
  opensearch: { nodes: readonly string[]; indexPrefix?: string };
  s3?: S3BlobStoreOptions;
  /** `cluster.minMembers` of the configuration. */
  minMembers: number;
  /** The registered entity types (the server's registry). */
  entityTypes: readonly string[];
  /** Store namespace (`default` in production). */
  namespace?: string;
  /** Membership partition (`waggle`) and heartbeat TTL in seconds (10), as the nodes use them. */
  clusterName?: string;
  memberTtlSeconds?: number;
  /** Per-request timeout of the probes; default 10 s. */
  timeoutMs?: number;
}

export interface MemberStatus {
  nodeId: string;
  address: string;
  version: string;
  started: string;
  lastHeartbeatAgeMs: number;
  alive: boolean;
}

export interface IndexStatus {
  type: string;
  index: string;
  /** Documents in the index, or `null` when the index is missing. */
  indexDocs: number | null;
  cassandraRows: number;
}

export interface ClusterStatusReport {
  /** Everything answers, quorum is met, every node up, schema agreed, indexes green and in step. */
  healthy: boolean;
  /** One sentence per problem found (empty when healthy). */
  problems: string[];
  members: { list: MemberStatus[]; alive: number; minMembers: number; quorum: boolean } | { error: string };
  leases: Array<{ name: string; holder: string; acquired: string | null; expiresInS: number | null }> | { error: string };
  cassandra:
    | {
        contactPoints: string[];
        keyspace: string;
        replication: Record<string, string>;
        nodes: Array<{ address: string; datacenter: string; up: boolean; version: string }>;
        schemaAgreement: boolean;
        schemaVersions: string[];
      }
    | { error: string };
  opensearch:
    | {
        health: string;
        nodes: number;
        indexes: IndexStatus[];
        outbox: { backlog: number; oldestAgeMs: number | null };
      }
    | { error: string };
  s3?: { endpoint: string; bucket: string; reachable: boolean; error?: string };
}

/** An outbox entry older than this means the repair job is not catching up (it runs every few seconds). */
const OUTBOX_STALE_MS = 60_000;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The slice of the OpenSearch transport the probes use. */
interface Transport {
  request(p: { method: string; path: string; body?: unknown }, o?: { requestTimeout?: number; maxRetries?: number }): Promise<{ body: unknown }>;
}

export async function clusterStatus(opts: ClusterStatusOptions): Promise<ClusterStatusReport> {
  const problems: string[] = [];
  const ns = opts.namespace || 'default';
  const timeout = opts.timeoutMs ?? 10_000;
  const c = opts.cassandra;
  const client = new cassandra.Client({
    contactPoints: [...c.contactPoints],
    localDataCenter: c.localDataCenter,
    ...(c.username !== undefined ? { credentials: { username: c.username, password: c.password ?? '' } } : {}),
    queryOptions: { consistency: cassandra.types.consistencies.localQuorum, prepare: true },
    socketOptions: { readTimeout: timeout, connectTimeout: timeout },
  });
  const report: ClusterStatusReport = {
    healthy: false,
    problems,
    members: { error: '' },
    leases: { error: '' },
    cassandra: { error: '' },
    opensearch: { error: '' },
  };
  let connected = false;
  try {
    await client.connect();
    connected = true;
  } catch (e) {
    const err = connectError(e, c.contactPoints, c.username).message;
    report.cassandra = report.members = report.leases = { error: err };
    problems.push(err);
  }
  const ks = c.keyspace;
  const keyspaceExists =
    connected &&
    (await client.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [ks]).then(
      (r) => r.rows.length > 0,
      () => false,
    ));
  if (connected) {
    report.cassandra = await cassandraStatus(client, opts, problems);
    if (!keyspaceExists) {
      const err = `Cassandra keyspace "${ks}" does not exist: no Waggle node has started on it yet`;
      report.members = report.leases = { error: err };
      problems.push(err);
    } else {
      report.members = await membersStatus(client, opts, problems);
      report.leases = await leasesStatus(client, ks, problems);
    }
  }
  report.opensearch = await openSearchStatus(client, connected && keyspaceExists, ns, opts, timeout, problems);
  if (opts.s3) report.s3 = await s3Status(opts.s3, problems);
  await client.shutdown().catch(() => undefined);
  report.healthy = problems.length === 0;
  return report;
}

async function cassandraStatus(client: cassandra.Client, opts: ClusterStatusOptions, problems: string[]): Promise<ClusterStatusReport['cassandra']> {
  const c = opts.cassandra;
  try {
    const rs = await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [c.keyspace]);
    const replication = (rs.rows[0]?.replication ?? {}) as Record<string, string>;
    const nodes = [...(client.hosts.values() as Iterable<cassandra.Host>)].map((h) => ({
      address: h.address,
      datacenter: h.datacenter,
      up: h.isUp(),
      version: h.cassandraVersion,
    }));
    for (const n of nodes) if (!n.up) problems.push(`Cassandra node ${n.address} (${n.datacenter}) is down`);
    const local = await client.execute('SELECT schema_version FROM system.local');
    const peers = await client.execute('SELECT peer, schema_version FROM system.peers');
    const schemaVersions = [...new Set([...local.rows, ...peers.rows].map((r) => String(r.schema_version)))];
    const schemaAgreement = schemaVersions.length === 1;
    if (!schemaAgreement) problems.push(`Cassandra nodes disagree on the schema (${schemaVersions.length} versions): wait, or run nodetool describecluster`);
    const rf = Number(replication[c.localDataCenter] ?? replication.replication_factor ?? 0);
    const up = nodes.filter((n) => n.up && n.datacenter === c.localDataCenter).length;
    if (replication.class && rf > 0 && up < Math.floor(rf / 2) + 1) {
      problems.push(`keyspace ${c.keyspace} has replication factor ${rf} but only ${up} node(s) are up in ${c.localDataCenter}: LOCAL_QUORUM fails`);
    }
    return { contactPoints: [...c.contactPoints], keyspace: c.keyspace, replication, nodes, schemaAgreement, schemaVersions };
  } catch (e) {
    problems.push(`Cassandra: ${message(e)}`);
    return { error: message(e) };
  }
}

async function membersStatus(client: cassandra.Client, opts: ClusterStatusOptions, problems: string[]): Promise<ClusterStatusReport['members']> {
  const ttlMs = (opts.memberTtlSeconds ?? 10) * 1000;
  try {
    const rs = await client.execute(`SELECT node_id, address, version, started, last_beat FROM ${opts.cassandra.keyspace}.cluster_members WHERE cluster = ?`, [
      opts.clusterName ?? 'waggle',
    ]);
    const now = Date.now();
    const list: MemberStatus[] = rs.rows.map((r) => {
      const age = now - (r.last_beat as Date).getTime();
      return {
        nodeId: String(r.node_id),
        address: String(r.address),
        version: String(r.version),
        started: (r.started as Date).toISOString(),
        lastHeartbeatAgeMs: Math.max(0, age),
        alive: age < ttlMs,
      };
    });
    const alive = list.filter((m) => m.alive).length;
    const quorum = alive >= opts.minMembers;
    if (!quorum) problems.push(`${alive} member(s) alive, fewer than cluster.minMembers (${opts.minMembers}): the nodes report not ready`);
    return { list, alive, minMembers: opts.minMembers, quorum };
  } catch (e) {
    const err = /unconfigured table|does not exist/i.test(message(e)) ? 'no membership table yet: no Waggle node has joined this cluster' : message(e);
    problems.push(`members: ${err}`);
    return { error: err };
  }
}

async function leasesStatus(client: cassandra.Client, ks: string, problems: string[]): Promise<ClusterStatusReport['leases']> {
  try {
    const rs = await client.execute(`SELECT name, owner, acquired, TTL(owner) AS ttl FROM ${ks}.cluster_leases`);
    return rs.rows.map((r) => ({
      name: String(r.name),
      holder: String(r.owner),
      acquired: r.acquired ? (r.acquired as Date).toISOString() : null,
      expiresInS: r.ttl === null || r.ttl === undefined ? null : Number(r.ttl),
    }));
  } catch (e) {
    if (/unconfigured table|does not exist/i.test(message(e))) return [];
    problems.push(`leases: ${message(e)}`);
    return { error: message(e) };
  }
}

/** Rows of `table` in namespace `ns` (a paged scan of the partition keys). */
async function countRows(client: cassandra.Client, table: string, ns: string): Promise<number> {
  let n = 0;
  let pageState: string | undefined;
  do {
    const rs = await client.execute(`SELECT ns FROM ${table}`, [], { fetchSize: 5000, ...(pageState ? { pageState } : {}) });
    for (const r of rs.rows) if (r.ns === ns) n++;
    pageState = rs.pageState ?? undefined;
  } while (pageState);
  return n;
}

async function openSearchStatus(
  client: cassandra.Client,
  withCassandra: boolean,
  ns: string,
  opts: ClusterStatusOptions,
  timeout: number,
  problems: string[],
): Promise<ClusterStatusReport['opensearch']> {
  const os = new OpenSearchClient({ nodes: [...opts.opensearch.nodes], requestTimeout: timeout, maxRetries: 0 });
  const t = os.transport as unknown as Transport;
  const prefix = opts.opensearch.indexPrefix ?? 'waggle_';
  try {
    const h = (await t.request({ method: 'GET', path: '/_cluster/health' })).body as { status: string; number_of_nodes: number };
    if (h.status !== 'green') problems.push(`OpenSearch cluster health is ${h.status}`);
    const indexes: IndexStatus[] = [];
    for (const type of opts.entityTypes) {
      const index = `${prefix}${type.toLowerCase()}`;
      let indexDocs: number | null = null;
      try {
        const r = await t.request({ method: 'POST', path: `/${index}/_count`, body: { query: { term: { _ns: ns } } } });
        indexDocs = Number((r.body as { count: number }).count);
      } catch (e) {
        if ((e as { meta?: { statusCode?: number } })?.meta?.statusCode !== 404) throw e;
        problems.push(`OpenSearch index ${index} is missing: run waggle reindex`);
      }
      const cassandraRows = withCassandra ? await countRows(client, `${opts.cassandra.keyspace}.${entityTable(type)}`, ns).catch(() => 0) : 0;
      if (withCassandra && indexDocs !== null && indexDocs !== cassandraRows) {
        problems.push(
          `index ${index} holds ${indexDocs} documents, Cassandra ${cassandraRows} (${type}): the index lags; the repair job or waggle reindex catches up`,
        );
      }
      indexes.push({ type, index, indexDocs, cassandraRows });
    }
    let outbox = { backlog: 0, oldestAgeMs: null as number | null };
    if (withCassandra) {
      const rs = await client.execute(`SELECT at FROM ${opts.cassandra.keyspace}.outbox WHERE ns = ?`, [ns], { fetchSize: 5000 });
      let oldest: number | undefined;
      let backlog = 0;
      for await (const r of rs) {
        backlog++;
        const at = (r.at as Date | null)?.getTime();
        if (at !== undefined && (oldest === undefined || at < oldest)) oldest = at;
      }
      outbox = { backlog, oldestAgeMs: oldest === undefined ? null : Math.max(0, Date.now() - oldest) };
      if (outbox.oldestAgeMs !== null && outbox.oldestAgeMs > OUTBOX_STALE_MS) {
        problems.push(
          `${backlog} index write(s) waiting in the outbox, the oldest for ${Math.round(outbox.oldestAgeMs / 1000)} s: is the index repair job running (a node holding its lease)?`,
        );
      }
    }
    return { health: h.status, nodes: h.number_of_nodes, indexes, outbox };
  } catch (e) {
    const status = (e as { meta?: { statusCode?: number } })?.meta?.statusCode;
    const err =
      status === 401 || status === 403
        ? `OpenSearch at ${opts.opensearch.nodes.join(', ')} refused the request (HTTP ${status}): check the credentials in storage.opensearch.nodes`
        : `OpenSearch is not reachable at ${opts.opensearch.nodes.join(', ')}: ${message(e)}`;
    problems.push(err);
    return { error: err };
  } finally {
    await os.close().catch(() => undefined);
  }
}

async function s3Status(s3: S3BlobStoreOptions, problems: string[]): Promise<NonNullable<ClusterStatusReport['s3']>> {
  const store = new S3BlobStore(s3, { errors: { NotFoundError: Error } });
  try {
    await store.list(undefined, 1);
    return { endpoint: s3.endpoint, bucket: s3.bucket, reachable: true };
  } catch (e) {
    problems.push(message(e));
    return { endpoint: s3.endpoint, bucket: s3.bucket, reachable: false, error: message(e) };
  } finally {
    store.s3.destroy();
  }
}

/**
 * The nodes with a live heartbeat on this keyspace (`nodeId@address`): `waggle migrate-storage`
 * refuses to run while any is up. Empty when no node ever joined. Throws a clear error when
 * Cassandra cannot be reached.
 */
export async function runningMembers(c: ClusterStatusOptions['cassandra'], opts: { clusterName?: string; memberTtlSeconds?: number } = {}): Promise<string[]> {
  const client = new cassandra.Client({
    contactPoints: [...c.contactPoints],
    localDataCenter: c.localDataCenter,
    ...(c.username !== undefined ? { credentials: { username: c.username, password: c.password ?? '' } } : {}),
  });
  try {
    await client.connect();
  } catch (e) {
    throw connectError(e, c.contactPoints, c.username);
  }
  try {
    const members = await membersStatus(client, { cassandra: c, opensearch: { nodes: [] }, minMembers: 1, entityTypes: [], ...opts }, []);
    return 'list' in members ? members.list.filter((m) => m.alive).map((m) => `${m.nodeId}@${m.address}`) : [];
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}
