/**
 * Issue 7, done-when 4: leases make a singleton job run on exactly one node.
 *
 * 1. Three node processes (`packages/server-cluster/src/coordination/singleton-node.fixture.ts`:
 *    a ClusterCoordinator each, own Cassandra session) compete for one job: every run is made by
 *    one node, runs never overlap; after `kill -9` of the holder another node takes the job over
 *    (once the lease expired), alone; after a clean stop (SIGTERM, lease released) the last node does.
 * 2. Two Waggle nodes (in this process, on one keyspace) with a remote Cortex engine configured:
 *    the index repair job drains the store's outbox; the Cortex connector poller runs on one of
 *    them only, and moves when that node closes.
 *
 * Needs WAGGLE_TEST_CASSANDRA (and WAGGLE_TEST_OPENSEARCH for 2), the cluster package built for 2
 * (`npm run build -w @waggle/server-cluster`). Replication: WAGGLE_TEST_CASSANDRA_RF (default 1).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/server-process.js';
import { CASSANDRA, cassandraAdmin, clusterNodeEnv, dropTestData, nodeSkip, OPENSEARCH } from './cluster-test-env.js';
import { loadConfig } from '../../packages/server/src/config/config.js';
import { createWaggle, type Running } from '../../packages/server/src/server.js';

const RF = process.env.WAGGLE_TEST_CASSANDRA_RF ?? '1';
const DC = process.env.WAGGLE_TEST_CASSANDRA_DC ?? 'datacenter1';
const skipCassandra = CASSANDRA ? false : 'needs WAGGLE_TEST_CASSANDRA (scripts/engines/with-engines.sh cassandra -- ...)';
const skipServer = skipCassandra || nodeSkip;

const suffix = randomBytes(4).toString('hex');
const keyspaces: string[] = [];
const children: ChildProcess[] = [];
const running: Running[] = [];
const dirs: string[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const r of running) await r.close().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (skipCassandra) return;
  await dropTestData(keyspaces, OPENSEARCH ? `waggle_single_${suffix}_` : undefined);
});

async function waitFor(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Run {
  node: string;
  start: number;
  /** Missing while running, and for a run cut by kill -9. */
  end?: number;
}

/** Runs in start order never overlap; a run without an end lasts until `cut` (the kill). */
function assertNoOverlap(runs: Run[], cut: number): void {
  const sorted = [...runs].sort((x, y) => x.start - y.start);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    assert.ok(sorted[i]!.start >= (prev.end ?? cut), `a run on ${sorted[i]!.node} started while ${prev.node} was still running`);
  }
}

describe('a singleton job over three node processes', { skip: skipCassandra, timeout: 300_000 }, () => {
  const keyspace = `waggle_single_${suffix}`;
  const runs: Run[] = [];
  const procs = new Map<string, ChildProcess>();

  function startNode(id: string): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server-cluster/src/coordination/singleton-node.fixture.ts', id, keyspace], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    procs.set(id, child);
    let buf = '';
    return new Promise((resolve, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`node ${id} exited (${signal ?? code}) before it was up`)));
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const [kind, node, at] = buf.slice(0, i).split(' ');
          buf = buf.slice(i + 1);
          if (kind === 'up') resolve();
          else if (kind === 'run-start') runs.push({ node: node!, start: Number(at) });
          else if (kind === 'run-end') {
            const open = [...runs].reverse().find((r) => r.node === node && r.end === undefined);
            if (open) open.end = Number(at);
          }
        }
      });
    });
  }

  const ended = (): Run[] => runs.filter((r) => r.end !== undefined);

  test('one node runs the job; kill -9 of the holder moves it to one other node; a clean stop to the last', async () => {
    const a = cassandraAdmin();
    await a.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', '${DC}': ${RF}}`);
    await a.shutdown();
    keyspaces.push(keyspace);
    await Promise.all(['n1', 'n2', 'n3'].map((id) => startNode(id)));

    await waitFor('20 runs', () => ended().length >= 20);
    const first = runs[0]!.node;
    assert.deepEqual([...new Set(runs.map((r) => r.node))], [first], 'one node made every run');

    // the holder crashes: no release, its lease must expire (TTL 3 s)
    procs.get(first)!.kill('SIGKILL');
    const killedAt = Date.now();
    const mark = runs.length;
    await waitFor('another node made 10 runs', () => runs.slice(mark).filter((r) => r.node !== first && r.end !== undefined).length >= 10);
    const later = runs.slice(mark).filter((r) => r.node !== first);
    const second = later[0]!.node;
    assert.deepEqual([...new Set(later.map((r) => r.node))], [second], 'one node took over alone');
    assert.ok(later[0]!.start >= killedAt, 'the new holder started after the kill');
    assertNoOverlap(runs, killedAt);

    // a clean stop releases the lease: the third node takes over
    const third = ['n1', 'n2', 'n3'].find((n) => n !== first && n !== second)!;
    procs.get(second)!.kill('SIGTERM');
    await new Promise((r) => procs.get(second)!.once('exit', r));
    const mark2 = runs.length;
    await waitFor('the third node made 10 runs', () => runs.slice(mark2).filter((r) => r.node === third && r.end !== undefined).length >= 10);
    assert.deepEqual([...new Set(runs.slice(mark2).map((r) => r.node))], [third]);
    assertNoOverlap(runs, killedAt);
    const counts = Object.fromEntries(['n1', 'n2', 'n3'].map((n) => [n, runs.filter((r) => r.node === n).length]));
    process.stdout.write(`singleton runs per node: ${JSON.stringify(counts)} (first ${first}, then ${second}, then ${third})\n`);
    procs.get(third)!.kill('SIGTERM');
  });
});

