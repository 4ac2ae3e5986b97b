/**
 * Issue 7, done-when 3: while OpenSearch is down, Cassandra (the source of truth) still serves
 * reads by id and creates and updates; only what needs the index (lists, search, aggregations)
 * answers 503 `{type, message}`. A real node (the server on the cluster EntityStore) on real
 * Cassandra; OpenSearch is reached through a TCP relay this test opens and closes, so "down" is a
 * real refused connection for this node alone (the shared OpenSearch keeps running for others).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { testWaggle, type Res, type TestWaggle, type TestOrg } from '@waggle/server/src/test/support.js';
import { CASSANDRA, OPENSEARCH, dropTestData } from '../../../../test/cluster/cluster-test-env.js';
import { Relay } from './relay.fixture.js';

const SKIP = CASSANDRA && OPENSEARCH ? undefined : 'needs real engines: set WAGGLE_TEST_CASSANDRA and WAGGLE_TEST_OPENSEARCH (scripts/engines/*.sh start)';
const run = randomBytes(4).toString('hex');
const keyspace = `waggle_osdown_${run}`;
const prefix = `waggle_osdown_${run}_`;

describe('the server on the cluster EntityStore while OpenSearch is down', { skip: SKIP }, () => {
  let t: TestWaggle;
  let org: TestOrg;
  const relay = new Relay(new URL(OPENSEARCH ?? 'http://127.0.0.1:9200'));
  /** A node's environment: the test's keyspace, OpenSearch through the relay. */
  const nodeEnv = (): Record<string, string> => ({
    WAGGLE_STORAGE_BACKEND: 'cluster',
    WAGGLE_CASSANDRA_CONTACT_POINTS: CASSANDRA!,
    WAGGLE_CASSANDRA_DC: process.env.WAGGLE_TEST_CASSANDRA_DC ?? 'datacenter1',
    WAGGLE_CASSANDRA_USERNAME: process.env.WAGGLE_TEST_CASSANDRA_USER ?? 'cassandra',
    WAGGLE_CASSANDRA_PASSWORD: process.env.WAGGLE_TEST_CASSANDRA_PASSWORD ?? 'cassandra',
    WAGGLE_CASSANDRA_KEYSPACE: keyspace,
    WAGGLE_CASSANDRA_RF: process.env.WAGGLE_TEST_CASSANDRA_RF ?? '1',
    WAGGLE_OPENSEARCH_NODES: `http://127.0.0.1:${relay.port}`,
    WAGGLE_OPENSEARCH_INDEX_PREFIX: prefix,
  });
  let outageCase = '';
  before(async () => {
    const build = spawnSync(process.execPath, ['build.mjs'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    await relay.up();
    t = await testWaggle(nodeEnv());
    // set-up while OpenSearch is up: an organisation and a custom field definition
    org = await t.org('org-a');
    const cf = await t.admin.post('/api/v1/customField', { name: 'hits', displayName: 'Hits', description: 'hits', type: 'integer', group: 'test' });
    assert.equal(cf.status, 201, cf.text);
    await relay.down();
  });
  after(async () => {
    await relay.down();
    await t?.close();
    await dropTestData([keyspace], prefix);
  });

  test('creates, reads by id and updates answer 2xx; a list answers 503', async () => {
    const a = t.as(org.analyst);
    // every step runs even when one fails, so that one run shows every path that still needs OpenSearch
    const statuses: Record<string, number> = {};
    const step = async (name: string, res: Promise<Res>): Promise<Res> => {
      const r = await res;
      statuses[name] = r.status;
      if (r.status >= 300) console.log(`${name}: ${r.status} ${r.text}`);
      return r;
    };
    const kase = await step('create case', a.post('/api/v1/case', { title: 'OpenSearch is down', description: 'Cassandra has it', customFields: { hits: 3 } }));
    const caseId = kase.body?._id as string;
    outageCase = caseId;
    const got = await step('get case', a.get(`/api/v1/case/${caseId}`));
    await step('update case', a.patch(`/api/v1/case/${caseId}`, { severity: 3 }));
    const again = await step('get case again', a.get(`/api/v1/case/${caseId}`));
    const obs = await step('create case observable', a.post(`/api/v1/case/${caseId}/observable`, { dataType: 'ip', data: '10.0.0.1' }));
    const obsId = (Array.isArray(obs.body) ? obs.body[0]?._id : obs.body?._id) as string;
    await step('get observable', a.get(`/api/v1/observable/${obsId}`));
    const task = await step('create task', a.post(`/api/v1/case/${caseId}/task`, { title: 'look' }));
    await step('get task', a.get(`/api/v1/task/${task.body?._id}`));
    await step('update task', a.patch(`/api/v1/task/${task.body?._id}`, { status: 'InProgress' }));
    await step('create log', a.post(`/api/v1/task/${task.body?._id}/log`, { message: 'looked' }));
    const alert = await step(
      'create alert',
      a.post('/api/v1/alert', {
        type: 'osdown',
        source: 'test',
        sourceRef: `ref-${run}`,
        title: 'an alert',
        description: 'with observables',
        observables: [
          { dataType: 'domain', data: 'example.org' },
          { dataType: 'ip', data: '10.0.0.2' },
        ],
      }),
    );
    const gotAlert = await step('get alert', a.get(`/api/v1/alert/${alert.body?._id}`));
    await step('update alert', a.patch(`/api/v1/alert/${alert.body?._id}`, { severity: 1 }));
    const alertId = alert.body?._id as string;
    await step('create alert observable', a.post(`/api/v1/alert/${alertId}/observable`, { dataType: 'url', data: 'http://example.org/x' }));
    await step('update observable', a.patch(`/api/v1/observable/${obsId}`, { ioc: true }));
    await step('comment on case', a.post(`/api/v1/case/${caseId}/comment`, { message: 'noted' }));
    // a Query API chain is a list (a traversal from the case): it still needs OpenSearch
    await step('case observables (Query API)', a.query([{ _name: 'getCase', idOrName: caseId }, { _name: 'observables' }]));
    const promoted = await step('promote alert to case', a.post(`/api/v1/alert/${alertId}/case`, {}));
    const list = await step('list cases', a.query([{ _name: 'listCase' }]));

    assert.deepEqual(statuses, {
      'create case': 201,
      'get case': 200,
      'update case': 204,
      'get case again': 200,
      'create case observable': 201,
      'get observable': 200,
      'create task': 201,
      'get task': 200,
      'update task': 204,
      'create log': 201,
      'create alert': 201,
      'get alert': 200,
      'update alert': 204,
      'create alert observable': 201,
      'update observable': 204,
      'comment on case': 201,
      'case observables (Query API)': 503,
      'promote alert to case': 201,
      'list cases': 503,
    });
    const promotedCase = await a.get(`/api/v1/case/${promoted.body?._id}`);
    assert.equal(promotedCase.status, 200, promotedCase.text);
    assert.equal(promotedCase.body.title, 'an alert');
    assert.equal(got.body.title, 'OpenSearch is down');
    assert.deepEqual(
      (got.body.customFields as Array<{ name: string; value: unknown }>).map((c) => [c.name, c.value]),
      [['hits', 3]],
    );
    assert.equal(again.body.severity, 3);
    assert.equal(gotAlert.body.observableCount, 2);
    assert.equal(list.body.type, 'ServiceUnavailable');
    assert.match(list.body.message, /Search is unavailable/);

    // OpenSearch back: the node's index repair job replays the outbox, and the list shows the writes
    await relay.up();
    let listed: string[] = [];
    for (let i = 0; i < 120 && !listed.includes(caseId); i++) {
      await new Promise((r) => setTimeout(r, 500));
      const r = await a.query([{ _name: 'listCase' }]);
      listed = r.status === 200 ? (r.body as Array<{ _id: string }>).map((c) => c._id) : [];
    }
    assert.ok(listed.includes(caseId), 'the case created during the outage is listed once OpenSearch is back');
    assert.ok(listed.includes(promoted.body?._id as string));
  });

  test('a node started while OpenSearch is down starts and serves reads by id', async () => {
    assert.ok(outageCase, 'the test above created a case');
    await relay.down();
    const t2 = await testWaggle(nodeEnv());
    try {
      const r = await t2.as(org.analyst).get(`/api/v1/case/${outageCase}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.title, 'OpenSearch is down');
      const list = await t2.as(org.analyst).query([{ _name: 'listCase' }]);
      assert.equal(list.status, 503, list.text);
    } finally {
      await t2.close();
    }
  });
});
