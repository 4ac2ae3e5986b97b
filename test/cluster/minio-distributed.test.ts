/**
 * Issue 7, fault tests, the file tier: MinIO in distributed mode (3 servers x 2 drives on
 * loopback) loses one server under a write load through the S3 BlobStore. Every put acknowledged
 * before, during and after the failure is readable afterwards (once the server has rejoined),
 * through the surviving servers and through the restarted one; while it is down, what cannot be
 * read is counted and printed. The failed puts during the failover, and how long
 * the restarted server answered 404, are printed, not asserted on.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as errors from '@waggle/server/src/errors/errors.js';
import { S3BlobStore } from '../../packages/server-cluster/src/s3/s3-blob-store.js';
import { ROOT } from '../support/server-process.js';
import { ClusterHarness } from './harness.js';

const built = (() => {
  try {
    return readdirSync(join(ROOT, '.engines/bin')).some((f) => f.startsWith('minio-'));
  } catch {
    return false;
  }
})();
const skip = built ? false : 'MinIO is not built here: run scripts/engines/minio.sh build (about 10 minutes, cached in .engines/bin)';

let h: ClusterHarness | undefined;
const stores: S3BlobStore[] = [];
after(async () => {
  for (const s of stores) s.close();
  await h?.stop();
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('one MinIO server of three stops under a write load: every acknowledged blob stays readable', { skip, timeout: 300_000 }, async () => {
  h = await ClusterHarness.start({ minio: 'distributed', nodes: 0 });
  const bucket = `waggle-fault-${randomBytes(4).toString('hex')}`;
  const via = (port: number): S3BlobStore => {
    const s = new S3BlobStore(
      {
        endpoint: `http://127.0.0.1:${port}`,
        bucket,
        accessKeyId: h!.clusterEnv.WAGGLE_S3_ACCESS_KEY_ID!,
        secretAccessKey: h!.clusterEnv.WAGGLE_S3_SECRET_ACCESS_KEY!,
        partSize: 5 * 1024 * 1024,
      },
      { errors },
    );
    stores.push(s);
    return s;
  };
  const [s1, s2, s3] = [via(9101), via(9102), via(9103)];
  await s1.init();

  const acked = new Map<string, Buffer>();
  const big = randomBytes(12 * 1024 * 1024);
  acked.set((await s1.put(Readable.from([big]))).sha256, big);

  // a write load through server 1 while server 3 stops
  let writing = true;
  let attempts = 0;
  let failures = 0;
  const load = (async () => {
    while (writing) {
      const b = randomBytes(1000 + Math.floor(Math.random() * 100_000));
      attempts++;
      try {
        const info = await s1.put(attempts % 2 ? b : Readable.from([b]));
        assert.equal(info.sha256, sha(b));
        acked.set(info.sha256, b);
      } catch {
        failures++;
      }
    }
  })();
  const waitPuts = async (n: number): Promise<void> => {
    const target = attempts + n;
    while (attempts < target) await new Promise((r) => setTimeout(r, 20));
  };
  await waitPuts(20);
  const before = acked.size;
  await h.stopMinioServer(3);
  await waitPuts(40);
  writing = false;
  await load;
  console.log(`minio failover: ${failures} of ${attempts} puts failed around the stop of server 3 of 3`);
  assert.ok(acked.size > before + 20, 'writes go on with one server down');

  // While server 3 is down, a blob whose write raced with the stop may sit on only 4 of the 6
  // drives, 2 of them on server 3: below MinIO's read quorum (3) until server 3 returns (seen once
  // in about six runs). So unreadable blobs are counted here, and must all be readable afterwards.
  let unreadable = 0;
  for (const [key, content] of acked) {
    const back = await s2.get(key).then(readAll, () => undefined);
    if (back) assert.ok(back.equals(content), `${key} through server 2 is intact`);
    else unreadable++;
  }
  console.log(`minio outage: ${unreadable} of ${acked.size} acknowledged blobs unreadable through server 2 while server 3 was down`);

  await h.startMinioServers();
  // A restarted MinIO server answers 404 for objects written while it was down until it has
  // reconnected to its peers (about 15 s here), although its health checks already answer 200.
  // It is waited for, and its duration printed (see deploy/cluster/README.md).
  const restarted = Date.now();
  // While it starts, the restarted server may also answer 503 (an SDK "UnknownError"): such a
  // blob counts as still missing and is asked again.
  const present = (s: S3BlobStore, key: string): Promise<boolean> => s.has(key).catch(() => false);
  const missing = async (): Promise<number> => {
    let n = 0;
    for (const key of acked.keys()) if (!(await present(s1, key)) || !(await present(s3, key))) n++;
    return n;
  };
  let stillMissing = await missing();
  while (stillMissing > 0) {
    assert.ok(Date.now() - restarted < 120_000, `${stillMissing} acknowledged blobs still missing 120 s after server 3 restarted`);
    await new Promise((r) => setTimeout(r, 500));
    stillMissing = await missing();
  }
  console.log(`minio rejoin: every acknowledged blob was readable through servers 1 and 3 again after ${Math.round((Date.now() - restarted) / 1000)} s`);
  for (const [key, content] of acked) {
    assert.ok((await readAll(await s1.get(key))).equals(content), `${key} through server 1`);
    assert.ok((await readAll(await s3.get(key))).equals(content), `${key} through the restarted server 3`);
  }
});
