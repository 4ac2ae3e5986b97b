/**
 * What the cluster tests that start Waggle nodes on the real engines share: the engines from the
 * WAGGLE_TEST_* variables, the reason to skip without them, the environment of one node on a
 * test keyspace and index prefix, and the removal of that test data afterwards.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { ROOT } from '../support/server-process.js';

export const CASSANDRA = process.env.WAGGLE_TEST_CASSANDRA;
export const OPENSEARCH = process.env.WAGGLE_TEST_OPENSEARCH;
const USER = process.env.WAGGLE_TEST_CASSANDRA_USER ?? 'cassandra';
const PASSWORD = process.env.WAGGLE_TEST_CASSANDRA_PASSWORD ?? 'cassandra';

/** Why a test that runs Waggle nodes on Cassandra + OpenSearch cannot run here, or false. */
export const nodeSkip: string | false =
  !CASSANDRA || !OPENSEARCH
    ? 'needs WAGGLE_TEST_CASSANDRA and WAGGLE_TEST_OPENSEARCH (scripts/engines/with-engines.sh cassandra opensearch -- ...)'
    : !existsSync(join(ROOT, 'packages/server-cluster/dist/index.js'))
      ? 'the cluster package is not built (npm run build -w @waggle/server-cluster)'
      : false;

/** A driver session as the test role, for setup and cleanup. */
export function cassandraAdmin(): cassandra.Client {
  return new cassandra.Client({
    contactPoints: (CASSANDRA ?? '').split(','),
    localDataCenter: process.env.WAGGLE_TEST_CASSANDRA_DC ?? 'datacenter1',
    credentials: { username: USER, password: PASSWORD },
  });
}

/** The environment of cluster node `id` on `keyspace` and `indexPrefix` (add or override with `extra`). */
export function clusterNodeEnv(
  o: { id: string; dataDir: string; keyspace: string; indexPrefix: string; rf?: string; minMembers: number },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    WAGGLE_MODE: 'test',
    WAGGLE_DATA_DIR: o.dataDir,
    WAGGLE_ADMIN_PASSWORD: 'secret',
    WAGGLE_LOG_LEVEL: 'error',
    WAGGLE_STORAGE_BACKEND: 'cluster',
    WAGGLE_CASSANDRA_CONTACT_POINTS: CASSANDRA!,
    WAGGLE_CASSANDRA_KEYSPACE: o.keyspace,
    WAGGLE_CASSANDRA_RF: o.rf ?? process.env.WAGGLE_TEST_CASSANDRA_RF ?? '1',
    WAGGLE_CASSANDRA_USERNAME: USER,
    WAGGLE_CASSANDRA_PASSWORD: PASSWORD,
    WAGGLE_OPENSEARCH_NODES: OPENSEARCH!,
    WAGGLE_OPENSEARCH_INDEX_PREFIX: o.indexPrefix,
    WAGGLE_CLUSTER_NODE_ID: o.id,
    WAGGLE_CLUSTER_ADDRESS: `${o.id}:9000`,
    WAGGLE_CLUSTER_MIN_MEMBERS: String(o.minMembers),
    ...extra,
  };
}

/** Drops the test keyspaces and the OpenSearch indexes under `indexPrefix` (when given). */
export async function dropTestData(keyspaces: readonly string[], indexPrefix?: string): Promise<void> {
  const admin = cassandraAdmin();
  try {
    for (const ks of keyspaces) await admin.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  } finally {
    await admin.shutdown();
  }
  if (indexPrefix && OPENSEARCH) await fetch(`${OPENSEARCH}/${indexPrefix}*`, { method: 'DELETE' }).catch(() => undefined);
}
