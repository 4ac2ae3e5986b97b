/** Runs the BlobStore conformance suite against the local file system adapter, plus its own checks. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runBlobStoreConformance } from '../conformance/blob-store.conformance.js';
import { LocalFsBlobStore } from './localfs-blob-store.js';

const dir = mkdtempSync(join(tmpdir(), 'waggle-localfs-conformance-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runBlobStoreConformance('localfs', async () => {
  const b = new LocalFsBlobStore(join(dir, `store-${++n}`));
  await b.init();
  return b;
});

describe('localfs adapter specifics', () => {
  test('blobs live at <root>/<aa>/<bb>/<sha256>, and no temporary file is left after puts, failed or not', async () => {
    const root = join(dir, 'layout');
    const b = new LocalFsBlobStore(root);
    await b.init();
    const info = await b.put(Buffer.from('layout'));
    assert.ok(existsSync(join(root, info.sha256.slice(0, 2), info.sha256.slice(2, 4), info.sha256)));
    const failing = () =>
      new Readable({
        read() {
          this.push(Buffer.from('x'));
          this.destroy(new Error('boom'));
        },
      });
    // many at once: a source failing while its temporary file is still being opened must not leave it behind
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => b.put(failing())));
    assert.ok(results.every((r) => r.status === 'rejected'));
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
  });

  test('a file planted next to the store cannot be reached through a key', async () => {
    const root = join(dir, 'planted');
    const b = new LocalFsBlobStore(root);
    await b.init();
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    writeFileSync(join(root, 'tmp', 'x'), 'temp');
    for (const key of ['../secret.txt', '../../secret.txt', 'tmp/x', '/etc/passwd']) {
      await assert.rejects(b.get(key), (e: unknown) => (e as { type?: string }).type === 'NotFoundError');
      assert.equal(await b.delete(key), false);
    }
    assert.ok(existsSync(join(dir, 'secret.txt')));
    assert.ok(existsSync(join(root, 'tmp', 'x')));
  });
});
