/**
 * The BlobStore conformance suite (DESIGN §3, STYLE habit 9), run unchanged by every adapter
 * (local file system here, S3 in `@waggle/server-cluster`):
 *
 *   runBlobStoreConformance('localfs', async () => { const b = new LocalFsBlobStore(dir); await b.init(); return b; });
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobStore } from '../blob-store.js';
import { errType, it } from './support.js';

export interface BlobStoreConformanceOptions {
  /** Tests this adapter skips, by exact title, each with the reason. */
  skip?: Readonly<Record<string, string>>;
  /** Size of the large streamed blob (default 20 MB). */
  largeBytes?: number;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** A deterministic pseudo-random stream of `size` bytes in 64 KB chunks, and its digest computed alongside. */
function generated(size: number, seed: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  let x = seed >>> 0;
  const stream = new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(65536, size - sent);
      const chunk = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i += 4) {
        x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
        chunk.writeUInt32LE(x, i);
      }
      hash.update(chunk);
      sent += n;
      this.push(chunk);
    },
  });
  let digest: string | undefined;
  return { stream, digest: () => (digest ??= hash.digest('hex')) };
}

export function runBlobStoreConformance(name: string, make: () => Promise<BlobStore>, opts: BlobStoreConformanceOptions = {}): void {
  const ctx = { opts };
  const withBlobs = async (fn: (b: BlobStore) => Promise<void>): Promise<void> => fn(await make());

  describe(`BlobStore conformance: ${name}`, () => {
    it(ctx, 'put a Buffer: the key is its SHA-256, get returns the same bytes', async () => {
      await withBlobs(async (b) => {
        const content = Buffer.from('hello waggle 🐝\n');
        const info = await b.put(content);
        assert.deepEqual(info, { sha256: sha(content), size: content.length });
        assert.equal(await b.has(info.sha256), true);
        assert.deepEqual(await readAll(await b.get(info.sha256)), content);
      });
    });

    it(ctx, 'put a stream: same key as the same bytes in a Buffer', async () => {
      await withBlobs(async (b) => {
        const content = randomBytes(300_000);
        const info = await b.put(Readable.from([content.subarray(0, 1000), content.subarray(1000, 150_000), content.subarray(150_000)]));
        assert.deepEqual(info, { sha256: sha(content), size: content.length });
        assert.deepEqual(await readAll(await b.get(info.sha256)), content);
      });
    });

    it(ctx, 'empty content is a valid blob', async () => {
      await withBlobs(async (b) => {
        const info = await b.put(Buffer.alloc(0));
        assert.deepEqual(info, { sha256: sha(Buffer.alloc(0)), size: 0 });
        assert.equal((await readAll(await b.get(info.sha256))).length, 0);
      });
    });

    it(ctx, 'the same content twice is stored once (dedup) and stays readable', async () => {
      await withBlobs(async (b) => {
        const content = randomBytes(10_000);
        const first = await b.put(content);
        const second = await b.put(Readable.from([content]));
        assert.deepEqual(second, first);
        assert.deepEqual(await readAll(await b.get(first.sha256)), content);
        assert.equal(await b.delete(first.sha256), true);
        assert.equal(await b.has(first.sha256), false, 'one delete removes the single stored copy');
      });
    });

    it(ctx, 'concurrent puts of the same content all succeed with one key', async () => {
      await withBlobs(async (b) => {
        const content = randomBytes(200_000);
        const infos = await Promise.all(Array.from({ length: 10 }, (_, i) => b.put(i % 2 ? content : Readable.from([content]))));
        assert.equal(new Set(infos.map((i) => i.sha256)).size, 1);
        assert.deepEqual(await readAll(await b.get(infos[0]!.sha256)), content);
      });
    });

    it(ctx, 'different contents get different keys', async () => {
      await withBlobs(async (b) => {
        const x = await b.put(Buffer.from('x'));
        const y = await b.put(Buffer.from('y'));
        assert.notEqual(x.sha256, y.sha256);
        assert.equal((await readAll(await b.get(x.sha256))).toString(), 'x');
        assert.equal((await readAll(await b.get(y.sha256))).toString(), 'y');
      });
    });

    it(ctx, 'has and delete: present, deleted, deleted again', async () => {
      await withBlobs(async (b) => {
        const info = await b.put(Buffer.from('to delete'));
        assert.equal(await b.delete(info.sha256), true);
        assert.equal(await b.has(info.sha256), false);
        await assert.rejects(b.get(info.sha256), errType('NotFoundError'));
        assert.equal(await b.delete(info.sha256), false);
      });
    });

    it(ctx, 'list pages through every stored blob in ascending key order, with sizes; deleted ones are gone', async () => {
      await withBlobs(async (b) => {
        const contents = Array.from({ length: 12 }, (_, i) => randomBytes(10 + i));
        const infos = await Promise.all(contents.map((c) => b.put(c)));
        assert.equal(await b.delete(infos[0]!.sha256), true);
        const listed: Array<{ sha256: string; size: number }> = [];
        for (let after: string | undefined; ;) {
          const page = await b.list(after, 5);
          listed.push(...page);
          if (page.length < 5) break;
          after = page[page.length - 1]!.sha256;
        }
        const keys = listed.map((x) => x.sha256);
        assert.deepEqual(keys, [...keys].sort(), 'ascending');
        assert.equal(new Set(keys).size, keys.length, 'each once');
        const sizes = new Map(listed.map((x) => [x.sha256, x.size]));
        for (const info of infos.slice(1)) assert.equal(sizes.get(info.sha256), info.size);
        assert.equal(sizes.has(infos[0]!.sha256), false);
        const after = infos[1]!.sha256;
        for (const x of await b.list(after, 1000)) assert.ok(x.sha256 > after);
      });
    });

    it(ctx, 'a missing blob: get is a NotFoundError, has is false', async () => {
      await withBlobs(async (b) => {
        const missing = sha(Buffer.from('never stored'));
        assert.equal(await b.has(missing), false);
        await assert.rejects(b.get(missing), errType('NotFoundError'));
      });
    });

    it(ctx, 'keys that are not SHA-256 (path traversal, other shapes) are refused, never resolved to a file', async () => {
      await withBlobs(async (b) => {
        const real = await b.put(Buffer.from('real content'));
        const bad = [
          '../x',
          '../../etc/passwd',
          `../${real.sha256}`,
          `${real.sha256.slice(0, 2)}/${real.sha256.slice(2, 4)}/${real.sha256}`,
          `./${real.sha256}`,
          `${real.sha256}/`,
          `${real.sha256}\0`,
          real.sha256.toUpperCase(),
          real.sha256.slice(1),
          `${real.sha256}0`,
          '',
          'tmp',
          '..',
          '%2e%2e%2fetc%2fpasswd',
        ];
        for (const key of bad) {
          await assert.rejects(b.get(key), errType('NotFoundError'), JSON.stringify(key));
          assert.equal(await b.has(key), false, JSON.stringify(key));
          assert.equal(await b.delete(key), false, JSON.stringify(key));
        }
        assert.equal(await b.has(real.sha256), true, 'nothing was deleted through a bad key');
      });
    });

    it(ctx, 'a failing source stream rejects the put and stores nothing', async () => {
      await withBlobs(async (b) => {
        const head = Buffer.from('partial content before the failure');
        const failing = new Readable({
          read() {
            this.push(head);
            this.destroy(new Error('client went away'));
          },
        });
        await assert.rejects(b.put(failing));
        assert.equal(await b.has(sha(head)), false);
      });
    });

    const large = opts.largeBytes ?? 20 * 1024 * 1024;
    it(ctx, `a large blob (${Math.round(large / 1024 / 1024)} MB) streams in and out intact`, async () => {
      await withBlobs(async (b) => {
        const src = generated(large, 42);
        const info = await b.put(src.stream);
        assert.deepEqual(info, { sha256: src.digest(), size: large });
        const out = createHash('sha256');
        let size = 0;
        let chunks = 0;
        for await (const c of await b.get(info.sha256)) {
          const buf = c as Buffer;
          out.update(buf);
          size += buf.length;
          chunks++;
        }
        assert.equal(size, large);
        assert.equal(out.digest('hex'), info.sha256);
        assert.ok(chunks > 1, 'get streams the content in several chunks');
      });
    });
  });
}
