/**
 * The EntityStore conformance suite (DESIGN §3, STYLE habit 9). Every adapter runs it
 * unchanged from its own test file:
 *
 *   runEntityStoreConformance('sqlite', async () => { const s = new SqliteEntityStore({ path }); await s.init(); return s; }, { reopen });
 *
 * It covers every method and documented contract of `storage/entity-store.ts`; queries and
 * aggregations are checked against the in-memory reference semantics (`query/evaluate.ts`,
 * `query/aggregate-docs.ts`) in `entity-store-query.conformance.ts` and
 * `entity-store-aggs.conformance.ts`. Skips are declared per test title, with a reason.
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Doc, EntityStore } from '../entity-store.js';
import { q } from '../../query/ir.js';
import { count, errType, it, newDoc, rows, withStore, type EntityStoreConformanceOptions, type SuiteCtx } from './support.js';
import { registerQueryConformance } from './entity-store-query.conformance.js';
import { registerAggregationConformance } from './entity-store-aggs.conformance.js';
import { registerCopyConformance } from './entity-store-copy.conformance.js';

export type { EntityStoreConformanceOptions } from './support.js';

export function runEntityStoreConformance(name: string, make: () => Promise<EntityStore>, opts: EntityStoreConformanceOptions = {}): void {
  const ctx: SuiteCtx = { make, opts };
  describe(`EntityStore conformance: ${name}`, () => {
    describe('ids, insert, get', () => registerCrud(ctx));
    describe('update and delete', () => registerUpdate(ctx));
    describe('batch', () => registerBatch(ctx));
    describe('unique claims and sequences', () => registerUnique(ctx));
    describe('durability across a restart', () => registerDurability(ctx));
    describe('query', () => registerQueryConformance(ctx));
    describe('aggregations', () => registerAggregationConformance(ctx));
    describe('raw copy (migrate-storage)', () => registerCopyConformance(ctx));
  });
}

function registerCrud(ctx: SuiteCtx): void {
  it(ctx, 'newId gives unique ids of the shape ~digits', async () => {
    await withStore(ctx, async (s) => {
      const ids = Array.from({ length: 5000 }, () => s.newId());
      assert.equal(new Set(ids).size, ids.length);
      for (const id of ids) assert.match(id, /^~\d+$/);
    });
  });

  it(ctx, 'insert returns the stored document at version 1 and get returns it unchanged', async () => {
    await withStore(ctx, async (s) => {
      const doc = newDoc(s, 'case', {
        title: 'Ünïcödé 🐝 title',
        description: 'x'.repeat(100_000),
        severity: 3,
        tags: ['a', 'b'],
        flag: false,
        customFields: [{ _id: '~1', name: 'score', type: 'integer', value: 4, order: 0 }],
        links: { nested: { deep: [1, 'two', null, { three: true }] } },
        _parents: {},
      });
      const stored = await s.insert(doc);
      assert.deepEqual(stored, { ...doc, _version: 1 });
      assert.deepEqual(await s.get('case', doc._id), stored);
    });
  });

  it(ctx, 'get of a missing id, or of an id of another type, is undefined', async () => {
    await withStore(ctx, async (s) => {
      const doc = await s.insert(newDoc(s, 'case', { title: 't' }));
      assert.equal(await s.get('case', s.newId()), undefined);
      assert.equal(await s.get('task', doc._id), undefined);
    });
  });

  it(ctx, 'getMany returns the existing documents in the order asked, skipping missing ones', async () => {
    await withStore(ctx, async (s) => {
      const a = await s.insert(newDoc(s, 'case', { title: 'a' }));
      const b = await s.insert(newDoc(s, 'case', { title: 'b' }));
      const c = await s.insert(newDoc(s, 'case', { title: 'c' }));
      assert.deepEqual(await s.getMany('case', [c._id, '~999999999', a._id, b._id]), [c, a, b]);
      assert.deepEqual(await s.getMany('case', []), []);
      assert.deepEqual(await s.getMany('task', [a._id]), []);
    });
  });

  it(ctx, 'getMany handles more ids than one backend round trip usually takes', async () => {
    await withStore(ctx, async (s) => {
      const docs: Doc[] = [];
      for (let i = 0; i < 1200; i += 100) {
        const res = await s.batch(Array.from({ length: 100 }, (_, j) => ({ op: 'insert' as const, doc: newDoc(s, 'task', { title: `t${i + j}` }) })));
        docs.push(...res.filter((r): r is Doc => typeof r === 'object'));
      }
      const ids = docs.map((d) => d._id).reverse();
      const got = await s.getMany('task', ids);
      assert.deepEqual(
        got.map((d) => d._id),
        ids,
      );
    });
  });

  it(ctx, 'insert of an existing id is a ConflictError and leaves the document unchanged', async () => {
    await withStore(ctx, async (s) => {
      const doc = await s.insert(newDoc(s, 'case', { title: 'original' }));
      await assert.rejects(s.insert({ ...doc, title: 'second' }), errType('ConflictError'));
      assert.equal((await s.get('case', doc._id))?.title, 'original');
    });
  });

  it(ctx, 'concurrent inserts of one id: exactly one succeeds', async () => {
    await withStore(ctx, async (s) => {
      const id = s.newId();
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => s.insert(newDoc(s, 'case', { _id: id, title: `v${i}` }))));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(errType('ConflictError')(r.reason));
    });
  });
}

function registerUpdate(ctx: SuiteCtx): void {
  it(ctx, 'update sets fields, removes null ones, bumps the version and records who and when', async () => {
    await withStore(ctx, async (s) => {
      const doc = await s.insert(newDoc(s, 'case', { title: 't', summary: 'old', severity: 1, tags: ['x'] }));
      const before = Date.now();
      const updated = await s.update('case', doc._id, { title: 'new', summary: null, severity: 2, tags: ['y', 'z'] }, 'bob');
      assert.equal(updated._version, 2);
      assert.equal(updated.title, 'new');
      assert.equal('summary' in updated, false);
      assert.deepEqual(updated.tags, ['y', 'z']);
      assert.equal(updated._updatedBy, 'bob');
      assert.ok(typeof updated._updatedAt === 'number' && updated._updatedAt >= before - 1000);
      assert.equal(updated._createdAt, doc._createdAt);
      assert.equal(updated._createdBy, doc._createdBy);
      assert.deepEqual(await s.get('case', doc._id), updated);
      const again = await s.update('case', doc._id, { severity: 3 }, 'carol');
      assert.equal(again._version, 3);
      assert.equal(again.title, 'new');
    });
  });

  it(ctx, 'update replaces nested values whole (no deep merge)', async () => {
    await withStore(ctx, async (s) => {
      const doc = await s.insert(newDoc(s, 'case', { title: 't', links: { a: 1, b: 2 } }));
      const updated = await s.update('case', doc._id, { links: { c: 3 } }, 'bob');
      assert.deepEqual(updated.links, { c: 3 });
    });
  });

  it(ctx, 'update ignores the identity fields _id, _type, _version, _createdAt and _createdBy', async () => {
    await withStore(ctx, async (s) => {
      const doc = await s.insert(newDoc(s, 'case', { title: 't' }));
      const updated = await s.update('case', doc._id, { _id: '~1', _type: 'task', _version: 99, _createdAt: 1, _createdBy: 'mallory', title: 'u' }, 'bob');
      assert.equal(updated._id, doc._id);
      assert.equal(updated._type, 'case');
      assert.equal(updated._version, 2);
      assert.equal(updated._createdAt, doc._createdAt);
      assert.equal(updated._createdBy, doc._createdBy);
      assert.equal(await s.get('case', '~1'), undefined);
      assert.equal(await s.get('task', doc._id), undefined);
    });
  });

  it(ctx, 'update with the expected version succeeds; with another version it is a ConflictError and changes nothing', async () => {
    await withStore(ctx, async (s) => {
      const doc = await s.insert(newDoc(s, 'case', { title: 't' }));
      const v2 = await s.update('case', doc._id, { title: 'u' }, 'bob', 1);
      assert.equal(v2._version, 2);
      await assert.rejects(s.update('case', doc._id, { title: 'stale' }, 'bob', 1), errType('ConflictError'));
      assert.deepEqual(await s.get('case', doc._id), v2);
    });
  });

  it(ctx, 'update of a missing document is a NotFoundError', async () => {
    await withStore(ctx, async (s) => {
      await assert.rejects(s.update('case', '~999999999', { title: 'x' }, 'bob'), errType('NotFoundError'));
      await assert.rejects(s.update('case', '~999999999', { title: 'x' }, 'bob', 1), errType('NotFoundError'));
    });
  });

  it(ctx, 'concurrent updates at one expected version: exactly one wins', async () => {
    await withStore(ctx, async (s) => {
      const doc = await s.insert(newDoc(s, 'case', { title: 't' }));
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => s.update('case', doc._id, { title: `v${i}` }, 'bob', 1)));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(errType('ConflictError')(r.reason), String(r.reason));
      const final = await s.get('case', doc._id);
      assert.equal(final?._version, 2);
      assert.equal(final?.title, (won[0] as PromiseFulfilledResult<Doc>).value.title);
    });
  });

  it(ctx, 'concurrent updates without a version are all applied (no lost update)', async () => {
    await withStore(ctx, async (s) => {
      const doc = await s.insert(newDoc(s, 'case', { title: 't' }));
      await Promise.all(Array.from({ length: 20 }, (_, i) => s.update('case', doc._id, { [`f${i}`]: i }, 'bob')));
      const final = await s.get('case', doc._id);
      assert.equal(final?._version, 21);
      for (let i = 0; i < 20; i++) assert.equal(final?.[`f${i}`], i);
    });
  });

  it(ctx, 'queries see updated values, organisations and parents', async () => {
    await withStore(ctx, async (s) => {
      const c1 = await s.insert(newDoc(s, 'case', { title: 'c1' }));
      const c2 = await s.insert(newDoc(s, 'case', { title: 'c2' }));
      const doc = await s.insert(newDoc(s, 'task', { title: 'before', _orgs: ['org-1'], _parents: { case: c1._id }, status: 'Waiting' }));
      await s.update('task', doc._id, { title: 'after', _orgs: ['org-2'], _parents: { case: c2._id }, status: null }, 'bob');
      const where = (e: ReturnType<typeof q.eq>) => rows(s, { entity: 'task', where: e, sort: [] });
      assert.deepEqual(await where(q.eq('title', 'before')), []);
      assert.equal((await where(q.eq('title', 'after'))).length, 1);
      assert.deepEqual(await where(q.visible(['org-1'])), []);
      assert.equal((await where(q.visible(['org-2']))).length, 1);
      assert.deepEqual(await where(q.parentId('case', c1._id)), []);
      assert.equal((await where(q.parentId('case', c2._id))).length, 1);
      assert.deepEqual(await where({ kind: 'has', field: 'status' }), []);
    });
  });

  it(ctx, 'queries see updated tags and custom fields', async () => {
    await withStore(ctx, async (s) => {
      const doc = await s.insert(newDoc(s, 'case', { title: 't', tags: ['old'], customFields: [{ name: 'score', type: 'integer', value: 1, order: 0 }] }));
      await s.update('case', doc._id, { tags: ['new'], customFields: [{ name: 'score', type: 'integer', value: 2, order: 0 }] }, 'bob');
      const n = (e: ReturnType<typeof q.eq>) => count(s, { entity: 'case', where: e, sort: [] });
      assert.equal(await n(q.eq('tags', 'old')), 0);
      assert.equal(await n(q.eq('tags', 'new')), 1);
      assert.equal(await n(q.eq('customFields.score', 1)), 0);
      assert.equal(await n(q.eq('customFields.score', 2)), 1);
      await s.update('case', doc._id, { tags: null, customFields: null }, 'bob');
      assert.equal(await n({ kind: 'has', field: 'tags' }), 0);
      assert.equal(await n({ kind: 'has', field: 'customFields.score' }), 0);
    });
  });

  it(ctx, 'delete removes the document from get and queries; a second delete resolves false', async () => {
    await withStore(ctx, async (s) => {
      const doc = await s.insert(newDoc(s, 'case', { title: 'gone', tags: ['t'], customFields: [{ name: 'x', type: 'string', value: 'v', order: 0 }] }));
      const keep = await s.insert(newDoc(s, 'case', { title: 'kept', tags: ['t'] }));
      assert.equal(await s.delete('case', doc._id), true);
      assert.equal(await s.get('case', doc._id), undefined);
      assert.equal(await s.delete('case', doc._id), false);
      assert.deepEqual(
        (await rows(s, { entity: 'case', where: q.eq('tags', 't'), sort: [] })).map((d) => d._id),
        [keep._id],
      );
      assert.equal(await count(s, { entity: 'case', where: q.eq('customFields.x', 'v'), sort: [] }), 0);
      assert.equal(await count(s, { entity: 'case', where: q.visible(['org-1']), sort: [] }), 1);
    });
  });
}

function registerBatch(ctx: SuiteCtx): void {
  it(ctx, 'batch runs every op in order and returns a result per op', async () => {
    await withStore(ctx, async (s) => {
      const existing = await s.insert(newDoc(s, 'case', { title: 'existing' }));
      const a = newDoc(s, 'case', { title: 'a' });
      const res = await s.batch([
        { op: 'insert', doc: a },
        { op: 'update', type: 'case', id: a._id, patch: { title: 'a2' }, by: 'bob', expectedVersion: 1, at: 12345 },
        { op: 'delete', type: 'case', id: existing._id },
        { op: 'delete', type: 'case', id: '~999999999' },
        { op: 'claim', scope: 'test', key: 'k', owner: a._id },
        { op: 'release', scope: 'test', key: 'not-held' },
      ]);
      assert.equal(res.length, 6);
      assert.deepEqual(res[0], { ...a, _version: 1 });
      assert.equal((res[1] as Doc)._version, 2);
      assert.equal((res[1] as Doc).title, 'a2');
      assert.equal((res[1] as Doc)._updatedAt, 12345);
      assert.deepEqual(res.slice(2), [true, false, true, false]);
      assert.equal((await s.get('case', a._id))?.title, 'a2');
      assert.equal(await s.get('case', existing._id), undefined);
      assert.equal(await s.uniqueOwner('test', 'k'), a._id);
      assert.deepEqual(await s.batch([{ op: 'release', scope: 'test', key: 'k' }]), [true]);
      assert.equal(await s.uniqueOwner('test', 'k'), undefined);
      assert.deepEqual(await s.batch([]), []);
    });
  });

  const failing: Array<{ why: string; type: string; op: (s: EntityStore, held: Doc) => import('../entity-store.js').BatchOp }> = [
    { why: 'a duplicate insert', type: 'ConflictError', op: (_s, held) => ({ op: 'insert', doc: { ...held } }) },
    {
      why: 'a version conflict',
      type: 'ConflictError',
      op: (_s, held) => ({ op: 'update', type: 'case', id: held._id, patch: { title: 'x' }, by: 'bob', expectedVersion: 7 }),
    },
    {
      why: 'an update of a missing document',
      type: 'NotFoundError',
      op: () => ({ op: 'update', type: 'case', id: '~999999999', patch: { title: 'x' }, by: 'bob' }),
    },
    { why: 'a claim held by another owner', type: 'ConflictError', op: () => ({ op: 'claim', scope: 'test', key: 'taken', owner: 'someone-else' }) },
  ];
  for (const f of failing) {
    it(ctx, `batch is atomic: ${f.why} rolls back every op`, async () => {
      await withStore(ctx, async (s) => {
        const held = await s.insert(newDoc(s, 'case', { title: 'held', tags: ['h'] }));
        const victim = await s.insert(newDoc(s, 'case', { title: 'victim' }));
        assert.equal(await s.claimUnique('test', 'taken', 'owner-1'), true);
        assert.equal(await s.claimUnique('test', 'held-2', 'owner-2'), true);
        const fresh = newDoc(s, 'case', { title: 'fresh', tags: ['fresh'] });
        await assert.rejects(
          s.batch([
            { op: 'insert', doc: fresh },
            { op: 'claim', scope: 'test', key: 'new-key', owner: fresh._id },
            { op: 'update', type: 'case', id: held._id, patch: { title: 'changed' }, by: 'bob' },
            { op: 'delete', type: 'case', id: victim._id },
            { op: 'release', scope: 'test', key: 'held-2' },
            f.op(s, held),
          ]),
          errType(f.type),
        );
        assert.equal(await s.get('case', fresh._id), undefined);
        assert.equal(await count(s, { entity: 'case', where: q.eq('tags', 'fresh'), sort: [] }), 0);
        assert.equal(await s.uniqueOwner('test', 'new-key'), undefined);
        assert.deepEqual(await s.get('case', held._id), held);
        assert.deepEqual(await s.get('case', victim._id), victim);
        assert.equal(await s.uniqueOwner('test', 'taken'), 'owner-1');
        assert.equal(await s.uniqueOwner('test', 'held-2'), 'owner-2');
      });
    });
  }

  it(ctx, 'a failing batch does not disturb concurrent writes', async () => {
    await withStore(ctx, async (s) => {
      const held = await s.insert(newDoc(s, 'case', { title: 'held' }));
      const good = Array.from({ length: 10 }, (_, i) => newDoc(s, 'case', { title: `good${i}` }));
      const bad = newDoc(s, 'case', { title: 'bad' });
      const results = await Promise.allSettled([
        ...good.slice(0, 5).map((d) => s.insert(d)),
        s.batch([
          { op: 'insert', doc: bad },
          { op: 'insert', doc: { ...held } },
        ]),
        s.batch(good.slice(5).map((d) => ({ op: 'insert' as const, doc: d }))),
        s.nextSequence('concurrent'),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      );
      assert.equal(
        (
          await s.getMany(
            'case',
            good.map((d) => d._id),
          )
        ).length,
        10,
      );
      assert.equal(await s.get('case', bad._id), undefined);
      assert.equal(await s.nextSequence('concurrent'), 2);
    });
  });
}

function registerUnique(ctx: SuiteCtx): void {
  it(ctx, 'claimUnique: first owner wins, the same owner may claim again, others are refused', async () => {
    await withStore(ctx, async (s) => {
      assert.equal(await s.uniqueOwner('user.login', 'alice'), undefined);
      assert.equal(await s.claimUnique('user.login', 'alice', '~1'), true);
      assert.equal(await s.claimUnique('user.login', 'alice', '~1'), true);
      assert.equal(await s.claimUnique('user.login', 'alice', '~2'), false);
      assert.equal(await s.uniqueOwner('user.login', 'alice'), '~1');
      assert.equal(await s.claimUnique('other.scope', 'alice', '~2'), true, 'scopes are independent');
      assert.equal(await s.claimUnique('user.login', 'Alice', '~3'), true, 'keys are exact (case-sensitive)');
      assert.equal(await s.claimUnique('user.login', 'ünï/cödé key 🐝', '~4'), true);
      assert.equal(await s.uniqueOwner('user.login', 'ünï/cödé key 🐝'), '~4');
    });
  });

  it(ctx, 'releaseUnique frees the key for another owner; releasing a free key is harmless', async () => {
    await withStore(ctx, async (s) => {
      assert.equal(await s.claimUnique('s', 'k', 'a'), true);
      await s.releaseUnique('s', 'k');
      assert.equal(await s.uniqueOwner('s', 'k'), undefined);
      assert.equal(await s.claimUnique('s', 'k', 'b'), true);
      assert.equal(await s.uniqueOwner('s', 'k'), 'b');
      await s.releaseUnique('s', 'never-claimed');
    });
  });

  it(ctx, '50 concurrent claims of one key: exactly one wins', async () => {
    await withStore(ctx, async (s) => {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => s.claimUnique('race', 'the-key', `owner-${i}`)));
      const winners = results.flatMap((ok, i) => (ok ? [`owner-${i}`] : []));
      assert.equal(winners.length, 1);
      assert.equal(await s.uniqueOwner('race', 'the-key'), winners[0]);
    });
  });

  it(ctx, '50 concurrent claims of 50 keys all succeed', async () => {
    await withStore(ctx, async (s) => {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => s.claimUnique('race', `key-${i}`, `owner-${i}`)));
      assert.ok(results.every(Boolean));
      for (let i = 0; i < 50; i++) assert.equal(await s.uniqueOwner('race', `key-${i}`), `owner-${i}`);
    });
  });

  it(ctx, 'nextSequence starts at 1, counts per name and never repeats under concurrency', async () => {
    await withStore(ctx, async (s) => {
      assert.equal(await s.nextSequence('a'), 1);
      assert.equal(await s.nextSequence('a'), 2);
      assert.equal(await s.nextSequence('b'), 1);
      const values = await Promise.all(Array.from({ length: 200 }, () => s.nextSequence('a')));
      assert.deepEqual(
        [...values].sort((x, y) => x - y),
        Array.from({ length: 200 }, (_, i) => i + 3),
      );
      assert.equal(await s.nextSequence('b'), 2);
    });
  });
}

function registerDurability(ctx: SuiteCtx): void {
  const reopen = ctx.opts.reopen;
  const title = 'documents, claims, sequences and ids survive a restart';
  if (!reopen) {
    it({ opts: { skip: { [title]: 'the adapter gave no reopen() hook', ...ctx.opts.skip } } }, title, async () => undefined);
    return;
  }
  it(ctx, title, async () => {
    let s = await ctx.make();
    try {
      const before = Array.from({ length: 2500 }, () => s.newId());
      const doc = await s.insert(newDoc(s, 'case', { title: 'durable', tags: ['d'] }));
      const updated = await s.update('case', doc._id, { title: 'durable2' }, 'bob');
      await s.claimUnique('s', 'k', doc._id);
      await s.nextSequence('n');
      await s.nextSequence('n');
      s = await reopen(s);
      assert.deepEqual(await s.get('case', doc._id), updated);
      assert.equal(await count(s, { entity: 'case', where: q.eq('tags', 'd'), sort: [] }), 1);
      assert.equal(await s.uniqueOwner('s', 'k'), doc._id);
      assert.equal(await s.claimUnique('s', 'k', 'other'), false);
      assert.equal(await s.nextSequence('n'), 3);
      const after = new Set(Array.from({ length: 2500 }, () => s.newId()));
      assert.equal(before.filter((id) => after.has(id)).length, 0, 'ids are never reused after a restart');
    } finally {
      await s.close();
    }
  });
}
