/**
 * The topology harness without engines: three real Waggle processes behind the real Debian
 * HAProxy. Round-robin with no affinity, a kill -9 of one node absorbed by the health checks,
 * and a stop that leaves none of the harness's processes behind. (Engines are started by the same
 * harness in the cluster suites; they are not needed to test HAProxy's part.)
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ClusterHarness } from './harness.js';

const skip = spawnSync('sh', ['-c', 'command -v haproxy']).status === 0 ? false : 'haproxy is not installed (scripts/engines/haproxy.sh install)';
let h: ClusterHarness | undefined;
after(async () => {
  await h?.stop();
});

async function through(url: string, n: number): Promise<{ ok: number; failed: number; byNode: Map<string, number> }> {
  const byNode = new Map<string, number>();
  let ok = 0;
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${url}/api/status`).catch(() => undefined);
    await r?.arrayBuffer();
    if (r?.status === 200) {
      ok++;
      const node = r.headers.get('x-waggle-node') ?? '?';
      byNode.set(node, (byNode.get(node) ?? 0) + 1);
    } else failed++;
  }
  return { ok, failed, byNode };
}

test('three Waggle nodes behind HAProxy: round-robin, a killed node leaves the rotation, stop leaves no process', { skip, timeout: 240_000 }, async () => {
  h = await ClusterHarness.start({ nodes: 3 });
  const pids = h.nodes.map((n) => n.child.pid!);

  const even = await through(h.url, 30);
  assert.equal(even.ok, 30);
  assert.deepEqual([...even.byNode.keys()].sort(), ['waggle1', 'waggle2', 'waggle3']);
  assert.deepEqual([...even.byNode.values()], [10, 10, 10], 'round-robin, no affinity');

  // an authenticated API call through the balancer
  const me = await fetch(`${h.url}/api/v1/user/current`, {
    headers: { authorization: `Basic ${Buffer.from('admin@thehive.local:secret').toString('base64')}` },
  });
  assert.equal(me.status, 200);
  assert.equal(((await me.json()) as { login?: string }).login, 'admin@thehive.local');

  await h.killNode(0);
  const during = await through(h.url, 30);
  console.log(`harness: ${during.failed} of 30 requests failed right after kill -9 of waggle1`);
  // once HAProxy marks it down (2 failed checks, 1 s apart), every request goes to the two others
  const deadline = Date.now() + 30_000;
  let later = await through(h.url, 20);
  while (later.byNode.has('waggle1') || later.failed > 0) {
    assert.ok(Date.now() < deadline, `waggle1 still in the rotation: ${JSON.stringify([...later.byNode])}`);
    later = await through(h.url, 20);
  }
  assert.equal(later.ok, 20);
  assert.deepEqual([...later.byNode.keys()].sort(), ['waggle2', 'waggle3']);

  await h.stop();
  h = undefined;
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `node pid ${pid} is gone`);
});
