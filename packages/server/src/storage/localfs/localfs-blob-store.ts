/**
 * BlobStore on the local file system: `<root>/<aa>/<bb>/<sha256>`. Content is streamed to a
 * temporary file while hashed, fsynced, then renamed into place, so a blob is either whole
 * or absent. Keys are validated as SHA-256 hex, so no path can escape the root.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink, open } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobInfo, BlobStore } from '../blob-store.js';
import { SHA256_RE } from '../blob-store.js';
import { NotFoundError } from '../../errors/errors.js';

export class LocalFsBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(join(this.root, 'tmp'), { recursive: true });
  }

  private pathOf(sha: string): string {
    if (!SHA256_RE.test(sha)) throw new NotFoundError('Unknown file');
    return join(this.root, sha.slice(0, 2), sha.slice(2, 4), sha);
  }

  async put(content: Readable | Buffer): Promise<BlobInfo> {
    const tmp = join(this.root, 'tmp', `${Date.now()}-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const source = Buffer.isBuffer(content) ? Readable.from([content]) : content;
    const out = createWriteStream(tmp);
    try {
      await pipeline(
        source,
        async function* (src: AsyncIterable<Buffer>) {
          for await (const chunk of src) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        out,
      );
      const fh = await open(tmp, 'r');
      await fh.sync();
      await fh.close();
      const sha256 = hash.digest('hex');
      const dest = this.pathOf(sha256);
      const dir = join(dest, '..');
      await mkdir(dir, { recursive: true });
      await rename(tmp, dest);
      // the rename itself must survive a power loss before the put is acknowledged
      const dh = await open(dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
      return { sha256, size };
    } catch (e) {
      // the temporary file may still be opening when the source fails: wait for it, then remove it
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  async get(sha256: string): Promise<Readable> {
    const p = this.pathOf(sha256);
    try {
      await stat(p);
    } catch {
      throw new NotFoundError('Unknown file');
    }
    return createReadStream(p);
  }

  async has(sha256: string): Promise<boolean> {
    if (!SHA256_RE.test(sha256)) return false;
    try {
      await stat(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async delete(sha256: string): Promise<boolean> {
    if (!SHA256_RE.test(sha256)) return false;
    try {
      await unlink(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async list(after: string | undefined, limit: number): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    const from = after ?? '';
    const sortedDir = async (dir: string, re: RegExp): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).filter((n) => re.test(n)).sort();
    // <aa>/<bb>/<sha256>: a directory whose prefix sorts before `after`'s holds nothing after it
    for (const a of await sortedDir(this.root, /^[0-9a-f]{2}$/)) {
      if (a < from.slice(0, 2)) continue;
      for (const b of await sortedDir(join(this.root, a), /^[0-9a-f]{2}$/)) {
        if (a + b < from.slice(0, 4)) continue;
        for (const name of await sortedDir(join(this.root, a, b), SHA256_RE)) {
          if (name <= from) continue;
          const st = await stat(join(this.root, a, b, name)).catch(() => undefined);
          if (!st) continue;
          out.push({ sha256: name, size: st.size });
          if (out.length >= limit) return out;
        }
      }
    }
    return out;
  }
}
