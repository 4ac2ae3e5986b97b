/**
 * The whole server (services, policy, Query API) on the cluster EntityStore: `storage.backend:
 * cluster` loads `@waggle/server-cluster` through the composition root's dynamic import, then a
 * case goes through create, get, the Query API and the tenant check. Real Cassandra and
 * OpenSearch from the environment, as in cluster-entity-store.test.ts; a fresh keyspace and index
 * prefix per run, dropped afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import cassandra from 'cassandra-driver';
import { testWaggle, type TestWaggle } from '@waggle/server/src/test/support.js';

const CASSANDRA = process.env.WAGGLE_TEST_CASSANDRA;
const OPENSEARCH = process.env.WAGGLE_TEST_OPENSEARCH;
const SKIP =
  CASSANDRA && OPENSEARCH
    ? undefined
    : 'needs real engines: set WAGGLE_TEST_CASSANDRA=host:port and WAGGLE_TEST_OPENSEARCH=http://host:port (scripts/engines/*.sh start)';

const run = randomBytes(4).toString('hex');
const keyspace = `waggle_srv_${run}`;
const prefix = `waggle_srv_${run}_`;
const user = process.env.WAGGLE_TEST_CASSANDRA_USER ?? 'cassandra';
const password = process.env.WAGGLE_TEST_CASSANDRA_PASSWORD ?? 'cassandra';

describe('the server on the cluster EntityStore', { skip: SKIP }, () => {
  let t: TestWaggle;
  before(async () => {
    // the server imports the package's build (dist/index.js), as in production
    const build = spawnSync(process.execPath, ['build.mjs'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    t = await testWaggle({
      WAGGLE_STORAGE_BACKEND: 'cluster',
      WAGGLE_CASSANDRA_CONTACT_POINTS: CASSANDRA!,
      WAGGLE_CASSANDRA_DC: process.env.WAGGLE_TEST_CASSANDRA_DC ?? 'datacenter1',
      WAGGLE_CASSANDRA_USERNAME: user,
      WAGGLE_CASSANDRA_PASSWORD: password,
      WAGGLE_CASSANDRA_KEYSPACE: keyspace,
      WAGGLE_CASSANDRA_RF: '1',
      WAGGLE_OPENSEARCH_NODES: OPENSEARCH!,
      WAGGLE_OPENSEARCH_INDEX_PREFIX: prefix,
    });
  });
  after(async () => {
    await t?.close();
    const c = new cassandra.Client({ contactPoints: [CASSANDRA!], localDataCenter: 'datacenter1', credentials: { username: user, password } });
    await c.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await c.shutdown();
    await fetch(`${OPENSEARCH}/${prefix}*`, { method: 'DELETE' });
  });

  test('a case is created, read, listed through the Query API and hidden from another organisation', async () => {
    const a = await t.org('org-a');
    const b = await t.org('org-b');
    const created = await t.as(a.analyst).post('/api/v1/case', { title: 'On the cluster', description: 'stored in Cassandra', tags: ['cluster'] });
    assert.equal(created.status, 201, created.text);
    const id = created.body._id as string;
    const got = await t.as(a.analyst).get(`/api/v1/case/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.title, 'On the cluster');
    const listed = await t.as(a.analyst).query([{ _name: 'listCase' }, { _name: 'filter', _eq: { _field: 'tags', _value: 'cluster' } }]);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(
      (listed.body as Array<{ _id: string }>).map((c) => c._id),
      [id],
    );
    assert.equal((await t.as(b.analyst).get(`/api/v1/case/${id}`)).status, 404);
    const other = await t.as(b.analyst).query([{ _name: 'listCase' }]);
    assert.deepEqual(other.body, []);
  });
});
