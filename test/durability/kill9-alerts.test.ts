/**
 * Issue 3, "Done when" #5: during alert ingestion (32 clients in flight, 20 observables per
 * alert, group-committed writes), `kill -9` loses no alert that got a 201: after a restart
 * every acknowledged alert is there with all of its observables, and de-duplication still holds.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startServer, type ServerProcess } from '../support/server-process.js';

const IN_FLIGHT = 32;
const KILL_AFTER_ACKS = 300;
const MAX_REQUESTS = 5000;
const OBSERVABLES = 20;

const dataDir = mkdtempSync(join(tmpdir(), 'waggle-kill9-alerts-'));
const servers: ServerProcess[] = [];
after(async () => {
  for (const s of servers) await s.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const env = { WAGGLE_MODE: 'test', WAGGLE_DATA_DIR: dataDir, WAGGLE_ADMIN_PASSWORD: 'secret', WAGGLE_LOG_LEVEL: 'warn' };
const adminAuth = `Basic ${Buffer.from('admin@thehive.local:secret').toString('base64')}`;

function alertBody(n: number): Record<string, unknown> {
  return {
    type: 'siem',
    source: 'kill9',
    sourceRef: `ref-${n}`,
    title: `alert ${n}`,
    description: 'ingested under load',
    severity: 2,
    tags: ['kill9'],
    observables: Array.from({ length: OBSERVABLES }, (_, i) => ({
      dataType: i % 2 ? 'ip' : 'domain',
      data: i % 2 ? `10.${n % 250}.${i}.${n % 199}` : `host${i}-${n}.example`,
    })),
  };
}

test('every alert acknowledged with a 201 before kill -9 is there, whole, after a restart', { timeout: 240_000 }, async () => {
  const first = await startServer(env);
  servers.push(first);
  assert.equal((await call(first.base, 'POST', '/api/v1/organisation', adminAuth, { name: 'ingest', description: 'x' })).status, 201);
  assert.equal(
    (await call(first.base, 'POST', '/api/v1/user', adminAuth, { login: 'feeder@ingest', name: 'f', profile: 'analyst', organisation: 'ingest' })).status,
    201,
  );
  const key = await call(first.base, 'POST', '/api/v1/user/feeder@ingest/key/renew', adminAuth);
  assert.equal(key.status, 200);
  const auth = `Bearer ${key.text}`;

  const acked = new Map<string, number>();
  let sent = 0;
  let killed = false;
  const worker = async (): Promise<void> => {
    while (!killed && sent < MAX_REQUESTS) {
      const n = sent++;
      try {
        const r = await call(first.base, 'POST', '/api/v1/alert', auth, alertBody(n));
        if (r.status === 201) {
          acked.set((r.json as { _id: string })._id, n);
          if (acked.size >= KILL_AFTER_ACKS && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } else assert.fail(`unexpected ${r.status} ${r.text}`);
      } catch (e) {
        if (!killed) throw e; // requests in flight at the kill were never acknowledged
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  assert.equal(await first.exited, 'SIGKILL');
  assert.ok(acked.size >= KILL_AFTER_ACKS, `only ${acked.size} acknowledged`);

  const second = await startServer(env);
  servers.push(second);
  const missing: string[] = [];
  for (const [id, n] of acked) {
    const r = await call(second.base, 'GET', `/api/v1/alert/${id}`, auth);
    if (r.status !== 200) {
      missing.push(`${id}: ${r.status}`);
      continue;
    }
    const a = r.json as { sourceRef: string; observableCount: number };
    assert.equal(a.sourceRef, `ref-${n}`);
    assert.equal(a.observableCount, OBSERVABLES);
    const obs = await call(second.base, 'POST', '/api/v1/query', auth, {
      query: [{ _name: 'getAlert', idOrName: id }, { _name: 'observables' }, { _name: 'count' }],
    });
    assert.equal(obs.json, OBSERVABLES, `alert ${id} has ${String(obs.json)} observables`);
  }
  assert.deepEqual(missing, [], `${missing.length} of ${acked.size} acknowledged alerts lost`);
  // de-duplication survived the crash: re-sending an acknowledged alert is refused
  const [, n0] = [...acked][0]!;
  const again = await call(second.base, 'POST', '/api/v1/alert', auth, alertBody(n0));
  assert.equal(again.status, 400, again.text);
  assert.equal((again.json as { type: string }).type, 'CreateError');
  await second.stop('SIGTERM');
});
