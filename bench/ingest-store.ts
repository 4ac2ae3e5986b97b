/**
 * The storage limit of alert ingestion: the EntityStore port inserting the same alerts (with
 * their observables, the alert's uniqueness claim and audit record) in batches, with no HTTP.
 *
 *   node --import tsx bench/ingest-store.ts --dir <data dir> --org <orgId> [--seconds 20]
 *     [--observables 20] [--batch 50] [--inflight 32]
 *   node --import tsx bench/ingest-store.ts --cassandra 127.0.0.1:9042 --opensearch http://127.0.0.1:9200 --org <orgId> [--rf 1] ...
 *     (the cluster EntityStore instead of SQLite: keyspace waggle_bench, a fresh namespace per run)
 *
 * Two modes, each for `seconds`: `batch` writes `--batch` alerts per `store.batch` call, one call
 * at a time; `inflight` keeps `--inflight` single-alert batches in flight (what concurrent HTTP
 * requests give the adapter, which commits them together). Prints one JSON line.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { rmSync } from 'node:fs';
import { SqliteEntityStore } from '../packages/server/src/storage/sqlite/sqlite-entity-store.js';
import type { BatchOp, EntityStore } from '../packages/server/src/storage/entity-store.js';
import { alertOps as sharedAlertOps } from './ingest-ops.js';
import { cpuDelta, perAlert, readRoles, readWriterGroups, snapshot } from './lib/proc-cpu.mjs';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    org: { type: 'string' },
    seconds: { type: 'string', default: '20' },
    observables: { type: 'string', default: '20' },
    batch: { type: 'string', default: '50' },
    inflight: { type: 'string', default: '32' },
    cassandra: { type: 'string' },
    opensearch: { type: 'string', default: 'http://127.0.0.1:9200' },
    rf: { type: 'string', default: '1' },
  },
});
if ((!args.dir && !args.cassandra) || !args.org) {
  process.stderr.write('usage: node --import tsx bench/ingest-store.ts --dir <data dir> --org <orgId>\n');
  process.exit(2);
}
const ORG = args.org;
const OBS = Number(args.observables);
let serial = 0;

/** The ops AlertService.create writes for one alert with embedded observables (`ingest-ops.ts`). */
function alertOps(store: EntityStore): BatchOp[] {
  const n = serial++;
  return sharedAlertOps(() => store.newId(), ORG, `store-${process.pid}-${n}`, n, OBS);
}

async function openStore(): Promise<EntityStore> {
  if (!args.cassandra) return new SqliteEntityStore({ path: join(args.dir!, 'waggle.db'), synchronous: 'FULL' });
  const { CassandraOpenSearchEntityStore } = await import('../packages/server-cluster/src/entity-store/cluster-entity-store.js');
  const registry = await import('../packages/server/src/entities/registry.js');
  const errors = await import('../packages/server/src/errors/errors.js');
  return new CassandraOpenSearchEntityStore(
    {
      cassandra: {
        contactPoints: [args.cassandra],
        localDataCenter: 'datacenter1',
        keyspace: 'waggle_bench',
        username: 'cassandra',
        password: 'cassandra',
        replicationFactor: Number(args.rf),
      },
      opensearch: { nodes: [args.opensearch], indexPrefix: 'waggle_bench_' },
      namespace: `bench-${process.pid}-${Date.now()}`,
    },
    { registry, errors },
  );
}

// the SQLite writer and checkpointer threads write "role tid" here, to tell them apart in /proc
const threadsFile = join(tmpdir(), `waggle-ingest-store-${process.pid}.threads`);
process.env.WAGGLE_BENCH_THREADS_FILE = threadsFile;
const store = await openStore();
await store.init();
const seconds = Number(args.seconds);

async function batchMode(): Promise<{ alertsPerSecond: number; alerts: number }> {
  const per = Number(args.batch);
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let alerts = 0;
  while (performance.now() < end) {
    const ops: BatchOp[] = [];
    for (let i = 0; i < per; i++) ops.push(...alertOps(store));
    await store.batch(ops);
    alerts += per;
  }
  return { alerts, alertsPerSecond: Math.round(alerts / ((performance.now() - t0) / 1000)) };
}

let cpuPerAlert: ReturnType<typeof perAlert> | undefined;

async function inflightMode(): Promise<{ alertsPerSecond: number; alerts: number }> {
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let alerts = 0;
  const before = snapshot(process.pid);
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      await store.batch(alertOps(store));
      alerts++;
    }
  };
  await Promise.all(Array.from({ length: Number(args.inflight) }, worker));
  const alertsPerSecond = Math.round(alerts / ((performance.now() - t0) / 1000));
  // CPU per alert by thread of this process (the store's own work: no HTTP, no load generator)
  cpuPerAlert = perAlert(cpuDelta(process.pid, before, snapshot(process.pid), readRoles(threadsFile)), Math.max(1, alerts));
  return { alerts, alertsPerSecond };
}

const batch = await batchMode();
const inflight = await inflightMode();
await store.close();
const writerGroups = readWriterGroups(threadsFile);
rmSync(threadsFile, { force: true });
process.stdout.write(
  `${JSON.stringify({ batch: { ...batch, alertsPerBatch: Number(args.batch) }, inflight: { ...inflight, inflight: Number(args.inflight) }, observablesPerAlert: OBS, cpuPerAlert, writerGroups })}\n`,
);
