/**
 * Issue 7, done-when 4, at the level of Waggle itself: a node started alone in cluster mode with
 * `cluster.minMembers: 2` answers 503 on `/api/status` until a second node joins, then 200, and
 * 503 again once the other leaves. Two real Waggle instances (in this process) on the real
 * Cassandra + OpenSearch store, sharing a fresh keyspace; with `WAGGLE_TEST_S3` set they also
 * share the S3 file store, and a file stored through one node is read through the other.
 *
 * Needs WAGGLE_TEST_CASSANDRA and WAGGLE_TEST_OPENSEARCH (scripts/engines/with-engines.sh), and
 * the cluster package built (`npm run build -w @waggle/server-cluster`): the server loads it from dist.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../packages/server/src/config/config.js';
import { createWaggle, type Running } from '../../packages/server/src/server.js';
import { clusterNodeEnv, dropTestData, nodeSkip as skip } from './cluster-test-env.js';

const S3 = process.env.WAGGLE_TEST_S3;

const suffix = randomBytes(4).toString('hex');
const keyspace = `waggle_node_${suffix}`;
const dirs: string[] = [];
const running: Running[] = [];

after(async () => {
  for (const r of running) await r.close().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (skip) return;
  await dropTestData([keyspace], `waggle_node_${suffix}_`);
});

async function node(id: string): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), `waggle-${id}-`));
  dirs.push(dataDir);
  const config = loadConfig(
    clusterNodeEnv(
      { id, dataDir, keyspace, indexPrefix: `waggle_node_${suffix}_`, rf: '1', minMembers: 2 },
      {
        ...(S3
          ? {
              WAGGLE_FILES_BACKEND: 's3',
              WAGGLE_S3_ENDPOINT: S3,
              WAGGLE_S3_BUCKET: `waggle-node-${suffix}`,
              WAGGLE_S3_ACCESS_KEY_ID: process.env.WAGGLE_TEST_S3_ACCESS_KEY ?? 'waggletest',
              WAGGLE_S3_SECRET_ACCESS_KEY: process.env.WAGGLE_TEST_S3_SECRET_KEY ?? 'waggletest-secret',
            }
          : {}),
      },
    ),
    dataDir,
  );
  const r = await createWaggle(config, { logger: false });
  running.push(r);
  return r;
}

async function status(r: Running): Promise<number> {
  return (await r.app.inject({ method: 'GET', url: '/api/status' })).statusCode;
}

async function waitStatus(r: Running, code: number, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await status(r)) !== code) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

test('a node alone with minMembers 2 is not ready (503) until a second node joins, and again once it leaves', { skip, timeout: 300_000 }, async () => {
  const a = await node('alpha');
  assert.equal(await status(a), 503, 'alone: not ready');
  const b = await node('bravo');
  await waitStatus(b, 200, 'bravo is ready');
  await waitStatus(a, 200, 'alpha sees bravo and is ready');

  if (S3) {
    const content = Buffer.from(`stored through alpha ${suffix}`);
    const info = await a.services.blobs.put(content);
    const chunks: Buffer[] = [];
    for await (const c of await b.services.blobs.get(info.sha256)) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(content), 'a file stored through one node is read through the other');
  }

  await b.close();
  running.splice(running.indexOf(b), 1);
  await waitStatus(a, 503, 'alpha is alone again');
});
