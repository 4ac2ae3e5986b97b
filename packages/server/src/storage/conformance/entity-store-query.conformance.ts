/**
 * Query conformance: every IR expression kind on scalar, multi-valued and custom fields,
 * checked against the reference semantics (`query/evaluate.ts`, traversals resolved in
 * memory), then generated expression trees, sorting, paging and counting.
 */
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Expr, ExprKind, SortKey } from '../../query/ir.js';
import { q } from '../../query/ir.js';
import type { Doc, EntityStore } from '../entity-store.js';
import { Prng } from './prng.js';
import { compareOn, refIds } from './reference.js';
import { ExprGen, loadQueryData, MISSING_ID, type QueryData } from './query-data.js';
import { count, errType, it, rows, type SuiteCtx } from './support.js';

interface Case {
  entity: 'case' | 'task';
  expr: Expr;
  /** The expected result may be empty or everything (otherwise a case must discriminate). */
  trivial?: boolean;
}

const cmp = (op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte', field: string, value: string | number | boolean | null): Expr => ({
  kind: 'compare',
  op,
  field,
  value,
});
const like = (field: string, mode: 'contains' | 'startsWith' | 'endsWith', value: string, ci = true): Expr => ({ kind: 'like', field, mode, value, ci });

/** Hand-written cases, one list per expression kind: adding a kind to the IR fails the build here. */
function handCases(d: QueryData): Record<ExprKind, Case[]> {
  const { a1, a2 } = d.anchors;
  const c = (expr: Expr, trivial = false): Case => ({ entity: 'case', expr, trivial });
  const t = (expr: Expr, trivial = false): Case => ({ entity: 'task', expr, trivial });
  return {
    true: [c(q.true(), true)],
    false: [c({ kind: 'false' }, true)],
    and: [
      c(q.and(q.eq('status', 'New'), cmp('gte', 'severity', 3))),
      c(q.and(q.eq('tags', 'a'), q.eq('tags', 'b'))),
      c(q.and(cmp('eq', 'customFields.hot', true), q.eq('flag', false))),
    ],
    or: [c(q.or(q.eq('tags', 'phishing'), q.eq('assignee', 'alice'))), c(q.or(q.eq('customFields.team', 'Red'), cmp('lt', 'severity', 2)))],
    not: [
      c(q.not(q.eq('assignee', 'alice'))),
      c(q.not(cmp('gt', 'customFields.score', 10))),
      c(q.not(like('summary', 'contains', 'a'))),
      c(q.not(q.in('tags', ['a', 'b']))),
      c(q.not(q.and(q.eq('assignee', 'bob'), q.eq('flag', true)))),
      c(q.not(q.or(q.eq('assignee', 'bob'), cmp('gt', 'pap', 5)))),
      c(q.not(q.not(q.eq('assignee', 'Carol')))),
      t(q.not(q.eq('assignee', 'alice'))),
    ],
    compare: [
      c(q.eq('title', 'Anchor Phishing 100%_done')),
      c(q.eq('title', 'anchor phishing 100%_done'), true),
      c(cmp('ne', 'assignee', 'alice')),
      c(cmp('gt', 'severity', 2)),
      c(cmp('gte', 'severity', '3')),
      c(cmp('lt', 'pap', 2)),
      c(cmp('lte', 'tlp', '1')),
      c(cmp('gt', 'title', 'M')),
      c(cmp('lte', 'assignee', 'bob')),
      c(cmp('eq', 'assignee', null)),
      c(cmp('ne', 'assignee', null)),
      c(cmp('eq', 'summary', null)),
      c(cmp('ne', 'summary', null)),
      c(cmp('eq', 'tags', null)),
      c(cmp('ne', 'tags', null)),
      c(cmp('eq', 'customFields.score', null)),
      c(cmp('ne', 'customFields.team', null)),
      c(cmp('gt', 'severity', null), true),
      c(q.eq('flag', true)),
      c(cmp('ne', 'flag', true)),
      c(cmp('lt', '_createdAt', a1._createdAt + 1)),
      c(q.eq('_id', a2._id)),
      c(q.eq('tags', 'phishing')),
      c(q.eq('tags', '007')),
      c(q.eq('tags', '7')),
      c(q.eq('tags', '1e3')),
      c(q.eq('tags', '1000'), true),
      c(q.eq('tags', ' 5')),
      c(q.eq('tags', '5'), true),
      c(cmp('ne', 'tags', 'phishing')),
      c(cmp('gt', 'tags', 'b')),
      c(cmp('lt', 'tags', '5')),
      c(q.eq('customFields.score', 42)),
      c(q.eq('customFields.score', '42')),
      c(cmp('gt', 'customFields.score', 10)),
      c(cmp('lte', 'customFields.score', '0')),
      c(cmp('ne', 'customFields.score', 42)),
      c(q.eq('customFields.team', '007')),
      c(q.eq('customFields.team', '7'), true),
      c(q.eq('customFields.team', '12')),
      c(cmp('gt', 'customFields.team', 'Red')),
      c(q.eq('customFields.hot', true)),
      c(cmp('ne', 'customFields.hot', false)),
    ],
    between: [
      c({ kind: 'between', field: 'severity', from: 2, to: 4 }),
      c({ kind: 'between', field: 'severity', from: '2', to: '4' }),
      c({ kind: 'between', field: '_createdAt', from: a1._createdAt, to: a1._createdAt + 30_000 }),
      c({ kind: 'between', field: 'title', from: 'B', to: 'N' }),
      c({ kind: 'between', field: 'tags', from: 'a', to: 'c' }),
      c({ kind: 'between', field: 'customFields.score', from: 0, to: 20 }),
      c({ kind: 'between', field: 'customFields.team', from: 'A', to: 'Z' }),
      c({ kind: 'between', field: 'severity', from: 4, to: 2 }, true),
    ],
    in: [
      c(q.in('status', ['New', 'InProgress'])),
      c(q.in('severity', ['1', 4])),
      c(q.in('tags', ['7', 'x y'])),
      c(q.in('tags', ['007', '50%'])),
      c(q.in('customFields.team', ['Red', 'blue', '12'])),
      c(q.in('customFields.score', [42, '10', 11])),
      c(q.in('assignee', []), true),
      c(q.in('_id', [a1._id, a2._id, MISSING_ID])),
    ],
    like: [
      c(like('title', 'contains', '100%_')),
      c(like('title', 'contains', '%')),
      c(like('title', 'contains', '_')),
      c(like('title', 'startsWith', 'anchor', false)),
      c(like('title', 'startsWith', 'ANCHOR')),
      c(like('title', 'endsWith', 'DONE')),
      c(like('summary', 'contains', 'ph')),
      c(like('description', 'contains', 'Mail')),
      c(like('tags', 'contains', '_')),
      c(like('tags', 'startsWith', '1e')),
      c(like('tags', 'startsWith', '00')),
      c(like('tags', 'endsWith', '%')),
      c(like('tags', 'contains', 'Y')),
      c(like('customFields.team', 'endsWith', 'ed')),
      c(like('customFields.team', 'startsWith', '00')),
      c(like('customFields.score', 'startsWith', '4')),
      c(like('severity', 'contains', '4')),
      c(like('_id', 'startsWith', '~'), true),
    ],
    match: [
      c({ kind: 'match', field: 'title', value: 'phishing anchor' }),
      c({ kind: 'match', field: 'title', value: 'MAIL' }),
      c({ kind: 'match', field: 'description', value: 'alpha  beta' }),
      c({ kind: 'match', field: 'tags', value: 'a_b' }),
      c({ kind: 'match', field: 'tags', value: 'phishing a_b' }, true),
      c({ kind: 'match', field: 'tags', value: 'x y' }),
      c({ kind: 'match', field: 'customFields.team', value: 'team green' }),
    ],
    has: [
      c({ kind: 'has', field: 'assignee' }),
      c({ kind: 'has', field: 'summary' }),
      c({ kind: 'has', field: 'tags' }),
      c({ kind: 'has', field: 'customFields.score' }),
      c({ kind: 'has', field: 'customFields.empty' }, true),
      c({ kind: 'has', field: 'customFields.nope' }, true),
      t({ kind: 'has', field: 'assignee' }),
    ],
    parentId: [t(q.parentId('case', a1._id)), t(q.parentId('case', a1._id, a2._id, MISSING_ID)), t(q.parentId('case'), true)],
    parent: [
      t({ kind: 'parent', relation: 'case', parentType: 'case', where: cmp('eq', 'severity', 4) }),
      t({ kind: 'parent', relation: 'case', parentType: 'case', where: q.eq('tags', 'phishing') }),
      t({ kind: 'parent', relation: 'case', parentType: 'case', where: q.visible(['o2']) }),
      t(q.not({ kind: 'parent', relation: 'case', parentType: 'case', where: q.true() })),
    ],
    child: [
      c({ kind: 'child', childType: 'task', relation: 'case', where: q.eq('status', 'Waiting') }),
      c({ kind: 'child', childType: 'task', relation: 'case', where: q.and(q.eq('group', 'triage'), q.eq('flag', true)) }),
      c(q.not({ kind: 'child', childType: 'task', relation: 'case', where: q.true() })),
    ],
    visible: [
      c(q.visible(['o1'])),
      c(q.visible(['o2', 'o3'])),
      c(q.visible([])),
      c(q.visible(['*'])),
      c(q.visible(['no-such-org'])),
      t(q.visible(['o3'])),
      c(q.visible(['o2'], ['alice'])),
      c(q.visible(['o2'], ['bob', 'nobody'])),
      c(q.visible(['o2', 'o3'], [])),
      c(q.not(q.visible(['o1'], ['team-x']))),
    ],
  };
}

