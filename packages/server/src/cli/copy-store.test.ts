/**
 * The copy of `waggle migrate-storage` between two embedded stores (SQLite files and local file
 * stores: the cluster side runs in migrate-storage.test.ts on real engines): everything arrives,
 * pages stay bounded, an interrupted copy converges when run again, and the source is unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEntityStore } from '../storage/sqlite/sqlite-entity-store.js';
import { LocalFsBlobStore } from '../storage/localfs/localfs-blob-store.js';
import type { Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import { copyStore, holdsData } from './copy-store.js';

const TYPES = ['organisation', 'case', 'task', 'log', 'attachment'];

async function open(dir: string, readOnly = false): Promise<{ store: SqliteEntityStore; blobs: LocalFsBlobStore }> {
  const store = new SqliteEntityStore({ path: join(dir, 'waggle.db'), synchronous: 'NORMAL', readOnly });
  await store.init();
  const blobs = new LocalFsBlobStore(join(dir, 'files'));
  if (!readOnly) await blobs.init();
  return { store, blobs };
}

/** A source with organisations, cases with tasks and logs, attachments with their files, claims and a sequence. */
async function seed(dir: string): Promise<void> {
  const { store, blobs } = await open(dir);
  const doc = (type: string, fields: Record<string, unknown>): NewDoc => ({
    _id: store.newId(),
    _type: type,
    _createdAt: Date.UTC(2024, 1, 1),
    _createdBy: 'seed',
    _orgs: ['~org'],
    _parents: {},
    ...fields,
  });
  const ops = [];
  for (let c = 0; c < 60; c++) {
    const kase = doc('case', { title: `case ${c}`, number: await store.nextSequence('case.~org'), tags: ['t', `n${c % 3}`] });
    const task = doc('task', { title: `task ${c}`, _parents: { case: kase._id } });
    ops.push({ op: 'insert' as const, doc: kase }, { op: 'insert' as const, doc: task });
    ops.push({ op: 'insert' as const, doc: doc('log', { message: `log ${c}`, _parents: { case: kase._id, task: task._id } }) });
    ops.push({ op: 'claim' as const, scope: 'case.title', key: `case ${c}`, owner: kase._id });
  }
  for (let i = 0; i < 7; i++) {
    const info = await blobs.put(Buffer.from(`file ${i} `.repeat(100 + i)));
    ops.push({ op: 'insert' as const, doc: doc('attachment', { name: `f${i}.txt`, id: info.sha256, size: info.size }) });
  }
  await store.batch(ops);
  // versions above 1 and updates by another user travel as they are
  const first = (await store.scan('case', undefined, 1)).items[0]!;
  await store.update('case', first._id, { title: 'renamed' }, 'editor');
  await store.close();
}

/** Fails the `after`-th restore, as a copy cut short would. */
function failingAfter(store: EntityStore, after: number): EntityStore {
  let n = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'restore') {
        return async (docs: readonly Doc[]) => {
          if (++n === after) throw new Error('connection lost');
          return target.restore(docs);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function everything(s: { store: EntityStore; blobs: BlobStore }): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const type of TYPES) out[type] = (await s.store.scan(type, undefined, 100_000)).items.sort((a, b) => a._id.localeCompare(b._id));
  out.claims = (await s.store.scanClaims(undefined, 100_000)).items;
  out.sequences = (await s.store.counters()).sequences;
  out.blobs = await s.blobs.list(undefined, 100_000);
  return out;
}

test('copyStore: an interrupted copy, run again, converges to one copy of everything; the source is unchanged', async () => {
  const srcDir = mkdtempSync(join(tmpdir(), 'waggle-copy-src-'));
  const dstDir = mkdtempSync(join(tmpdir(), 'waggle-copy-dst-'));
  try {
    await seed(srcDir);
    const src = await open(srcDir, true);
    const before = await everything(src);
    const dst = await open(dstDir);
    assert.equal(await holdsData(dst.store, dst.blobs, TYPES), undefined);
    await assert.rejects(copyStore(src, { store: failingAfter(dst.store, 4), blobs: dst.blobs }, { types: TYPES, batch: 16 }), /connection lost/);
    assert.equal(await holdsData(dst.store, dst.blobs, TYPES), 'case documents');

    const pages: Array<[string, number]> = [];
    const report = await copyStore(src, dst, {
      types: TYPES,
      batch: 16,
      progress: { docs: (type, copied, done) => void (done || pages.push([type, copied])), step: () => undefined },
    });
    assert.equal(report.verified, true);
    assert.deepEqual(
      report.counts.map((c) => [c.type, c.source, c.target, c.targetQuery]),
      [
        ['organisation', 0, 0, 0],
        ['case', 60, 60, 60],
        ['task', 60, 60, 60],
        ['log', 60, 60, 60],
        ['attachment', 7, 7, 7],
      ],
    );
    assert.deepEqual(report.claims, { source: 60, target: 60 });
    assert.deepEqual(report.blobs, { source: 7, copied: 7, present: 0, missing: [] });
    // pages of at most `batch` documents, written a few at a time
    const steps = pages.filter(([t]) => t === 'case').map(([, n]) => n);
    assert.equal(steps.length, 4);
    assert.equal(steps[3], 60);
    steps.forEach((n, i) => assert.ok(n - (steps[i - 1] ?? 0) <= 16 && n > (steps[i - 1] ?? 0)));
    assert.deepEqual(await everything(dst), before);
    assert.deepEqual(await everything(src), before, 'the source is unchanged');
    // new ids and numbers continue above the copied ones
    const maxId = Math.max(...(before as { case: Doc[] }).case.map((d) => Number(d._id.slice(1))));
    assert.ok(Number(dst.store.newId().slice(1)) > maxId);
    assert.equal(await dst.store.nextSequence('case.~org'), 61);
    // the copied claims hold in the target
    assert.equal(await dst.store.claimUnique('case.title', 'case 3', 'someone-else'), false);
    await src.store.close();
    await dst.store.close();
  } finally {
    rmSync(srcDir, { recursive: true, force: true });
    rmSync(dstDir, { recursive: true, force: true });
  }
});

test('a read-only SQLite source refuses writes and creates nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'waggle-copy-ro-'));
  try {
    await seed(dir);
    const { store } = await open(dir, true);
    await assert.rejects(store.restore([{ _id: '~1', _type: 'case', _createdAt: 1, _createdBy: 'x', _version: 1, _orgs: [], _parents: {} }]), /read-only/);
    await assert.rejects(store.nextSequence('x'), /read-only/);
    await store.close();
    await assert.rejects(open(join(dir, 'missing'), true));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
