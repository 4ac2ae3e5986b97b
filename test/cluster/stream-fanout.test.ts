/**
 * Issue 7: the live stream fans out across the cluster. Two real Waggle processes on one cluster
 * keyspace (Cassandra + OpenSearch): a stream client connected to node alpha receives the audit
 * event of a case created through node bravo (Server-Sent Events and TheHive's long poll), once;
 * a user of another organisation connected to alpha does not receive it. The latency the fan-out
 * adds (case created through bravo → event on alpha, against → event on bravo itself) is printed,
 * not asserted.
 *
 * Needs WAGGLE_TEST_CASSANDRA and WAGGLE_TEST_OPENSEARCH (scripts/engines/with-engines.sh), and
 * the cluster package built (`npm run build -w @waggle/server-cluster`): the server loads it from
 * dist. Replication: WAGGLE_TEST_CASSANDRA_RF (default 1; 3 on the 3-node cluster).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startServer, type ServerProcess } from '../support/server-process.js';
import { clusterNodeEnv, dropTestData, nodeSkip as skip } from './cluster-test-env.js';

const suffix = randomBytes(4).toString('hex');
const keyspace = `waggle_fanout_${suffix}`;
const dirs: string[] = [];
const servers: ServerProcess[] = [];

after(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (skip) return;
  await dropTestData([keyspace], `waggle_fanout_${suffix}_`);
});

async function node(id: string): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `waggle-${id}-`));
  dirs.push(dataDir);
  const s = await startServer(clusterNodeEnv({ id, dataDir, keyspace, indexPrefix: `waggle_fanout_${suffix}_`, minMembers: 1 }), 120_000);
  servers.push(s);
  return s;
}

const basic = (login: string): string => `Basic ${Buffer.from(`${login}:secret`).toString('base64')}`;
const ADMIN = basic('admin@thehive.local');

interface StreamEvent {
  at: number;
  audit: { _id: string; objectId: string; objectType: string; operation: string; rootId: string };
}

/** An SSE client: collects the audit events as they arrive, with their arrival time. */
async function sse(base: string, auth: string): Promise<{ events: StreamEvent[]; close: () => void }> {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/v1/stream/events`, { headers: { authorization: auth }, signal: ac.signal });
  assert.equal(res.status, 200);
  const events: StreamEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (frame.startsWith('event: audit') && data) events.push({ at: Date.now(), audit: JSON.parse(data.slice(6)) as StreamEvent['audit'] });
        }
      }
    } catch {
      // aborted at close
    }
  })();
  return { events, close: () => ac.abort() };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function createCase(base: string, auth: string, title: string): Promise<{ id: string; acked: number }> {
  const r = await call(base, 'POST', '/api/v1/case', auth, { title, description: 'fan-out test' });
  assert.equal(r.status, 201, r.text);
  return { id: (r.json as { _id: string })._id, acked: Date.now() };
}

const created = (events: StreamEvent[], id: string): StreamEvent[] => events.filter((e) => e.audit.objectId === id && e.audit.operation === 'create');

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

test('a stream client on node alpha sees the case created through node bravo, once; another organisation does not', { skip, timeout: 600_000 }, async () => {
  const alpha = await node('alpha');
  const bravo = await node('bravo');
  for (const org of ['fan-one', 'fan-two']) {
    const r = await call(bravo.base, 'POST', '/api/v1/organisation', ADMIN, { name: org, description: org });
    assert.equal(r.status, 201, r.text);
    const u = await call(bravo.base, 'POST', '/api/v1/user', ADMIN, {
      login: `u@${org}`,
      name: org,
      profile: 'analyst',
      organisation: org,
      password: 'secret',
    });
    assert.equal(u.status, 201, u.text);
  }
  const one = basic('u@fan-one');
  const two = basic('u@fan-two');

  const oneOnAlpha = await sse(alpha.base, one);
  const twoOnAlpha = await sse(alpha.base, two);
  const oneOnBravo = await sse(bravo.base, one);
  const poll = await call(alpha.base, 'POST', '/api/stream', one);
  assert.equal(poll.status, 200);
  const streamId = poll.text;

  const c = await createCase(bravo.base, one, 'written through bravo');
  await waitFor('the SSE client on alpha gets the case creation', () => created(oneOnAlpha.events, c.id).length > 0);
  const longPoll = await call(alpha.base, 'GET', `/api/stream/${streamId}`, one);
  assert.equal(longPoll.status, 200);
  assert.ok(
    (longPoll.json as Array<{ objectId: string; operation: string }>).some((a) => a.objectId === c.id && a.operation === 'create'),
    'the long poll on alpha returns it too',
  );

  // a later case of the other organisation, also through bravo: once fan-two's client on alpha has
  // it, every earlier event of bravo has been through alpha (order per node is kept)
  const other = await createCase(bravo.base, two, 'the other organisation');
  await waitFor("fan-two's client on alpha gets its own organisation's case", () => created(twoOnAlpha.events, other.id).length > 0);
  assert.equal(created(twoOnAlpha.events, c.id).length, 0, "fan-two never sees fan-one's case");
  assert.ok(!twoOnAlpha.events.some((e) => e.audit.rootId === c.id), "nor anything under fan-one's case");
  assert.equal(created(oneOnAlpha.events, other.id).length, 0, "fan-one does not see fan-two's case");
  assert.equal(created(oneOnAlpha.events, c.id).length, 1, 'delivered once');

  // the added latency: bravo's own clients get the event at commit, alpha's through the event log
  const remote: number[] = [];
  const local: number[] = [];
  for (let i = 0; i < 30; i++) {
    const k = await createCase(bravo.base, one, `latency ${i}`);
    await waitFor('the event on both nodes', () => created(oneOnAlpha.events, k.id).length > 0 && created(oneOnBravo.events, k.id).length > 0);
    remote.push(created(oneOnAlpha.events, k.id)[0]!.at - k.acked);
    local.push(created(oneOnBravo.events, k.id)[0]!.at - k.acked);
  }
  assert.equal(new Set(oneOnAlpha.events.map((e) => e.audit._id)).size, oneOnAlpha.events.length, 'no event twice on alpha');
  process.stdout.write(
    `stream fan-out over 30 cases (ms after the 2xx): other node p50 ${pct(remote, 50)} p95 ${pct(remote, 95)} max ${Math.max(...remote)}; ` +
      `same node p50 ${pct(local, 50)} p95 ${pct(local, 95)}\n`,
  );
  for (const s of [oneOnAlpha, twoOnAlpha, oneOnBravo]) s.close();
});
