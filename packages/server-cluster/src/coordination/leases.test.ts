/**
 * Leases against a real Cassandra (issue 7, done-when 4): lightweight transactions let exactly
 * one of several competing nodes run a singleton job, and the lease moves to another node when
 * its holder stops renewing. Each simulated node has its own driver session.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Leases } from './leases.js';
import { skipWithoutCassandra, useTestKeyspace, waitFor } from './test-support.js';

interface Run {
  node: string;
  start: number;
  end: number;
}

/** No two runs overlap in time, whichever nodes ran them. */
function assertNoOverlap(runs: Run[]): void {
  const sorted = [...runs].sort((x, y) => x.start - y.start);
  for (let i = 1; i < sorted.length; i++) {
    assert.ok(sorted[i]!.start >= sorted[i - 1]!.end, `run on ${sorted[i]!.node} started while ${sorted[i - 1]!.node} was still running`);
  }
}

describe('Leases on Cassandra', { skip: skipWithoutCassandra }, () => {
  const keyspace = useTestKeyspace('waggle_leases');

  async function nodes(ids: string[], ttlSeconds = 3): Promise<Leases[]> {
    const out: Leases[] = [];
    for (const nodeId of ids) {
      const l = new Leases(await keyspace().session(), { nodeId, ttlSeconds });
      await l.init();
      out.push(l);
    }
    return out;
  }

  test('acquire, renew and release are conditional on the owner', async () => {
    const [a, b] = await nodes(['a', 'b'], 30);
    assert.equal(await a!.acquire('plain'), true);
    assert.equal(await b!.acquire('plain'), false);
    assert.equal(await a!.acquire('plain'), true, 'the holder acquiring again renews');
    assert.equal(await b!.renew('plain'), false);
    assert.equal(await b!.release('plain'), false);
    assert.equal(await a!.holder('plain'), 'a');
    assert.equal(await a!.renew('plain'), true);
    assert.equal(await a!.release('plain'), true);
    assert.equal(await a!.holder('plain'), null);
    assert.equal(await b!.acquire('plain'), true);
    assert.equal(await b!.holder('plain'), 'b');
    assert.equal(await a!.renew('plain'), false, 'a released it: renewing cannot take it back');
  });

  test('concurrent acquisitions by three nodes: exactly one wins', async () => {
    const ls = await nodes(['n1', 'n2', 'n3'], 30);
    for (let round = 0; round < 5; round++) {
      const name = `race-${round}`;
      const won = await Promise.all(ls.map((l) => l.acquire(name)));
      assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${JSON.stringify(won)}`);
      assert.equal(await ls[0]!.holder(name), ls[won.indexOf(true)]!.nodeId);
    }
  });

  test('a lease expires when its holder stops renewing', async () => {
    const [a, b] = await nodes(['a', 'b'], 1);
    assert.equal(await a!.acquire('expiring'), true);
    assert.equal(await b!.acquire('expiring'), false);
    await waitFor('b takes the expired lease', () => b!.acquire('expiring'), 10_000);
    assert.equal(await a!.renew('expiring'), false);
  });

  test('runSingleton: three competing nodes, the job runs on exactly one; it moves when the holder stops renewing', async () => {
    const ls = await nodes(['n1', 'n2', 'n3'], 2);
    const runs: Run[] = [];
    let running = 0;
    let maxRunning = 0;
    const job = (node: string) => async (signal: AbortSignal) => {
      const start = Date.now();
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });
      running--;
      runs.push({ node, start, end: Date.now() });
    };
    const handles = ls.map((l) => l.runSingleton('poller', job(l.nodeId), { everyMs: 100 }));

    await waitFor('ten runs', () => runs.length >= 10);
    const first = runs[0]!.node;
    assert.deepEqual([...new Set(runs.map((r) => r.node))], [first], 'one node ran every run');
    assert.equal(handles.filter((h) => h.holding()).length, 1);
    assert.equal(await ls[0]!.holder('poller'), first);

    // the holder crashes: it stops renewing and does not release
    const idx = ls.findIndex((l) => l.nodeId === first);
    await handles[idx]!.stop({ release: false });
    const before = runs.length;
    await waitFor('another node runs the job', () => runs.slice(before).some((r) => r.node !== first), 20_000);
    await waitFor('five more runs', () => runs.length >= before + 5);
    const later = runs.slice(before);
    const second = later[0]!.node;
    assert.notEqual(second, first);
    assert.deepEqual([...new Set(later.map((r) => r.node))], [second], 'one node took over alone');
    assert.equal(await ls[0]!.holder('poller'), second);
    assert.equal(maxRunning, 1, 'never two runs at once');
    assertNoOverlap(runs);

    // a clean stop releases the lease: the last node takes it over
    const idx2 = ls.findIndex((l) => l.nodeId === second);
    await handles[idx2]!.stop();
    const third = ls.find((l) => l.nodeId !== first && l.nodeId !== second)!.nodeId;
    const mark = runs.length;
    await waitFor('the third node runs the job', () => runs.slice(mark).some((r) => r.node === third), 20_000);
    assert.deepEqual([...new Set(runs.slice(mark).map((r) => r.node))], [third]);
    assertNoOverlap(runs);
    for (const h of handles) await h.stop();
    assert.equal(await ls[0]!.holder('poller'), null, 'released at the end');
  });

  test('TTL must be a whole number of seconds', async () => {
    const session = await keyspace().session();
    assert.throws(() => new Leases(session, { nodeId: 'x', ttlSeconds: 0.5 }), /TTL/);
  });
});
