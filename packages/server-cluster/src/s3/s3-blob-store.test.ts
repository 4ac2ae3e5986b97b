/**
 * The BlobStore conformance suite, unchanged, against a real S3 server (MinIO), plus the S3
 * adapter's own checks: multipart for large streams, no temporary object left behind, clear
 * errors for bad credentials, a missing bucket and an unreachable endpoint.
 *
 *   eval "$(scripts/engines/minio.sh start)"     # exports WAGGLE_TEST_S3, _ACCESS_KEY, _SECRET_KEY
 *   node scripts/test.mjs packages/server-cluster/src/s3
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { runBlobStoreConformance } from '@waggle/server/src/storage/conformance/blob-store.conformance.js';
import * as errors from '@waggle/server/src/errors/errors.js';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.js';
import { S3SetupError } from './s3-errors.js';

const endpoint = process.env.WAGGLE_TEST_S3;
const skip = endpoint ? false : 'WAGGLE_TEST_S3 is not set: no S3 server to test against (start one with scripts/engines/minio.sh start)';
const run = randomBytes(4).toString('hex');
const bucket = `waggle-test-${run}`;
const stores: S3BlobStore[] = [];

function store(overrides: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
  const s = new S3BlobStore(
    {
      endpoint: endpoint ?? 'http://127.0.0.1:1',
      bucket,
      accessKeyId: process.env.WAGGLE_TEST_S3_ACCESS_KEY ?? 'waggletest',
      secretAccessKey: process.env.WAGGLE_TEST_S3_SECRET_KEY ?? 'waggletest-secret',
      prefix: `store-${stores.length}/`,
      ...overrides,
    },
    { errors },
  );
  stores.push(s);
  return s;
}

after(() => {
  for (const s of stores) s.close();
});

async function tmpKeys(s: S3BlobStore, prefix: string): Promise<string[]> {
  const r = await s.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}tmp/` }));
  return (r.Contents ?? []).map((o) => o.Key ?? '');
}

/** The names of the commands the store's client sends from now on. */
function recordCommands(s: S3BlobStore): string[] {
  const commands: string[] = [];
  s.s3.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return commands;
}

if (skip) {
  test('S3 BlobStore conformance', { skip }, () => undefined);
} else {
  runBlobStoreConformance('s3 (MinIO)', async () => {
    const s = store();
    await s.init();
    return s;
  });
}

describe('S3 adapter specifics', { skip }, () => {
  test('a large stream goes up as a multipart upload to a temporary key, then is copied under its hash', async () => {
    const s = store({ partSize: 5 * 1024 * 1024 });
    await s.init();
    const commands = recordCommands(s);
    const content = randomBytes(12 * 1024 * 1024);
    const info = await s.put(Readable.from([content.subarray(0, 7_000_000), content.subarray(7_000_000)]));
    assert.equal(info.size, content.length);
    assert.equal(commands.filter((c) => c === 'UploadPartCommand').length, 3, '12 MB in 5 MB parts');
    assert.ok(commands.includes('CreateMultipartUploadCommand'));
    assert.ok(commands.includes('CompleteMultipartUploadCommand'));
    assert.ok(commands.includes('CopyObjectCommand'));
    assert.ok(!commands.includes('PutObjectCommand'), 'no single-request upload of the whole content');
    assert.deepEqual(await tmpKeys(s, 'store-' + String(stores.indexOf(s)) + '/'), []);
    const back: Buffer[] = [];
    for await (const c of await s.get(info.sha256)) back.push(c as Buffer);
    assert.ok(Buffer.concat(back).equals(content));
  });

  test('no temporary object is left after successful and failed puts', async () => {
    const s = store();
    await s.init();
    const prefix = `store-${stores.indexOf(s)}/`;
    await s.put(Readable.from([Buffer.from('kept')]));
    const failing = () =>
      new Readable({
        read() {
          this.push(randomBytes(1000));
          this.destroy(new Error('client went away'));
        },
      });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => s.put(failing())));
    assert.ok(results.every((r) => r.status === 'rejected'));
    assert.deepEqual(await tmpKeys(s, prefix), []);
  });

  test('a second put of existing content uploads nothing under the blob key', async () => {
    const s = store();
    await s.init();
    const content = randomBytes(50_000);
    await s.put(content);
    const commands = recordCommands(s);
    await s.put(content);
    await s.put(Readable.from([content]));
    assert.ok(!commands.includes('CopyObjectCommand'));
    assert.equal(commands.filter((c) => c === 'PutObjectCommand').length, 1, 'only the stream went to a temporary key');
  });

  test('a temporary object left by a crashed upload is removed once stale', async () => {
    const s = store();
    await s.init();
    const prefix = `store-${stores.indexOf(s)}/`;
    await s.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}tmp/crashed`, Body: 'partial' }));
    const kept = await s.put(Buffer.from('a blob is never a temporary'));
    assert.equal(await s.removeStaleTemporaries(3_600_000), 0, 'a recent one may belong to an upload in progress');
    assert.deepEqual(await tmpKeys(s, prefix), [`${prefix}tmp/crashed`]);
    assert.equal(await s.removeStaleTemporaries(0), 1);
    assert.deepEqual(await tmpKeys(s, prefix), []);
    assert.equal(await s.has(kept.sha256), true);
  });

  test('init creates a missing bucket, and is idempotent', async () => {
    const s = store({ bucket: `${bucket}-created` });
    await s.init();
    await s.init();
    const info = await s.put(Buffer.from('in a new bucket'));
    assert.equal(await s.has(info.sha256), true);
    await s.delete(info.sha256);
  });

  test('bad credentials: init fails with a message naming the credentials, not an SDK stack', async () => {
    const s = store({ secretAccessKey: 'not-the-secret' });
    await assert.rejects(s.init(), (e: unknown) => e instanceof S3SetupError && /refused the credentials/.test(e.message) && e.message.includes(bucket));
  });

  test('a missing bucket that may not be created: init says so', async () => {
    const s = store({ bucket: `${bucket}-absent`, createBucket: false });
    await assert.rejects(s.init(), (e: unknown) => e instanceof S3SetupError && /does not exist/.test(e.message));
  });

  test('an unreachable endpoint: init says it cannot be reached', async () => {
    const s = store({ endpoint: 'http://127.0.0.1:1' });
    await assert.rejects(s.init(), (e: unknown) => e instanceof S3SetupError && /cannot be reached/.test(e.message));
  });
});
