/**
 * Leases against a real Cassandra (issue 7, done-when 4): lightweight transactions let exactly
 * one of several competing nodes run a singleton job, and the lease moves to another node when
 * its holder stops renewing. Each simulated node has its own driver session.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CqlClient } from './cql.js';
import { Leases } from './leases.js';
import { hangable, skipWithoutCassandra, useTestKeyspace, waitFor } from './test-support.js';

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

/**
 * A singleton task that records its runs: each lasts `ms` unless its signal aborts it first.
 * The runs never overlap if at most one node runs the job at any time.
 */
function recorder(runs: Run[], ms: number): (node: string) => (signal: AbortSignal) => Promise<void> {
  return (node) => async (signal) => {
    const start = Date.now();
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
    runs.push({ node, start, end: Date.now() });
  };
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
    const job = recorder(runs, 50);
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

  /**
   * Node a holds lease `name` with a job that only an abort can end in time; `cut` separates a from
   * Cassandra. a must abort its run, and b may start only after that.
   */
  async function handover(name: string, clientA: CqlClient, cut: () => Promise<void> | void): Promise<void> {
    const a = new Leases(clientA, { nodeId: 'a', ttlSeconds: 3 });
    const b = new Leases(await keyspace().session(), { nodeId: 'b', ttlSeconds: 3 });
    const runs: Run[] = [];
    const job = recorder(runs, 60_000);
    const ha = a.runSingleton(name, job('a'), { everyMs: 100 });
    await waitFor('a holds the lease', () => ha.holding());
    const hb = b.runSingleton(name, job('b'), { everyMs: 100 });
    await cut();
    await waitFor('a aborted its run', () => runs.some((r) => r.node === 'a'));
    assert.equal(ha.holding(), false);
    await waitFor('b runs the job once the lease expired', () => hb.holding(), 20_000);
    await hb.stop(); // aborts b's run, which records it
    const aRun = runs.find((r) => r.node === 'a')!;
    const bRun = runs.find((r) => r.node === 'b')!;
    assert.ok(bRun.start >= aRun.end, `b started at ${bRun.start}, before a stopped at ${aRun.end}`);
    await ha.stop({ release: false });
  }

  test('a holder cut off from Cassandra (requests fail) aborts its run; the other node starts only after', async () => {
    const session = await keyspace().session();
    await handover('failing', session, () => session.shutdown());
  });

  test('a holder whose renewals hang (a partition) aborts its run before its lease can expire', async () => {
    const link = hangable(await keyspace().session());
    await handover('hanging', link.client, link.hang);
  });

  test('TTL must be a whole number of seconds', async () => {
    const session = await keyspace().session();
    assert.throws(() => new Leases(session, { nodeId: 'x', ttlSeconds: 0.5 }), /TTL/);
  });
});
