import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { ADMIN, testWaggle } from '../../../test/support.js';

/** Opens the SSE stream as the admin and resolves once its first bytes arrived. */
function openSse(port: number, auth: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/stream/events', headers: { authorization: auth } }, (res) => {
      res.once('data', () => resolve(res));
    });
    req.on('error', reject);
    req.end();
  });
}

test('closing the server ends open event streams and pending long polls instead of waiting for their clients', async () => {
  const t = await testWaggle();
  let closed = false;
  try {
    await t.running.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.running.app.server.address();
    assert.ok(addr && typeof addr === 'object');
    const auth = `Basic ${Buffer.from(`${ADMIN.login}:${ADMIN.password}`).toString('base64')}`;
    const sse = await openSse(addr.port, auth);
    assert.equal(sse.headers['content-type'], 'text/event-stream');
    const ended = new Promise<void>((resolve) => sse.on('end', resolve).resume());

    const id = (await t.admin.post('/api/stream')).text;
    const poll = fetch(`http://127.0.0.1:${addr.port}/api/stream/${id}`, { headers: { authorization: auth } });
    await new Promise((r) => setTimeout(r, 50)); // the poll is now waiting for events

    await t.close();
    closed = true;
    await ended; // the stream ended from the server side; the client never disconnected
    const res = await poll;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), []);
  } finally {
    if (!closed) await t.close();
  }
});
