/**
 * ClusterCoordinator against a real Cassandra: two nodes with minMembers 2 become ready together;
 * a singleton runs on one; stopping that node releases its lease at once, so the other node takes
 * the job over without waiting for the TTL, and loses readiness.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterCoordinator } from './coordinator.js';
import { cassandraContactPoints, skipWithoutCassandra, useTestKeyspace, waitFor } from './test-support.js';

describe('ClusterCoordinator on Cassandra', { skip: skipWithoutCassandra }, () => {
  const keyspace = useTestKeyspace('waggle_coord');

  test('two nodes: ready together, one singleton runner, a clean stop hands the job over', async () => {
    const errors: string[] = [];
    const node = async (nodeId: string) =>
      new ClusterCoordinator(await keyspace().session(), {
        nodeId,
        address: `${nodeId}:9000`,
        version: '0.1.0',
        minMembers: 2,
        heartbeatMs: 200,
        memberTtlSeconds: 2,
        // long enough that a takeover before it ends can only come from the release
        leaseTtlSeconds: 60,
        onError: (what) => errors.push(`${nodeId} ${what}`),
      });
    const a = await node('a');
    const b = await node('b');
    await a.start();
    assert.equal(a.ready(), false);
    await b.start();
    await waitFor('both ready', () => a.ready() && b.ready());
    assert.deepEqual(
      a
        .status()
        .alive.map((m) => m.nodeId)
        .sort(),
      ['a', 'b'],
    );

    const runs: string[] = [];
    const job = (id: string) => async () => {
      runs.push(id);
    };
    a.runSingleton('feeder', job('a'), { everyMs: 50 });
    await waitFor('a runs the feeder', () => runs.includes('a'));
    b.runSingleton('feeder', job('b'), { everyMs: 50 });
    await waitFor('more runs', () => runs.length >= 5);
    assert.ok(!runs.includes('b'), 'b waits while a holds the lease');

    await a.stop();
    await waitFor('b takes the feeder over, well within the 60 s lease TTL', () => runs.includes('b'), 15_000);
    await waitFor('b is no longer ready without a', () => !b.ready());
    await b.stop();
    assert.deepEqual(errors, []);
  });

  test('connect opens its own session on the keyspace, starts, and closes the session on stop', async () => {
    const c = await ClusterCoordinator.connect(
      {
        contactPoints: (cassandraContactPoints ?? '').split(','),
        localDataCenter: process.env.WAGGLE_TEST_CASSANDRA_DC ?? 'datacenter1',
        keyspace: keyspace().name,
        username: process.env.WAGGLE_TEST_CASSANDRA_USER ?? 'cassandra',
        password: process.env.WAGGLE_TEST_CASSANDRA_PASSWORD ?? 'cassandra',
      },
      { nodeId: 'solo', address: 'solo:9000', version: '0.1.0', minMembers: 1 },
    );
    assert.equal(c.ready(), true);
    assert.deepEqual(
      c.status().alive.map((m) => m.nodeId),
      ['solo'],
    );
    await c.stop();
    assert.equal(c.ready(), false);
  });
});