async function ids(s: EntityStore, entity: string, where: Expr): Promise<string[]> {
  return (await rows(s, { entity, where, sort: [] })).map((d) => d._id).sort();
}

export function registerQueryConformance(ctx: SuiteCtx): void {
  let s: EntityStore;
  let data: QueryData;
  before(async () => {
    s = await ctx.make();
    data = await loadQueryData(s);
  });
  after(async () => s?.close());

  it(ctx, 'rows returned by a query are the stored documents', async () => {
    const got = await rows(s, { entity: 'case', where: q.eq('_id', data.anchors.a1._id), sort: [] });
    assert.deepEqual(got, [data.anchors.a1]);
  });

  it(ctx, 'every expression kind matches the reference semantics (hand-written cases)', async () => {
    const table = handCases(data);
    const failures: string[] = [];
    for (const [kind, cases] of Object.entries(table)) {
      assert.ok(cases.length > 0, `no case for ${kind}`);
      for (const c of cases) {
        const expected = refIds(data.world, c.entity, c.expr);
        const total = data.world.all(c.entity).length;
        if (!c.trivial) {
          assert.ok(expected.length > 0 && expected.length < total, `hand case does not discriminate: ${JSON.stringify(c.expr)} (${expected.length}/${total})`);
        }
        const got = await ids(s, c.entity, c.expr);
        const n = await count(s, { entity: c.entity, where: c.expr, sort: [] });
        if (JSON.stringify(got) !== JSON.stringify(expected) || n !== expected.length) {
          const extra = got.filter((x) => !expected.includes(x)).slice(0, 3);
          const missing = expected.filter((x) => !got.includes(x)).slice(0, 3);
          failures.push(
            `${c.entity} ${JSON.stringify(c.expr)}: expected ${expected.length}, got ${got.length} (count ${n}); extra ${JSON.stringify(extra.map((id) => data.world.get(c.entity, id)))} missing ${JSON.stringify(missing.map((id) => data.world.get(c.entity, id)))}`,
          );
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it(ctx, 'generated expression trees match the reference semantics', async () => {
    const gen = new ExprGen(new Prng(777), data);
    const failures: string[] = [];
    let nonTrivial = 0;
    for (let i = 0; i < 500; i++) {
      const entity = i % 3 === 2 ? 'task' : 'case';
      const expr = gen.expr(entity, 4);
      const expected = refIds(data.world, entity, expr);
      if (expected.length > 0 && expected.length < data.world.all(entity).length) nonTrivial++;
      let got: string[];
      try {
        got = await ids(s, entity, expr);
      } catch (e) {
        failures.push(`#${i} ${entity} ${JSON.stringify(expr)} threw ${String(e)}`);
        continue;
      }
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        failures.push(`#${i} ${entity} ${JSON.stringify(expr)}: expected ${expected.length}, got ${got.length}`);
      } else if (i % 5 === 0) assert.equal(await count(s, { entity, where: expr, sort: [] }), expected.length);
    }
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of 500 generated queries differ`);
    assert.ok(nonTrivial > 150, `only ${nonTrivial} generated queries discriminate`);
  });

  const sorts: Array<{ entity: 'case' | 'task'; where: Expr; sort: SortKey[] }> = [
    {
      entity: 'case',
      where: q.true(),
      sort: [
        { field: 'severity', dir: 'asc' },
        { field: 'title', dir: 'desc' },
      ],
    },
    { entity: 'case', where: q.true(), sort: [{ field: 'tlp', dir: 'desc' }] },
    { entity: 'case', where: q.true(), sort: [{ field: '_createdAt', dir: 'asc' }] },
    { entity: 'case', where: q.true(), sort: [{ field: '_createdAt', dir: 'desc' }] },
    {
      entity: 'case',
      where: q.true(),
      sort: [
        { field: 'pap', dir: 'desc' },
        { field: 'flag', dir: 'asc' },
      ],
    },
    { entity: 'case', where: q.visible(['o1']), sort: [{ field: 'title', dir: 'asc' }] },
    { entity: 'case', where: { kind: 'has', field: 'customFields.score' }, sort: [{ field: 'customFields.score', dir: 'asc' }] },
    { entity: 'case', where: { kind: 'has', field: 'customFields.score' }, sort: [{ field: 'customFields.score', dir: 'desc' }] },
    {
      entity: 'task',
      where: q.eq('group', 'triage'),
      sort: [
        { field: 'order', dir: 'asc' },
        { field: 'status', dir: 'asc' },
      ],
    },
  ];
  for (const sc of sorts) {
    it(ctx, `sort ${JSON.stringify(sc.sort)} on ${sc.entity}: ordered, stable across pages, ties included`, async () => {
      const expected = refIds(data.world, sc.entity, sc.where);
      const all = await rows(s, { entity: sc.entity, where: sc.where, sort: sc.sort });
      assert.deepEqual(all.map((d) => d._id).sort(), expected);
      for (let i = 1; i < all.length; i++) assert.ok(compareOn(sc.sort, all[i - 1]!, all[i]!) <= 0, `out of order at ${i}: ${JSON.stringify(sc.sort)}`);
      const hasTies = all.some((d, i) => i > 0 && compareOn(sc.sort, all[i - 1]!, d) === 0);
      if (sc.sort.length === 1 && sc.sort[0]?.field === '_createdAt') assert.ok(hasTies, 'the data set has ties on this key');
      const again = await rows(s, { entity: sc.entity, where: sc.where, sort: sc.sort });
      assert.deepEqual(
        again.map((d) => d._id),
        all.map((d) => d._id),
        'ties are broken the same way every time',
      );
      const paged: Doc[] = [];
      for (let from = 0; from < all.length + 7; from += 7) {
        paged.push(...(await rows(s, { entity: sc.entity, where: sc.where, sort: sc.sort }, from, from + 7)));
      }
      assert.deepEqual(
        paged.map((d) => d._id),
        all.map((d) => d._id),
        'pages partition the result',
      );
    });
  }

  it(ctx, 'paging: a window inside, across and past the end; count ignores paging', async () => {
    const sort: SortKey[] = [{ field: 'number', dir: 'asc' }];
    const where = q.visible(['o1']);
    const all = await rows(s, { entity: 'case', where, sort });
    assert.ok(all.length > 20);
    assert.deepEqual(await rows(s, { entity: 'case', where, sort }, 5, 10), all.slice(5, 10));
    assert.deepEqual(await rows(s, { entity: 'case', where, sort }, all.length - 2, all.length + 50), all.slice(-2));
    assert.deepEqual(await rows(s, { entity: 'case', where, sort }, all.length + 5, all.length + 10), []);
    assert.deepEqual(await rows(s, { entity: 'case', where, sort }, 3, 3), []);
    assert.equal(await count(s, { entity: 'case', where, sort }), all.length);
  });

  it(ctx, 'unknown and internal fields are refused with a SearchError (no oracle on secrets)', async () => {
    const bad: Array<{ entity: string; where: Expr; sort?: SortKey[] }> = [
      { entity: 'case', where: q.eq('noSuchField', 'x') },
      { entity: 'case', where: q.eq('constructor', 'x') },
      { entity: 'case', where: q.eq('__proto__', 'x') },
      { entity: 'case', where: { kind: 'has', field: 'toString' } },
      { entity: 'case', where: q.true(), sort: [{ field: 'hasOwnProperty', dir: 'asc' }] },
      { entity: 'user', where: q.eq('passwordHash', 'x') },
      { entity: 'user', where: { kind: 'like', field: 'passwordHash', mode: 'startsWith', value: 'scrypt', ci: false } },
      { entity: 'user', where: { kind: 'has', field: 'keyHash' } },
      { entity: 'user', where: q.in('keyEnc', ['x']) },
      { entity: 'user', where: q.true(), sort: [{ field: 'passwordHash', dir: 'asc' }] },
      { entity: 'case', where: q.true(), sort: [{ field: 'noSuchField', dir: 'asc' }] },
    ];
    for (const b of bad) {
      await assert.rejects(
        s.query({ entity: b.entity, where: b.where, sort: b.sort ?? [], output: { kind: 'rows', from: 0, to: 10 } }),
        errType('SearchError'),
        JSON.stringify(b),
      );
      if (!b.sort) {
        await assert.rejects(s.query({ entity: b.entity, where: b.where, sort: [], output: { kind: 'count' } }), errType('SearchError'), JSON.stringify(b));
      }
    }
  });

  it(ctx, 'a non-numeric value on a numeric field is a SearchError', async () => {
    await assert.rejects(count(s, { entity: 'case', where: q.eq('severity', 'high'), sort: [] }), errType('SearchError'));
    await assert.rejects(
      count(s, { entity: 'case', where: { kind: 'between', field: '_createdAt', from: 'yesterday', to: 1 }, sort: [] }),
      errType('SearchError'),
    );
  });

  it(ctx, 'traversal to a relation the type does not have is a SearchError', async () => {
    await assert.rejects(count(s, { entity: 'case', where: q.parentId('task', 'x'), sort: [] }), errType('SearchError'));
    await assert.rejects(
      count(s, { entity: 'case', where: { kind: 'child', childType: 'case', relation: 'case', where: q.true() }, sort: [] }),
      errType('SearchError'),
    );
  });
}
