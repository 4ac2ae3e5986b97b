/**
 * Conformance of the raw copy methods (`scan`, `restore`, `scanClaims`, `restoreClaims`,
 * `counters`, `restoreCounters`) that `waggle migrate-storage` uses. Part of the EntityStore suite.
 */
import assert from 'node:assert/strict';
import type { Doc, EntityStore, ScanPage, UniqueClaim } from '../entity-store.js';
import { q } from '../../query/ir.js';
import { count, it, newDoc, withStore, type SuiteCtx } from './support.js';

/** Every item of a scan, page by page (`limit` each). */
async function scanAll<T>(page: (cursor: string | undefined) => Promise<ScanPage<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    pages++;
    items.push(...p.items);
    cursor = p.cursor;
  } while (cursor !== undefined);
  return { items, pages };
}

/** A stored document as another installation holds it: own id, version, dates, parents. */
function foreignDoc(s: EntityStore, i: number): Doc {
  return {
    _id: s.newId(),
    _type: 'pageTemplate',
    _createdAt: Date.UTC(2023, 4, 1) + i,
    _createdBy: 'someone@elsewhere',
    _updatedAt: Date.UTC(2023, 5, 1) + i,
    _updatedBy: 'other@elsewhere',
    _version: 3 + (i % 4),
    _orgs: ['org-copy', 'org-shared'],
    _parents: {},
    title: `copied ${i}`,
    category: i % 2 ? 'odd' : 'even',
    content: 'ünï 🐝',
    order: i,
  };
}

export function registerCopyConformance(ctx: SuiteCtx): void {
  it(ctx, 'scan pages through every document of one type exactly once, with its version', async () => {
    await withStore(ctx, async (s) => {
      const docs = Array.from({ length: 23 }, (_, i) => foreignDoc(s, i));
      await s.restore(docs);
      await s.insert(newDoc(s, 'page', { title: 'another type' }));
      const mine = (await scanAll((c) => s.scan('pageTemplate', c, 10))).items.filter((d) => d._orgs.includes('org-copy'));
      assert.equal(mine.length, docs.length);
      const byId = new Map(mine.map((d) => [d._id, d]));
      for (const d of docs) assert.deepEqual(byId.get(d._id), d);
    });
  });

  it(ctx, 'restore writes documents as given, replaces the same id, and queries see them; again is idempotent', async () => {
    await withStore(ctx, async (s) => {
      const docs = Array.from({ length: 12 }, (_, i) => foreignDoc(s, i));
      await s.restore(docs);
      await s.restore(docs);
      const changed = { ...docs[0]!, title: 'changed', _version: 9 };
      await s.restore([changed]);
      assert.deepEqual(await s.get('pageTemplate', changed._id), changed);
      assert.deepEqual(await s.get('pageTemplate', docs[1]!._id), docs[1]);
      const inOrg = q.and(q.visible(['org-copy']), q.eq('category', 'odd'));
      assert.equal(await count(s, { entity: 'pageTemplate', where: inOrg, sort: [] }), 6);
      // a normal update continues from the restored version
      const next = await s.update('pageTemplate', docs[1]!._id, { title: 'edited' }, 'me', docs[1]!._version);
      assert.equal(next._version, docs[1]!._version + 1);
      assert.equal(next._createdAt, docs[1]!._createdAt);
    });
  });

  it(ctx, 'scanClaims lists every claim; restoreClaims writes them into another store as given', async () => {
    const claims: UniqueClaim[] = Array.from({ length: 15 }, (_, i) => ({ scope: i % 2 ? 'user.login' : 'org.name', key: `k-${i}-ü`, owner: `~${100 + i}` }));
    await withStore(ctx, async (a) => {
      for (const c of claims) assert.equal(await a.claimUnique(c.scope, c.key, c.owner), true);
      const listed = (await scanAll((c) => a.scanClaims(c, 4))).items;
      const key = (c: UniqueClaim) => `${c.scope}|${c.key}|${c.owner}`;
      assert.deepEqual(listed.map(key).sort(), claims.map(key).sort());
      await withStore(ctx, async (b) => {
        assert.equal(await b.claimUnique('user.login', claims[1]!.key, 'someone-else'), true);
        await b.restoreClaims(listed);
        await b.restoreClaims(listed);
        for (const c of claims) assert.equal(await b.uniqueOwner(c.scope, c.key), c.owner);
        assert.equal(await b.claimUnique(claims[3]!.scope, claims[3]!.key, 'intruder'), false);
      });
    });
  });

  it(ctx, 'restoreCounters raises sequences and the id floor, never lowers them', async () => {
    await withStore(ctx, async (s) => {
      for (let i = 0; i < 5; i++) await s.nextSequence('case.number');
      await s.restoreCounters({ sequences: { 'case.number': 3, 'other.seq': 41 }, nextId: 10 });
      assert.equal(await s.nextSequence('case.number'), 6);
      assert.equal(await s.nextSequence('other.seq'), 42);
      const floor = Number(s.newId().slice(1)) + 5_000_000;
      await s.restoreCounters({ sequences: {}, nextId: floor });
      const c = await s.counters();
      assert.ok(c.nextId >= floor, `nextId ${c.nextId} >= ${floor}`);
      assert.equal(c.sequences['other.seq'], 42);
      for (let i = 0; i < 100; i++) assert.ok(Number(s.newId().slice(1)) >= floor);
    });
  });
}
