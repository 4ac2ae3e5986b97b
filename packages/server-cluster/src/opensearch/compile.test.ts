/** The IR → OpenSearch DSL compiler, without engines: typed values, negation, visibility, traversals, sorts, aggregations. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_ORGS, ENTITIES, RESTRICTED_TO, SYSTEM_FIELDS, entityDef, fieldDef } from '@waggle/server/src/entities/registry.js';
import { ConflictError, NotFoundError, SearchError } from '@waggle/server/src/errors/errors.js';
import { DERIVED_FIELDS } from '@waggle/server/src/query/derived-fields.js';
import { q, type Expr } from '@waggle/server/src/query/ir.js';
import type { ClusterDeps } from '../deps.js';
import { compileExpr, compileSort, type CompileCtx, type Dsl } from './compile.js';
import { compileAggs } from './aggs.js';
import { indexBody, project } from './projection.js';

const deps: ClusterDeps = {
  registry: { ENTITIES, entityDef, fieldDef, SYSTEM_FIELDS, ALL_ORGS, RESTRICTED_TO, DERIVED_FIELDS },
  errors: { ConflictError, NotFoundError, SearchError },
};
const resolved: Array<{ entity: string; field: string }> = [];
const ctx: CompileCtx = {
  deps,
  resolve: (entity, _query, field) => {
    resolved.push({ entity, field });
    return Promise.resolve(entity === 'case' ? ['~10', '~11'] : ['~20']);
  },
};
const c = (e: Expr, entity = 'case'): Promise<Dsl> => compileExpr(e, entityDef(entity), ctx);

test('compare: numeric strings match string and number values; text fields compare as strings', async () => {
  assert.deepEqual(await c(q.eq('tags', '7')), {
    bool: { should: [{ term: { 'f.tags.s': '7' } }, { term: { 'f.tags.n': 7 } }], minimum_should_match: 1 },
  });
  assert.deepEqual(await c(q.eq('severity', '3')), { term: { 'f.severity.n': 3 } });
  assert.deepEqual(await c({ kind: 'compare', op: 'gt', field: 'title', value: 'M' }), { range: { 'f.title.s': { gt: 'M' } } });
  assert.deepEqual(await c({ kind: 'compare', op: 'ne', field: 'customFields.team', value: 'Red' }), {
    bool: { must_not: [{ term: { 'cf.team.s': 'Red' } }] },
  });
  assert.deepEqual(await c({ kind: 'compare', op: 'eq', field: 'assignee', value: null }), { bool: { must_not: [{ term: { 'f.assignee.x': true } }] } });
});

test('like and match: lower-cased wildcards; match on a multi-valued field needs every word in one value', async () => {
  assert.deepEqual(await c({ kind: 'like', field: 'title', mode: 'startsWith', value: 'A*b?', ci: false }), {
    wildcard: { 'f.title.l': { value: 'a\\*b\\?*' } },
  });
  assert.deepEqual(await c({ kind: 'match', field: 'tags', value: 'Phishing A_B' }), {
    nested: {
      path: 'mv.tags',
      query: { bool: { filter: [{ wildcard: { 'mv.tags.l': { value: '*phishing*' } } }, { wildcard: { 'mv.tags.l': { value: '*a_b*' } } }] } },
    },
  });
});

test('visible: organisations or everyone, and restrictions only with principals', async () => {
  assert.deepEqual(await c(q.visible(['o1'])), { terms: { _orgs: ['o1', '*'] } });
  assert.deepEqual(await c(q.visible(['o1'], ['alice'])), {
    bool: {
      filter: [
        { terms: { _orgs: ['o1', '*'] } },
        { bool: { should: [{ bool: { must_not: [{ term: { _restricted: true } }] } }, { terms: { _restrictedTo: ['alice'] } }], minimum_should_match: 1 } },
      ],
    },
  });
});

test('traversals resolve ids with a first query', async () => {
  resolved.length = 0;
  assert.deepEqual(await c({ kind: 'parent', relation: 'case', parentType: 'case', where: q.eq('severity', 4) }, 'task'), {
    terms: { '_parents.case': ['~10', '~11'] },
  });
  assert.deepEqual(await c({ kind: 'child', childType: 'task', relation: 'case', where: q.true() }), { terms: { _wid: ['~20'] } });
  assert.deepEqual(resolved, [
    { entity: 'case', field: '_wid' },
    { entity: 'task', field: '_parents.case' },
  ]);
  await assert.rejects(c(q.parentId('task', 'x')), (e: Error) => e instanceof SearchError);
});

test('unknown, internal and non-numeric inputs are SearchErrors', async () => {
  await assert.rejects(c(q.eq('__proto__', 'x')), (e: Error) => e instanceof SearchError);
  await assert.rejects(c(q.eq('passwordHash', 'x'), 'user'), (e: Error) => e instanceof SearchError);
  await assert.rejects(c(q.eq('severity', 'high')), (e: Error) => e instanceof SearchError);
  assert.throws(
    () => compileSort([{ field: 'nope', dir: 'asc' }], entityDef('case'), deps),
    (e: Error) => e instanceof SearchError,
  );
});

test('sorts use the typed values of the declared type and break ties by id', () => {
  assert.deepEqual(compileSort([{ field: 'severity', dir: 'desc' }], entityDef('case'), deps), [
    { 'f.severity.n': { order: 'desc', missing: '_first', unmapped_type: 'double' } },
    { _wid: { order: 'asc' } },
  ]);
});

test('aggregations: histograms with time zone and bounds, terms on custom fields on both value types', async () => {
  const r = await compileAggs(
    [
      {
        kind: 'histogram',
        name: 'days',
        field: '_createdAt',
        intervalMs: 86_400_000,
        interval: 'day',
        timeZone: 'Europe/Paris',
        from: 1000,
        to: 5000,
        aggs: [],
      },
      { kind: 'terms', name: 'team', field: 'customFields.team', size: 3, order: 'count', dir: 'desc', aggs: [] },
      { kind: 'metric', name: 'd', fn: 'avg', field: 'duration' },
    ],
    entityDef('case'),
    ctx,
  );
  assert.deepEqual(r.aggs.h0, {
    filter: { range: { 'f._createdAt.d': { gte: 1000, lt: 5000 } } },
    aggs: {
      h: {
        date_histogram: {
          field: 'f._createdAt.d',
          calendar_interval: '1d',
          time_zone: 'Europe/Paris',
          min_doc_count: 0,
          extended_bounds: { min: 1000, max: 4999 },
        },
      },
    },
  });
  assert.deepEqual(Object.keys(r.aggs), ['h0', 't1', 't2', 'm3']);
  const decoded = r.decode(
    {
      h0: { doc_count: 1, h: { buckets: [{ key: 0, doc_count: 1 }] } },
      t1: { buckets: [{ key: 7, doc_count: 1 }] },
      t2: { buckets: [{ key: 'red', doc_count: 3 }] },
      m3: { value: null },
    },
    4,
  );
  assert.deepEqual(decoded, {
    days: { buckets: [{ key: 0, count: 1 }] },
    team: {
      buckets: [
        { key: 'red', count: 3 },
        { key: 7, count: 1 },
      ],
    },
    d: null,
  });
});

test('projection: typed values, lower-cased text, nested tag values, derived duration', () => {
  const doc = {
    _id: '~1',
    _type: 'case',
    _createdAt: 5,
    _createdBy: 'a',
    _version: 1,
    _orgs: ['o'],
    _parents: {},
    title: 'Hello',
    tags: ['A', '7'],
    flag: true,
    startDate: 10,
    endDate: 25,
    customFields: [{ name: 'x.y', value: 3 }],
  };
  const p = project(doc, 'ns', entityDef('case'), deps) as { f: Record<string, unknown>; cf: Record<string, unknown>; mv: Record<string, unknown> };
  assert.deepEqual(p.f.title, { x: true, s: ['Hello'], l: ['hello'] });
  assert.deepEqual(p.f.flag, { x: true, n: [1], l: ['true'], d: [1] });
  assert.deepEqual(p.f.duration, { x: true, n: [15], l: ['15'], d: [15] });
  assert.deepEqual(p.mv.tags, [{ l: 'a' }, { l: '7' }]);
  assert.deepEqual(p.cf['x%2Ey'], { x: true, n: [3], l: ['3'], d: [3] });
  const body = indexBody(entityDef('case'), deps) as { mappings: { properties: { f: { properties: Record<string, unknown> } } } };
  assert.ok(body.mappings.properties.f.properties.duration, 'derived fields are mapped');
});
