/**
 * SB-SEC-ADV-2022-002: an unauthenticated endpoint streamed every live event. The stream needs
 * authentication on all its forms (SSE `GET /api/v1/stream/events`, TheHive's long poll
 * `POST /api/stream` + `GET /api/stream/{id}`), and a listener only receives events of what its
 * organisation may see.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { testWaggle, type TestWaggle, type TestOrg, type Creds } from '../../packages/server/src/test/support.js';
import { basic } from './helpers.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;
let port: number;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
  await t.running.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.running.app.server.address();
  assert.ok(addr && typeof addr === 'object');
  port = addr.port;
});
after(async () => t?.close());

test('every form of the stream refuses unauthenticated and wrongly authenticated clients', async () => {
  for (const headers of [
    {},
    { authorization: basic(a.analyst.login, 'wrong') },
    { authorization: 'Bearer nope' },
    { cookie: 'WAGGLE-SESSION=forged.token' },
  ] as Array<Record<string, string>>) {
    const sse = await t.running.app.inject({ method: 'GET', url: '/api/v1/stream/events', headers });
    assert.equal(sse.statusCode, 401, `SSE ${JSON.stringify(headers)}`);
    assert.notEqual(sse.headers['content-type'], 'text/event-stream');
    const open = await t.running.app.inject({ method: 'POST', url: '/api/stream', headers });
    assert.equal(open.statusCode, 401, `POST /api/stream ${JSON.stringify(headers)}`);
    const poll = await t.running.app.inject({ method: 'GET', url: '/api/stream/0123456789abcdef0123456789abcdef', headers });
    assert.equal(poll.statusCode, 401, `GET /api/stream/{id} ${JSON.stringify(headers)}`);
  }
});

test('a long-poll stream belongs to the user who opened it', async () => {
  const id = (await t.as(a.analyst).post('/api/stream')).text;
  assert.match(id, /^[0-9a-f]{16,}$/);
  const other = await t.as(b.admin).get(`/api/stream/${id}`);
  assert.equal(other.status, 404);
  const sameOrg = await t.as(a.admin).get(`/api/stream/${id}`);
  assert.equal(sameOrg.status, 404);
});

interface AuditEvent {
  objectId: string;
  objectType: string;
  operation: string;
  rootId: string;
}

test('long poll: a listener of org-b receives nothing of org-a, a listener of org-a does', async () => {
  const idA = (await t.as(a.analyst).post('/api/stream')).text;
  const idB = (await t.as(b.analyst).post('/api/stream')).text;
  const secret = await t.as(a.analyst).post('/api/v1/case', { title: 'org-a secret', description: 'x' });
  assert.equal(secret.status, 201);
  await t.as(a.analyst).patch(`/api/v1/case/${secret.body._id}`, { title: 'org-a secret, renamed' });
  const task = await t.as(a.analyst).post(`/api/v1/case/${secret.body._id}/task`, { title: 'org-a task' });
  // an event org-b may see, so that its poll returns without waiting for the timeout
  const mine = await t.as(b.analyst).post('/api/v1/case', { title: 'org-b case', description: 'x' });
  assert.equal(mine.status, 201);

  const eventsA = (await t.as(a.analyst).get(`/api/stream/${idA}`)).body as AuditEvent[];
  assert.ok(
    eventsA.some((e) => e.objectId === secret.body._id && e.operation === 'create'),
    JSON.stringify(eventsA),
  );
  assert.ok(
    eventsA.every((e) => e.objectId !== mine.body._id),
    'org-a does not see org-b either',
  );

  const eventsB = (await t.as(b.analyst).get(`/api/stream/${idB}`)).body as AuditEvent[];
  assert.ok(
    eventsB.some((e) => e.objectId === mine.body._id),
    JSON.stringify(eventsB),
  );
  const leaked = eventsB.filter((e) => e.objectId === secret.body._id || e.rootId === secret.body._id || (task.status === 201 && e.objectId === task.body._id));
  assert.deepEqual(leaked, []);
  assert.equal(JSON.stringify(eventsB).includes('org-a secret'), false);
});

/** Opens an SSE stream and collects its `data:` events until `until` holds or `max` events came. */
function sse(creds: Creds): { events: AuditEvent[]; waitFor: (pred: (e: AuditEvent) => boolean) => Promise<void>; ready: Promise<void>; close: () => void } {
  const events: AuditEvent[] = [];
  const waiters: Array<{ pred: (e: AuditEvent) => boolean; resolve: () => void }> = [];
  let res: IncomingMessage | undefined;
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const req = request(
    {
      host: '127.0.0.1',
      port,
      path: '/api/v1/stream/events',
      headers: { authorization: basic(creds.login, creds.password), ...(creds.org ? { 'x-organisation': creds.org } : {}) },
    },
    (r) => {
      res = r;
      assert.equal(r.statusCode, 200);
      let buf = '';
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        buf += chunk;
        if (buf.includes(': connected')) readyResolve();
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const e = JSON.parse(data.slice(6)) as AuditEvent;
          events.push(e);
          for (const w of [...waiters]) {
            if (w.pred(e)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve();
            }
          }
        }
      });
    },
  );
  req.on('error', () => undefined);
  req.end();
  return {
    events,
    ready,
    waitFor: (pred) => (events.some(pred) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ pred, resolve }))),
    close: () => {
      res?.destroy();
      req.destroy();
    },
  };
}

test('server-sent events: org-b gets nothing of org-a while org-a gets its event', { timeout: 30_000 }, async () => {
  const listenA = sse(a.readonly);
  const listenB = sse(b.readonly);
  try {
    await Promise.all([listenA.ready, listenB.ready]);
    const secret = await t.as(a.analyst).post('/api/v1/case', { title: 'sse secret', description: 'x' });
    assert.equal(secret.status, 201);
    await listenA.waitFor((e) => e.objectId === secret.body._id);
    // a marker event in org-b, written after the org-a one: once org-b has it, it would have had the other
    const marker = await t.as(b.analyst).post('/api/v1/case', { title: 'sse marker', description: 'x' });
    await listenB.waitFor((e) => e.objectId === marker.body._id);
    assert.deepEqual(
      listenB.events.filter((e) => e.objectId === secret.body._id || e.rootId === secret.body._id),
      [],
    );
    assert.equal(
      listenA.events.some((e) => e.objectId === marker.body._id),
      false,
    );
  } finally {
    listenA.close();
    listenB.close();
  }
});
