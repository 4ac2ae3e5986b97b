/**
 * Acknowledged writes survive `kill -9` (DESIGN §3: the SQLite adapter commits with
 * synchronous=FULL before it answers). The real server runs as a child process; 16 case
 * creations stay in flight; the process is SIGKILLed mid-load; after a restart on the same data
 * directory every case that got a 201 is there, unchanged, and new writes get fresh ids and
 * numbers.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startServer, type ServerProcess } from '../support/server-process.js';

const IN_FLIGHT = 16;
const KILL_AFTER_ACKS = 400;
const MAX_REQUESTS = 3000;

const dataDir = mkdtempSync(join(tmpdir(), 'waggle-kill9-'));
const servers: ServerProcess[] = [];
after(async () => {
  for (const s of servers) await s.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const env = { WAGGLE_MODE: 'test', WAGGLE_DATA_DIR: dataDir, WAGGLE_ADMIN_PASSWORD: 'secret', WAGGLE_LOG_LEVEL: 'warn' };
const adminAuth = `Basic ${Buffer.from('admin@thehive.local:secret').toString('base64')}`;

test('every case acknowledged with a 201 before kill -9 is there after a restart', { timeout: 180_000 }, async () => {
  const first = await startServer(env);
  servers.push(first);
  assert.equal((await call(first.base, 'POST', '/api/v1/organisation', adminAuth, { name: 'durable', description: 'x' })).status, 201);
  assert.equal(
    (await call(first.base, 'POST', '/api/v1/user', adminAuth, { login: 'writer@durable', name: 'w', profile: 'analyst', organisation: 'durable' })).status,
    201,
  );
  const key = await call(first.base, 'POST', '/api/v1/user/writer@durable/key/renew', adminAuth);
  assert.equal(key.status, 200);
  const auth = `Bearer ${key.text}`;

  const acked = new Map<string, { title: string; number: number }>();
  let sent = 0;
  let killed = false;
  let outstanding = 0; // requests sent and not yet answered, as the clients see it
  let outstandingAtKill = 0;
  const worker = async (): Promise<void> => {
    while (!killed && sent < MAX_REQUESTS) {
      const title = `durable case ${sent++}`;
      outstanding++;
      try {
        const r = await call(first.base, 'POST', '/api/v1/case', auth, { title, description: 'written under load', tags: ['kill9'] }).finally(
          () => outstanding--,
        );
        if (r.status === 201) {
          const c = r.json as { _id: string; number: number; title: string };
          assert.equal(c.title, title);
          acked.set(c._id, { title, number: c.number });
          if (acked.size >= KILL_AFTER_ACKS && !killed) {
            killed = true;
            outstandingAtKill = outstanding;
            first.child.kill('SIGKILL');
          }
        } else assert.fail(`unexpected ${r.status} ${r.text}`);
      } catch (e) {
        if (!killed) throw e; // after the kill, requests in flight fail: they were never acknowledged
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  assert.equal(await first.exited, 'SIGKILL', 'the server was killed, not stopped');
  assert.ok(acked.size >= KILL_AFTER_ACKS, `only ${acked.size} acknowledged`);
  // Other clients' creates were on their way when the process died (whether their answers had
  // already left the server depends on the group commit's timing, so `sent > acked` is not a rule).
  assert.ok(outstandingAtKill > 0, 'requests were still in flight when the process died');

  const second = await startServer(env);
  servers.push(second);
  const missing: string[] = [];
  for (const [id, want] of acked) {
    const r = await call(second.base, 'GET', `/api/v1/case/${id}`, auth);
    if (r.status !== 200) missing.push(`${id}: ${r.status}`);
    else {
      const c = r.json as { title: string; number: number; tags: string[] };
      assert.equal(c.title, want.title);
      assert.equal(c.number, want.number);
      assert.deepEqual(c.tags, ['kill9']);
    }
  }
  assert.deepEqual(missing, [], `${missing.length} of ${acked.size} acknowledged cases lost`);
  const count = await call(second.base, 'POST', '/api/v1/query', auth, { query: [{ _name: 'listCase' }, { _name: 'count' }] });
  assert.equal(count.status, 200);
  assert.ok((count.json as number) >= acked.size, `count ${String(count.json)} < ${acked.size} acknowledged`);
  assert.ok((count.json as number) <= sent);

  // all stored cases, acknowledged or not, have distinct numbers; new writes get fresh ids and numbers
  const all = await call(second.base, 'POST', '/api/v1/query', auth, { query: [{ _name: 'listCase' }, { _name: 'page', from: 0, to: 10_000 }] });
  const numbers = (all.json as Array<{ number: number }>).map((c) => c.number);
  assert.equal(new Set(numbers).size, numbers.length, 'case numbers are unique');
  const fresh = await call(second.base, 'POST', '/api/v1/case', auth, { title: 'after restart', description: 'x' });
  assert.equal(fresh.status, 201, fresh.text);
  const f = fresh.json as { _id: string; number: number };
  assert.equal(acked.has(f._id), false, 'ids are not reused after a crash');
  assert.equal(numbers.includes(f.number), false, 'numbers are not reused after a crash');
  await second.stop('SIGTERM');
});