describe('the Cortex connector poller on two Waggle nodes', { skip: skipServer, timeout: 300_000 }, () => {
  const keyspace = `waggle_single_${suffix}_srv`;

  async function node(id: string): Promise<{ r: Running; polls: () => number }> {
    const dataDir = mkdtempSync(join(tmpdir(), `waggle-${id}-`));
    dirs.push(dataDir);
    const config = loadConfig(
      clusterNodeEnv(
        { id, dataDir, keyspace, indexPrefix: `waggle_single_${suffix}_`, rf: RF, minMembers: 1 },
        {
          // no in-process engine (two nodes in one process would share its port); a remote Cortex
          // engine, which is what the poller polls (nothing answers there: no job is waiting on it)
          WAGGLE_ANALYSIS_ENABLED: 'false',
          WAGGLE_ANALYSIS_ENGINES: JSON.stringify([{ name: 'remote', type: 'cortex', url: 'http://127.0.0.1:9/', key: 'k' }]),
          WAGGLE_ANALYSIS_POLL_SECONDS: '1',
        },
      ),
      dataDir,
    );
    const r = await createWaggle(config, { logger: false });
    running.push(r);
    // count this node's polls: the singleton task calls the connector's pollOnce
    const cortex = r.services.cortex!;
    let polls = 0;
    const pollOnce = cortex.pollOnce.bind(cortex);
    cortex.pollOnce = (waitMs?: number, signal?: AbortSignal) => {
      polls++;
      return pollOnce(waitMs, signal);
    };
    return { r, polls: () => polls };
  }

  let alpha: Awaited<ReturnType<typeof node>>;
  let bravo: Awaited<ReturnType<typeof node>>;

  test('the index repair job drains the outbox of failed index writes', async () => {
    keyspaces.push(keyspace);
    alpha = await node('alpha');
    bravo = await node('bravo');
    // an index write that failed for a case since deleted: the repair removes it from the index and the outbox
    const a = cassandraAdmin();
    // a Cassandra node restarted by the fault tests may not know the new table for a moment
    for (let attempt = 1; ; attempt++) {
      try {
        await a.execute(`INSERT INTO ${keyspace}.outbox (ns, type, id, at) VALUES ('default', 'case', '~987654321', toTimestamp(now()))`);
        break;
      } catch (e) {
        if (attempt >= 30) throw e;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await a.shutdown();
    const store = alpha.r.services.store as unknown as { outboxSize(): Promise<number> };
    assert.equal(await store.outboxSize(), 1);
    const deadline = Date.now() + 60_000;
    while ((await store.outboxSize()) > 0) {
      assert.ok(Date.now() < deadline, 'timed out waiting until the outbox is drained');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  test('polls on one node only; when it closes, the other node polls', async () => {
    await waitFor('8 polls in all', () => alpha.polls() + bravo.polls() >= 8);
    const [holder, other] = alpha.polls() > 0 ? [alpha, bravo] : [bravo, alpha];
    assert.equal(other.polls(), 0, `both nodes polled: ${alpha.polls()} and ${bravo.polls()}`);
    await holder.r.close();
    running.splice(running.indexOf(holder.r), 1);
    const before = holder.polls();
    await waitFor('the other node polls 3 times', () => other.polls() >= 3);
    assert.equal(holder.polls(), before, 'the closed node no longer polls');
  });
});
