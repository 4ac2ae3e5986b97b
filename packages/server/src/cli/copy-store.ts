/**
 * The copy behind `waggle migrate-storage`: every document of every entity type, every
 * uniqueness claim, the counters (sequences, id floor) and every blob, from one EntityStore +
 * BlobStore pair into another, through the ports' raw copy methods.
 *
 * - Memory stays bounded: documents move one page at a time (the next page is read while the
 *   previous one is written), blobs are streamed.
 * - Idempotent: documents and claims are written by id and key, replacing what is there, and a
 *   blob already in the target is skipped; running it again after an interruption converges to
 *   one copy of each.
 * - The source is only read.
 */
import type { BlobStore } from '../storage/blob-store.js';
import type { EntityStore, ScanPage } from '../storage/entity-store.js';
import { q } from '../query/ir.js';

export interface CopyProgress {
  /** An entity type's running count of copied documents (`done` true on its last call). */
  docs(type: string, copied: number, done: boolean): void;
  /** A phase other than documents finished: claims, counters, blobs. */
  step(line: string): void;
}

export interface CopyOptions {
  types: readonly string[];
  /** Documents per page (default 500). */
  batch?: number;
  /** Pages written at once (default 4): memory holds at most `(parallel + 1) × batch` documents. */
  parallel?: number;
  progress?: CopyProgress;
}

export interface TypeCount {
  type: string;
  source: number;
  target: number;
  /** What the target's queries count (its index for the cluster store). */
  targetQuery: number;
}

export interface CopyReport {
  counts: TypeCount[];
  claims: { source: number; target: number };
  blobs: { source: number; copied: number; present: number; missing: string[] };
  /** Every count matches and every blob is in the target. */
  verified: boolean;
}

/**
 * Reads every page of a scan and calls `write` on each, with up to `parallel` writes in flight
 * while the next pages are read (so at most `parallel + 1` pages are in memory). Writes are
 * idempotent restores: their order does not matter.
 */
async function pipeline<T>(read: (cursor: string | undefined) => Promise<ScanPage<T>>, write: (items: T[]) => Promise<void>, parallel = 1): Promise<number> {
  let n = 0;
  const inflight = new Set<Promise<void>>();
  let failed: { error: unknown } | undefined;
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    cursor = page.cursor;
    if (page.items.length) {
      const p: Promise<void> = write(page.items).then(
        () => void inflight.delete(p),
        (error: unknown) => {
          failed ??= { error };
          inflight.delete(p);
        },
      );
      inflight.add(p);
      n += page.items.length;
    }
    while (inflight.size >= parallel && !failed) await Promise.race(inflight);
    if (failed) break;
  } while (cursor !== undefined);
  await Promise.all(inflight);
  if (failed) throw failed.error;
  return n;
}

/** Counts the items of a scan. */
async function countScan<T>(read: (cursor: string | undefined) => Promise<ScanPage<T>>): Promise<number> {
  return pipeline(read, async () => undefined);
}

/** Whether the store holds any document, claim or blob. */
export async function holdsData(store: EntityStore, blobs: BlobStore, types: readonly string[]): Promise<string | undefined> {
  for (const type of types) {
    let cursor: string | undefined;
    do {
      const page = await store.scan(type, cursor, 100);
      if (page.items.length) return `${type} documents`;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
  if ((await store.scanClaims(undefined, 1)).items.length) return 'uniqueness claims';
  if ((await blobs.list(undefined, 1)).length) return 'files';
  return undefined;
}

async function countQuery(store: EntityStore, type: string): Promise<number> {
  const r = await store.query({ entity: type, where: q.true(), sort: [], output: { kind: 'count' } });
  return r.kind === 'count' ? r.count : -1;
}

/** Copies blobs not yet in the target, `concurrency` at a time; returns what it copied and found. */
async function copyBlobs(src: BlobStore, dst: BlobStore, concurrency: number): Promise<CopyReport['blobs']> {
  const out = { source: 0, copied: 0, present: 0, missing: [] as string[] };
  for (let after: string | undefined; ;) {
    const page = await src.list(after, 100);
    out.source += page.length;
    for (let i = 0; i < page.length; i += concurrency) {
      await Promise.all(
        page.slice(i, i + concurrency).map(async ({ sha256 }) => {
          if (await dst.has(sha256)) {
            out.present++;
            return;
          }
          const stored = await dst.put(await src.get(sha256));
          if (stored.sha256 !== sha256) throw new Error(`file ${sha256} was read back as ${stored.sha256}: the source file is damaged`);
          out.copied++;
        }),
      );
    }
    if (page.length < 100) break;
    after = page[page.length - 1]!.sha256;
  }
  for (let after: string | undefined; ;) {
    const page = await src.list(after, 500);
    for (const { sha256 } of page) if (!(await dst.has(sha256))) out.missing.push(sha256);
    if (page.length < 500) break;
    after = page[page.length - 1]!.sha256;
  }
  return out;
}

/** Copies everything from `src` to `dst`, then counts both sides. */
export async function copyStore(
  src: { store: EntityStore; blobs: BlobStore },
  dst: { store: EntityStore; blobs: BlobStore },
  opts: CopyOptions,
): Promise<CopyReport> {
  const batch = opts.batch ?? 500;
  const progress = opts.progress;
  for (const type of opts.types) {
    let copied = 0;
    await pipeline(
      (c) => src.store.scan(type, c, batch),
      async (docs) => {
        await dst.store.restore(docs);
        copied += docs.length;
        progress?.docs(type, copied, false);
      },
      opts.parallel ?? 4,
    );
    progress?.docs(type, copied, true);
  }
  const claimsCopied = await pipeline(
    (c) => src.store.scanClaims(c, batch),
    (claims) => dst.store.restoreClaims(claims),
    opts.parallel ?? 4,
  );
  progress?.step(`uniqueness claims: ${claimsCopied.toLocaleString('en')} copied`);
  const counters = await src.store.counters();
  await dst.store.restoreCounters(counters);
  progress?.step(`counters: ${Object.keys(counters.sequences).length} sequences, ids continue above ~${counters.nextId}`);
  const blobs = await copyBlobs(src.blobs, dst.blobs, 4);
  progress?.step(`files: ${blobs.copied.toLocaleString('en')} copied, ${blobs.present.toLocaleString('en')} already there`);

  const counts: TypeCount[] = [];
  for (const type of opts.types) {
    counts.push({
      type,
      source: await countScan((c) => src.store.scan(type, c, 5000)),
      target: await countScan((c) => dst.store.scan(type, c, 5000)),
      targetQuery: await countQuery(dst.store, type),
    });
  }
  const claims = {
    source: await countScan((c) => src.store.scanClaims(c, 5000)),
    target: await countScan((c) => dst.store.scanClaims(c, 5000)),
  };
  const verified = counts.every((c) => c.source === c.target && c.target === c.targetQuery) && claims.source === claims.target && blobs.missing.length === 0;
  return { counts, claims, blobs, verified };
}
