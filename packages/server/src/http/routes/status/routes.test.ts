/** /api/status and /api/v1/status follow the node's readiness (cluster quorum, DESIGN §5). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle } from '../../../test/support.js';

let w: TestWaggle;
before(async () => {
  w = await testWaggle();
});
after(async () => {
  await w.close();
});

async function status(url: string): Promise<{ code: number; ready: unknown }> {
  const r = await w.running.app.inject({ method: 'GET', url });
  return { code: r.statusCode, ready: (JSON.parse(r.body) as { ready?: unknown }).ready };
}

test('a single node (no readiness port) is always ready', async () => {
  assert.deepEqual(await status('/api/status'), { code: 200, ready: true });
  assert.deepEqual(await status('/api/v1/status'), { code: 200, ready: true });
});

test('a node without its quorum answers 503 with ready false, and 200 again once ready', async () => {
  let ready = false;
  w.running.services.readiness = { ready: () => ready };
  try {
    assert.deepEqual(await status('/api/status'), { code: 503, ready: false });
    assert.deepEqual(await status('/api/v1/status'), { code: 503, ready: false });
    ready = true;
    assert.deepEqual(await status('/api/status'), { code: 200, ready: true });
    assert.deepEqual(await status('/api/v1/status'), { code: 200, ready: true });
  } finally {
    delete w.running.services.readiness;
  }
});
