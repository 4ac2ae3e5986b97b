/**
 * Membership against a real Cassandra (issue 7, done-when 4): a node alone with minMembers 2 is
 * not ready until a second node joins, and loses readiness when it leaves or stops beating.
 * Each simulated node has its own driver session, as separate processes would.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Membership, type MembershipOptions } from './membership.js';
import { hangable, skipWithoutCassandra, useTestKeyspace, waitFor } from './test-support.js';

describe('Membership on Cassandra', { skip: skipWithoutCassandra }, () => {
  const keyspace = useTestKeyspace('waggle_members');

  async function node(nodeId: string, extra: Partial<MembershipOptions> = {}): Promise<Membership> {
    const m = new Membership(await keyspace().session(), {
      nodeId,
      address: `127.0.0.1:${9000 + nodeId.length}`,
      version: '0.1.0',
      minMembers: 2,
      heartbeatMs: 200,
      ttlSeconds: 2,
      ...extra,
    });
    await m.init();
    return m;
  }

  test('a node alone with minMembers 2 is not ready until a second node joins, and not ready again when it leaves', async () => {
    const changes: boolean[] = [];
    const a = await node('alpha', { cluster: 'join', onReadyChange: (r) => changes.push(r) });
    await a.start();
    assert.equal(a.ready(), false);
    assert.deepEqual(
      a.status().alive.map((m) => m.nodeId),
      ['alpha'],
    );
    // still alone after several heartbeats
    await a.beat();
    await a.beat();
    assert.equal(a.ready(), false);

    const b = await node('bravo', { cluster: 'join' });
    await b.start();
    assert.equal(b.ready(), true, 'the second node sees both at its first heartbeat');
    await waitFor('alpha sees bravo', () => a.ready());
    const alive = await a.aliveMembers();
    assert.deepEqual(alive.map((m) => m.nodeId).sort(), ['alpha', 'bravo']);
    const bravo = alive.find((m) => m.nodeId === 'bravo');
    assert.equal(bravo?.version, '0.1.0');
    assert.equal(bravo?.address, '127.0.0.1:9005');
    assert.ok(bravo && bravo.lastBeat.getTime() >= bravo.started.getTime());

    await b.stop();
    await waitFor('alpha notices bravo left', () => !a.ready());
    assert.deepEqual(changes, [true, false]);
    await a.stop();
  });

  test('a member that stops beating without leaving (a crash) drops out when its heartbeat expires', async () => {
    const a = await node('alpha', { cluster: 'crash' });
    const b = await node('bravo', { cluster: 'crash' });
    await a.start();
    await b.start();
    await waitFor('both ready', () => a.ready() && b.ready());
    await b.stop({ leave: false });
    // the row is still there until its TTL runs out
    assert.ok((await a.aliveMembers()).some((m) => m.nodeId === 'bravo'));
    await waitFor('bravo expires', () => !a.ready());
    assert.deepEqual(
      (await a.aliveMembers()).map((m) => m.nodeId),
      ['alpha'],
    );
    await a.stop();
  });

  test('minMembers 1 is ready alone; clusters are separate partitions', async () => {
    const solo = await node('solo', { cluster: 'other', minMembers: 1 });
    await solo.start();
    assert.equal(solo.ready(), true);
    assert.deepEqual(
      solo.status().alive.map((m) => m.nodeId),
      ['solo'],
    );
    await solo.stop();
  });

  test('a node whose heartbeat cannot reach Cassandra reports not ready and the error', async () => {
    const errors: unknown[] = [];
    const session = await keyspace().session();
    const a = new Membership(session, {
      nodeId: 'lost',
      address: 'x',
      version: '0.1.0',
      minMembers: 1,
      cluster: 'lost',
      onError: (e) => errors.push(e),
    });
    await a.init();
    await a.start();
    assert.equal(a.ready(), true);
    await session.shutdown();
    await a.beat();
    assert.equal(a.ready(), false);
    assert.equal(errors.length, 1);
    await a.stop({ leave: false });
  });

  test('a node whose heartbeats hang (a partition) stops being ready, though no error comes back', async () => {
    const session = await keyspace().session();
    const link = hangable(session);
    const changes: boolean[] = [];
    const a = new Membership(link.client, {
      nodeId: 'hung',
      address: 'x',
      version: '0.1.0',
      minMembers: 1,
      cluster: 'hung',
      heartbeatMs: 200,
      ttlSeconds: 2,
      onReadyChange: (r) => changes.push(r),
    });
    await a.init();
    await a.start();
    assert.equal(a.ready(), true);
    link.hang();
    await waitFor('not ready', () => !a.ready(), 10_000);
    await waitFor('the change is reported', () => changes.includes(false), 10_000);
    assert.deepEqual(changes, [true, false]);
    await a.stop({ leave: false });
  });

  test('minMembers must be a positive integer', async () => {
    const session = await keyspace().session();
    for (const minMembers of [0, -1, 1.5]) {
      assert.throws(() => new Membership(session, { nodeId: 'x', address: 'x', version: 'x', minMembers }), /minMembers/);
    }
  });
});
