/**
 * Issue 7: what a claim read costs on the cluster store at LOCAL_QUORUM (what `uniqueOwner` does
 * now) against LOCAL_SERIAL (what it did: a Paxos read on every replica). Every API request read
 * claims (the API key's owner, the profile and organisation by name) before the auth caches.
 * Real Cassandra from WAGGLE_TEST_CASSANDRA (3 nodes, RF 3 by default), OpenSearch from
 * WAGGLE_TEST_OPENSEARCH (only opened, not used). The same keys are read in both modes, alternating
 * rounds, `CONCURRENCY` reads in flight; prints reads/s and latency percentiles per mode.
 *
 *   WAGGLE_TEST_CASSANDRA=127.0.0.1:9042 WAGGLE_TEST_OPENSEARCH=http://127.0.0.1:9200 \
 *     node --import tsx bench/cluster-claim-reads.ts [seconds per round, default 5] [rounds, default 3]
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, SearchError, ServiceUnavailableError } from '../packages/server/src/errors/errors.js';
import { ALL_ORGS, ENTITIES, RESTRICTED_TO, SYSTEM_FIELDS, entityDef, fieldDef } from '../packages/server/src/entities/registry.js';
import { DERIVED_FIELDS } from '../packages/server/src/query/derived-fields.js';
import { bucketStart } from '../packages/server/src/query/aggregate-docs.js';
import { CassandraOpenSearchEntityStore } from '../packages/server-cluster/src/entity-store/cluster-entity-store.js';

const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = Number(process.argv[3] ?? 3);
const CONCURRENCY = 16;
const RF = Number(process.env.WAGGLE_TEST_CASSANDRA_RF ?? 3);

const s = new CassandraOpenSearchEntityStore(
  {
    cassandra: {
      contactPoints: [process.env.WAGGLE_TEST_CASSANDRA ?? '127.0.0.1:9042'],
      localDataCenter: process.env.WAGGLE_TEST_CASSANDRA_DC ?? 'datacenter1',
      keyspace: RF === 1 ? 'waggle_test' : `waggle_test_rf${RF}`,
      username: process.env.WAGGLE_TEST_CASSANDRA_USER ?? 'cassandra',
      password: process.env.WAGGLE_TEST_CASSANDRA_PASSWORD ?? 'cassandra',
      replicationFactor: RF,
    },
    opensearch: { nodes: [process.env.WAGGLE_TEST_OPENSEARCH ?? 'http://127.0.0.1:9200'], indexPrefix: 'waggle_test_' },
    namespace: `bench-claims-${randomBytes(4).toString('hex')}`,
  },
  {
    registry: { ENTITIES, entityDef, fieldDef, SYSTEM_FIELDS, ALL_ORGS, RESTRICTED_TO, DERIVED_FIELDS },
    errors: { ConflictError, NotFoundError, SearchError, ServiceUnavailableError },
    bucketStart,
  },
);
await s.init();
const keys = Array.from({ length: 100 }, (_, i) => `key-${i}`);
for (const k of keys) await s.claimUnique('bench', k, `owner-${k}`);
// the SERIAL read as it was: the store's private reader with `serial: true`
const serialRead = (k: string): Promise<string | undefined> =>
  (s as unknown as { ownerOf(scope: string, key: string, serial: boolean): Promise<string | undefined> }).ownerOf('bench', k, true);
const quorumRead = (k: string): Promise<string | undefined> => s.uniqueOwner('bench', k);

async function round(read: (k: string) => Promise<string | undefined>): Promise<{ n: number; lat: number[] }> {
  const lat: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  let i = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const k = keys[i++ % keys.length];
        const t0 = performance.now();
        const owner = await read(k);
        lat.push(performance.now() - t0);
        if (owner !== `owner-${k}`) throw new Error(`wrong owner for ${k}: ${owner}`);
      }
    }),
  );
  return { n: lat.length, lat };
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? 0;
const totals = { quorum: { n: 0, lat: [] as number[] }, serial: { n: 0, lat: [] as number[] } };
await round(quorumRead); // warm-up: prepared statements, connections
for (let r = 0; r < ROUNDS; r++) {
  for (const [mode, read] of [
    ['serial', serialRead],
    ['quorum', quorumRead],
  ] as const) {
    const res = await round(read);
    totals[mode].n += res.n;
    totals[mode].lat.push(...res.lat);
    console.log(`round ${r + 1} ${mode}: ${(res.n / SECONDS).toFixed(0)} reads/s`);
  }
}
for (const [mode, t] of Object.entries(totals)) {
  console.log(
    `${mode === 'quorum' ? 'LOCAL_QUORUM' : 'LOCAL_SERIAL'}: ${(t.n / (SECONDS * ROUNDS)).toFixed(0)} reads/s, p50 ${pct(t.lat, 50).toFixed(1)} ms, p95 ${pct(t.lat, 95).toFixed(1)} ms (${CONCURRENCY} in flight)`,
  );
}
await s.close();
