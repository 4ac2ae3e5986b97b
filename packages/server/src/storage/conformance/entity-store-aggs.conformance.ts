/**
 * Aggregation conformance with exact, hand-computed expectations: count, terms (size, order,
 * nesting), histograms (calendar and fixed intervals, time zones across DST changes, empty
 * buckets, extended bounds), metrics and filters.
 */
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Agg, AggResult, Expr } from '../../query/ir.js';
import { q } from '../../query/ir.js';
import { aggregateDocs } from '../../query/aggregate-docs.js';
import { evaluate } from '../../query/evaluate.js';
import type { Doc, EntityStore, NewDoc } from '../entity-store.js';
import { Prng } from './prng.js';
import { insertAll, it, newDoc, withStore, type SuiteCtx } from './support.js';

const U = (y: number, mo: number, d: number, h = 0, mi = 0): number => Date.UTC(y, mo - 1, d, h, mi);

interface Row {
  at: number;
  status: string;
  severity: number;
  tags: string[];
  score?: number;
  team?: string;
}

/** The case data set; every expectation below is computed by hand from this table. */
const CASES: Row[] = [
  { at: U(2024, 1, 15, 10), status: 'New', severity: 1, tags: ['a', 'b'], score: 10, team: 'red' }, // d1
  { at: U(2024, 1, 31, 23, 30), status: 'New', severity: 2, tags: ['a'], score: 20, team: 'blue' }, // d2: 1 Feb in Paris
  { at: U(2024, 3, 30, 22, 30), status: 'InProgress', severity: 3, tags: ['b', 'c'], score: 5, team: 'red' }, // d3
  { at: U(2024, 3, 30, 23, 30), status: 'InProgress', severity: 4, tags: [] }, // d4: 31 Mar 00:30 in Paris
  { at: U(2024, 3, 31, 21, 30), status: 'TruePositive', severity: 2, tags: ['a', 'c'], score: 7, team: 'red' }, // d5: Paris is UTC+2 now
  { at: U(2024, 3, 31, 22, 30), status: 'New', severity: 3, tags: ['c'], score: -3, team: 'blue' }, // d6: 1 Apr in Paris
  { at: U(2024, 4, 2, 12), status: 'New', severity: 1, tags: ['a'], team: 'green' }, // d7
  { at: U(2024, 4, 2, 12), status: 'TruePositive', severity: 4, tags: ['b'], score: 100 }, // d8
  { at: U(2024, 4, 5, 12), status: 'InProgress', severity: 2, tags: ['a', 'b', 'c'], score: 0, team: 'red' }, // d9
];

/** Alerts around both 2024 DST changes in Europe/Paris (31 March, 27 October). */
const ALERTS = [U(2024, 3, 30, 22, 30), U(2024, 3, 31, 3), U(2024, 3, 31, 21, 30), U(2024, 10, 27, 0, 30), U(2024, 10, 27, 1, 30), U(2024, 10, 27, 12)];

const b = (key: string | number | boolean | null, count: number, aggs?: AggResult) => ({ key, count, ...(aggs ? { aggs } : {}) });
const hist = (
  name: string,
  field: string,
  interval: 'day' | 'week' | 'month' | 'year' | undefined,
  timeZone: string,
  extra: Partial<Extract<Agg, { kind: 'histogram' }>> = {},
): Agg => ({
  kind: 'histogram',
  name,
  field,
  intervalMs: interval ? 86_400_000 : (extra.intervalMs ?? 3_600_000),
  ...(interval ? { interval } : {}),
  timeZone,
  aggs: [],
  ...extra,
});
const terms = (name: string, field: string, size: number, order: 'count' | 'key', dir: 'asc' | 'desc', aggs: Agg[] = []): Agg => ({
  kind: 'terms',
  name,
  field,
  size,
  order,
  dir,
  aggs,
});
const metric = (name: string, fn: 'sum' | 'avg' | 'min' | 'max', field: string): Agg => ({ kind: 'metric', name, fn, field });

export function registerAggregationConformance(ctx: SuiteCtx): void {
  registerGeneratedAggregations(ctx);
  registerPeriodTagTerms(ctx);
  let s: EntityStore;
  before(async () => {
    s = await ctx.make();
    await insertAll(
      s,
      CASES.map((r) =>
        newDoc(s, 'case', {
          _createdAt: r.at,
          title: `case ${r.at}`,
          status: r.status,
          severity: r.severity,
          tags: r.tags,
          customFields: [
            ...(r.score !== undefined ? [{ name: 'score', type: 'integer', value: r.score, order: 0 }] : []),
            ...(r.team !== undefined ? [{ name: 'team', type: 'string', value: r.team, order: 1 }] : []),
          ],
          _orgs: ['o1'],
        }),
      ),
    );
    await insertAll(
      s,
      ALERTS.map((at, i) => newDoc(s, 'alert', { date: at, title: `alert ${i}`, type: 't', source: 's', sourceRef: `r${i}`, _orgs: ['o1'] })),
    );
    // noise another organisation must not see
    await insertAll(s, [newDoc(s, 'case', { _createdAt: U(2024, 1, 1), status: 'New', severity: 4, tags: ['a'], _orgs: ['o2'] })]);
  });
  after(async () => s?.close());

  const agg = async (aggs: Agg[], where: Expr = q.visible(['o1']), entity = 'case'): Promise<AggResult> => {
    const r = await s.query({ entity, where, sort: [], output: { kind: 'aggregate', aggs } });
    assert.equal(r.kind, 'aggregate');
    return r.kind === 'aggregate' ? r.result : {};
  };

  it(ctx, 'count, alone and under a filter of the query', async () => {
    assert.deepEqual(await agg([{ kind: 'count', name: 'n' }]), { n: 9 });
    assert.deepEqual(await agg([{ kind: 'count', name: 'n' }], q.and(q.visible(['o1']), { kind: 'compare', op: 'gte', field: 'severity', value: 3 })), {
      n: 4,
    });
    assert.deepEqual(await agg([{ kind: 'count', name: 'n' }], q.visible(['nobody'])), { n: 0 });
  });

  it(ctx, 'terms: order by count (ties by key), by key both ways, size', async () => {
    const r = await agg([
      terms('byCount', 'status', 10, 'count', 'desc'),
      terms('top2', 'status', 2, 'count', 'desc'),
      terms('countAsc', 'status', 10, 'count', 'asc'),
      terms('keyAsc', 'status', 10, 'key', 'asc'),
      terms('keyDesc', 'status', 10, 'key', 'desc'),
      terms('tags', 'tags', 10, 'count', 'desc'),
      terms('team', 'customFields.team', 10, 'count', 'desc'),
    ]);
    assert.deepEqual(r, {
      byCount: { buckets: [b('New', 4), b('InProgress', 3), b('TruePositive', 2)] },
      top2: { buckets: [b('New', 4), b('InProgress', 3)] },
      countAsc: { buckets: [b('TruePositive', 2), b('InProgress', 3), b('New', 4)] },
      keyAsc: { buckets: [b('InProgress', 3), b('New', 4), b('TruePositive', 2)] },
      keyDesc: { buckets: [b('TruePositive', 2), b('New', 4), b('InProgress', 3)] },
      tags: { buckets: [b('a', 5), b('b', 4), b('c', 4)] },
      team: { buckets: [b('red', 4), b('blue', 2), b('green', 1)] },
    });
  });

  it(ctx, 'terms on numbers order keys numerically', async () => {
    const r = await agg([terms('score', 'customFields.score', 10, 'key', 'asc'), terms('sev', 'severity', 2, 'key', 'desc')]);
    assert.deepEqual(r, {
      score: { buckets: [b(-3, 1), b(0, 1), b(5, 1), b(7, 1), b(10, 1), b(20, 1), b(100, 1)] },
      sev: { buckets: [b(4, 2), b(3, 2)] },
    });
  });

  it(ctx, 'metrics: sum, avg, min, max on scalar and custom fields, and on no values', async () => {
    const r = await agg([
      metric('sum', 'sum', 'severity'),
      metric('avg', 'avg', 'severity'),
      metric('min', 'min', 'severity'),
      metric('max', 'max', 'severity'),
      metric('cfSum', 'sum', 'customFields.score'),
      metric('cfAvg', 'avg', 'customFields.score'),
      metric('cfMin', 'min', 'customFields.score'),
      metric('cfMax', 'max', 'customFields.score'),
    ]);
    assert.deepEqual(r, { sum: 22, avg: 22 / 9, min: 1, max: 4, cfSum: 139, cfAvg: 139 / 7, cfMin: -3, cfMax: 100 });
    const none = await agg(
      [metric('sum', 'sum', 'severity'), metric('avg', 'avg', 'severity'), metric('min', 'min', 'severity'), metric('max', 'max', 'severity')],
      q.visible(['nobody']),
    );
    assert.deepEqual(none, { sum: 0, avg: null, min: null, max: null });
  });

  it(ctx, 'filter aggregation with nested aggregations', async () => {
    const r = await agg([
      { kind: 'filter', name: 'tagA', where: q.eq('tags', 'a'), aggs: [metric('sev', 'sum', 'severity'), terms('status', 'status', 10, 'count', 'desc')] },
      { kind: 'filter', name: 'none', where: q.eq('status', 'Nope'), aggs: [{ kind: 'count', name: 'n' }, metric('avg', 'avg', 'severity')] },
    ]);
    assert.deepEqual(r, {
      tagA: { count: 5, aggs: { sev: 8, status: { buckets: [b('New', 3), b('InProgress', 1), b('TruePositive', 1)] } } },
      none: { count: 0, aggs: { n: 0, avg: null } },
    });
  });

  it(ctx, 'terms with nested metrics and a nested histogram', async () => {
    const r = await agg([
      terms('status', 'status', 10, 'key', 'asc', [
        metric('avgSev', 'avg', 'severity'),
        metric('score', 'sum', 'customFields.score'),
        hist('months', '_createdAt', 'month', 'UTC'),
      ]),
    ]);
    const mar = U(2024, 3, 1);
    const apr = U(2024, 4, 1);
    assert.deepEqual(r, {
      status: {
        buckets: [
          b('InProgress', 3, { avgSev: 3, score: 5, months: { buckets: [b(mar, 2), b(apr, 1)] } }),
          b('New', 4, { avgSev: 1.75, score: 27, months: { buckets: [b(U(2024, 1, 1), 2), b(U(2024, 2, 1), 0), b(mar, 1), b(apr, 1)] } }),
          b('TruePositive', 2, { avgSev: 3, score: 107, months: { buckets: [b(mar, 1), b(apr, 1)] } }),
        ],
      },
    });
  });

  it(ctx, 'month histogram in UTC and in Europe/Paris, with an empty month', async () => {
    const r = await agg([hist('utc', '_createdAt', 'month', 'UTC'), hist('paris', '_createdAt', 'month', 'Europe/Paris')]);
    assert.deepEqual(r, {
      utc: { buckets: [b(U(2024, 1, 1), 2), b(U(2024, 2, 1), 0), b(U(2024, 3, 1), 4), b(U(2024, 4, 1), 3)] },
      paris: { buckets: [b(U(2023, 12, 31, 23), 1), b(U(2024, 1, 31, 23), 1), b(U(2024, 2, 29, 23), 3), b(U(2024, 3, 31, 22), 4)] },
    });
  });

  it(ctx, 'day histogram across the spring DST change (Paris, New York) with empty days', async () => {
    const where = q.and(q.visible(['o1']), { kind: 'between', field: '_createdAt', from: U(2024, 3, 30), to: U(2024, 4, 10) });
    const r = await agg(
      [hist('paris', '_createdAt', 'day', 'Europe/Paris'), hist('ny', '_createdAt', 'day', 'America/New_York'), hist('utc', '_createdAt', 'day', 'UTC')],
      where,
    );
    assert.deepEqual(r, {
      paris: {
        buckets: [
          b(U(2024, 3, 29, 23), 1),
          b(U(2024, 3, 30, 23), 2),
          b(U(2024, 3, 31, 22), 1),
          b(U(2024, 4, 1, 22), 2),
          b(U(2024, 4, 2, 22), 0),
          b(U(2024, 4, 3, 22), 0),
          b(U(2024, 4, 4, 22), 1),
        ],
      },
      ny: {
        buckets: [
          b(U(2024, 3, 30, 4), 2),
          b(U(2024, 3, 31, 4), 2),
          b(U(2024, 4, 1, 4), 0),
          b(U(2024, 4, 2, 4), 2),
          b(U(2024, 4, 3, 4), 0),
          b(U(2024, 4, 4, 4), 0),
          b(U(2024, 4, 5, 4), 1),
        ],
      },
      utc: {
        buckets: [
          b(U(2024, 3, 30), 2),
          b(U(2024, 3, 31), 2),
          b(U(2024, 4, 1), 0),
          b(U(2024, 4, 2), 2),
          b(U(2024, 4, 3), 0),
          b(U(2024, 4, 4), 0),
          b(U(2024, 4, 5), 1),
        ],
      },
    });
  });

  it(ctx, 'histogram bounds add empty leading and trailing buckets and drop values outside', async () => {
    const r = await agg([hist('days', '_createdAt', 'day', 'UTC', { from: U(2024, 4, 1), to: U(2024, 4, 8) })]);
    assert.deepEqual(r, {
      days: {
        buckets: [
          b(U(2024, 4, 1), 0),
          b(U(2024, 4, 2), 2),
          b(U(2024, 4, 3), 0),
          b(U(2024, 4, 4), 0),
          b(U(2024, 4, 5), 1),
          b(U(2024, 4, 6), 0),
          b(U(2024, 4, 7), 0),
        ],
      },
    });
  });

  it(ctx, 'day histogram across the autumn DST change (a 25-hour day) with bounds', async () => {
    const r = await agg([hist('days', 'date', 'day', 'Europe/Paris', { from: U(2024, 10, 26), to: U(2024, 10, 29) })], q.visible(['o1']), 'alert');
    // 26 Oct 00:00Z is 02:00 local on 26 Oct; the 27th lasts 25 hours; the bound 28 Oct 23:59:59Z is 29 Oct local.
    assert.deepEqual(r, { days: { buckets: [b(U(2024, 10, 25, 22), 0), b(U(2024, 10, 26, 22), 3), b(U(2024, 10, 27, 23), 0), b(U(2024, 10, 28, 23), 0)] } });
  });

  it(ctx, 'fixed-interval histogram: 12 hours in UTC, and in local time across a DST change', async () => {
    const where = q.and(q.visible(['o1']), { kind: 'between', field: '_createdAt', from: U(2024, 3, 30, 12), to: U(2024, 4, 1) });
    const utc = await agg([hist('h12', '_createdAt', undefined, 'UTC', { intervalMs: 12 * 3_600_000 })], where);
    assert.deepEqual(utc, { h12: { buckets: [b(U(2024, 3, 30, 12), 2), b(U(2024, 3, 31), 0), b(U(2024, 3, 31, 12), 2)] } });
    // Local 12-hour buckets start at 00:00 and 12:00 Paris time: 30 Mar 12:00 (+1), 31 Mar 00:00 (+1), 31 Mar 12:00 (+2).
    const paris = await agg(
      [hist('h12', 'date', undefined, 'Europe/Paris', { intervalMs: 12 * 3_600_000 })],
      q.and(q.visible(['o1']), { kind: 'compare', op: 'lt', field: 'date', value: U(2024, 4, 1) }),
      'alert',
    );
    assert.deepEqual(paris, { h12: { buckets: [b(U(2024, 3, 30, 11), 1), b(U(2024, 3, 30, 23), 1), b(U(2024, 3, 31, 10), 1)] } });
  });

  it(ctx, 'week and year histograms', async () => {
    const r = await agg(
      [hist('weeks', '_createdAt', 'week', 'UTC'), hist('years', '_createdAt', 'year', 'UTC')],
      q.and(q.visible(['o1']), { kind: 'between', field: '_createdAt', from: U(2024, 3, 25), to: U(2024, 4, 10) }),
    );
    // Weeks start on Monday: 25 Mar holds d3-d6, 1 Apr holds d7-d9.
    assert.deepEqual(r, { weeks: { buckets: [b(U(2024, 3, 25), 4), b(U(2024, 4, 1), 3)] }, years: { buckets: [b(U(2024, 1, 1), 7)] } });
  });
}

const DAY = 86_400_000;
const STATUSES = ['New', 'InProgress', 'TruePositive', 'FalsePositive', 'Duplicated'];
const TAGS = ['misp', 'phishing', 'apt', 'ransomware', 'tlp:amber', 'src:feed', '007', '7'];
const TEAMS = ['red', 'blue', 'green'];

/** Aggregation trees over the generated data, compared with `aggregateDocs` on the same documents. */
const GENERATED_AGGS: Record<string, Agg[]> = {
  'count and metrics (stored, custom, derived duration)': [
    { kind: 'count', name: 'n' },
    metric('sevSum', 'sum', 'severity'),
    metric('sevAvg', 'avg', 'severity'),
    metric('sevMin', 'min', 'severity'),
    metric('sevMax', 'max', 'severity'),
    metric('scoreAvg', 'avg', 'customFields.score'),
    metric('durAvg', 'avg', 'duration'),
    metric('durMax', 'max', 'duration'),
    metric('ttd', 'sum', 'timeToDetect'),
  ],
  'terms on columns, booleans, tags, custom fields and a document field, every order': [
    terms('status', 'status', 3, 'count', 'desc'),
    terms('statusKey', 'status', 10, 'key', 'desc'),
    terms('flag', 'flag', 10, 'count', 'asc'),
    terms('tags', 'tags', 5, 'count', 'desc'),
    terms('tagsKey', 'tags', 20, 'key', 'asc'),
    terms('team', 'customFields.team', 10, 'key', 'asc'),
    terms('score', 'customFields.score', 4, 'count', 'desc'),
    terms('impact', 'impactStatus', 10, 'count', 'desc'),
    terms('pap', 'pap', 10, 'key', 'asc'),
  ],
  'nested: terms > terms > metric, tags > histogram, filter > terms': [
    terms('status', 'status', 10, 'count', 'desc', [terms('sev', 'severity', 2, 'count', 'desc', [metric('avgScore', 'avg', 'customFields.score')])]),
    terms('tags', 'tags', 3, 'count', 'desc', [hist('weeks', '_createdAt', 'week', 'Europe/Paris'), metric('dur', 'sum', 'duration')]),
    {
      kind: 'filter',
      name: 'closed',
      where: q.and({ kind: 'compare', op: 'gte', field: 'severity', value: 3 }, { kind: 'has', field: 'endDate' }),
      aggs: [terms('status', 'status', 10, 'count', 'desc'), { kind: 'count', name: 'n' }, metric('dur', 'avg', 'duration')],
    },
    { kind: 'filter', name: 'tagged', where: q.in('tags', ['apt', '7']), aggs: [terms('team', 'customFields.team', 10, 'count', 'desc')] },
  ],
  'parents counted from a child terms on a field some documents lack (impactStatus, pap)': [
    hist('weeks', '_createdAt', 'week', 'Europe/Paris', { aggs: [terms('impact', 'impactStatus', 1, 'count', 'desc'), { kind: 'count', name: 'n' }] }),
    terms('tags', 'tags', 4, 'count', 'desc', [terms('pap', 'pap', 2, 'key', 'asc'), metric('sev', 'sum', 'severity')]),
    terms('team', 'customFields.team', 10, 'key', 'asc', [terms('impact', 'impactStatus', 10, 'count', 'asc')]),
  ],
  'histograms: calendar intervals in several zones, fixed intervals, bounds and sub-aggregations': [
    hist('dayParis', '_createdAt', 'day', 'Europe/Paris'),
    hist('dayKolkata', '_createdAt', 'day', 'Asia/Kolkata'),
    hist('weekNy', '_createdAt', 'week', 'America/New_York'),
    hist('monthParis', '_createdAt', 'month', 'Europe/Paris', { aggs: [terms('status', 'status', 2, 'count', 'desc')] }),
    hist('yearUtc', 'startDate', 'year', 'UTC'),
    hist('h6Paris', '_createdAt', undefined, 'Europe/Paris', { intervalMs: 6 * 3_600_000 }),
    hist('h1Paris', '_createdAt', undefined, 'Europe/Paris', { intervalMs: 3_600_000, from: U(2024, 10, 26, 12), to: U(2024, 10, 28) }),
    hist('h30Kolkata', '_createdAt', undefined, 'Asia/Kolkata', { intervalMs: 1_800_000, from: U(2024, 3, 30), to: U(2024, 4, 1) }),
    hist('boundedDays', '_createdAt', 'day', 'Asia/Kolkata', { from: U(2024, 3, 20), to: U(2024, 4, 12), aggs: [metric('sev', 'sum', 'severity')] }),
    hist('scoreDays', 'customFields.when', 'day', 'UTC'),
  ],
};

function registerGeneratedAggregations(ctx: SuiteCtx): void {
  it(ctx, 'generated data: every aggregation kind equals the in-memory reference, per organisation', async () => {
    await withStore(ctx, async (s) => {
      const rnd = new Prng(6);
      const docs: Doc[] = [];
      // two organisations, dates around both 2024 DST changes in Europe
      const spans = [U(2024, 3, 20), U(2024, 10, 20)];
      for (let i = 0; i < 600; i++) {
        const at = rnd.pick(spans) + rnd.int(0, 20 * DAY);
        const start = at - rnd.int(0, 3 * DAY);
        const closed = rnd.bool(0.4);
        const cfs: Array<Record<string, unknown>> = [];
        if (rnd.bool(0.7)) cfs.push({ name: 'score', type: 'integer', value: rnd.int(-5, 20), order: 0 });
        if (rnd.bool(0.6)) cfs.push({ name: 'team', type: 'string', value: rnd.pick(TEAMS), order: 1 });
        if (rnd.bool(0.3)) cfs.push({ name: 'when', type: 'date', value: at + rnd.int(0, 5 * DAY), order: 2 });
        const fields: Record<string, unknown> = {
          _createdAt: at,
          _orgs: [rnd.bool(0.8) ? 'oa' : 'ob'],
          title: `case ${i}`,
          status: rnd.pick(STATUSES),
          severity: rnd.int(1, 4),
          flag: rnd.bool(0.3),
          startDate: start,
          tags: rnd.sample(TAGS, rnd.int(0, 3)),
          customFields: cfs,
          timeToDetect: rnd.int(0, 1000),
        };
        if (closed) fields.endDate = start + rnd.int(1, 10 * DAY);
        if (rnd.bool(0.5)) fields.impactStatus = rnd.pick(['NoImpact', 'WithImpact']);
        if (rnd.bool(0.9)) fields.pap = rnd.int(0, 3);
        docs.push(...(await insertAll(s, [newDoc(s, 'case', fields)])));
      }
      // alerts: their `_createdAt` leads a covering index in SQLite (histograms run per piece there)
      const alerts: Doc[] = [];
      for (let i = 0; i < 400; i++) {
        const at = rnd.pick(spans) + rnd.int(0, 20 * DAY);
        const fields = {
          _createdAt: at,
          _orgs: [rnd.bool(0.8) ? 'oa' : 'ob'],
          title: `alert ${i}`,
          // some without a type: histograms count them, per-type sub-aggregations do not
          ...(rnd.bool(0.9) ? { type: rnd.pick(['misp', 'email', 'edr']) } : {}),
          source: rnd.pick(['s1', 's2', 's3', 's4']),
          sourceRef: `r${i}`,
          stage: rnd.pick(['New', 'InProgress', 'Closed']),
          tags: rnd.sample(TAGS, rnd.int(0, 2)),
          date: at - rnd.int(0, DAY),
        };
        alerts.push(...(await insertAll(s, [newDoc(s, 'alert', fields)])));
      }
      const period: Expr = { kind: 'between', field: '_createdAt', from: U(2024, 3, 22), to: U(2024, 11, 5) };
      const alertAggs: Agg[] = [
        { kind: 'count', name: 'n' },
        terms('type', 'type', 10, 'count', 'desc', [hist('days', '_createdAt', 'day', 'Europe/Paris')]),
        terms('source', 'source', 2, 'key', 'desc'),
        hist('daysParis', '_createdAt', 'day', 'Europe/Paris', { aggs: [terms('type', 'type', 2, 'count', 'desc'), { kind: 'count', name: 'n' }] }),
        hist('h1', '_createdAt', undefined, 'Europe/Paris', { intervalMs: 3_600_000, from: U(2024, 10, 26, 20), to: U(2024, 10, 27, 6) }),
        hist('weeksKolkata', '_createdAt', 'week', 'Asia/Kolkata', {
          from: U(2024, 3, 1),
          to: U(2024, 12, 1),
          aggs: [terms('tags', 'tags', 3, 'count', 'desc')],
        }),
        { kind: 'filter', name: 'open', where: { kind: 'not', item: q.eq('stage', 'Closed') }, aggs: [hist('days', '_createdAt', 'day', 'UTC')] },
      ];
      for (const org of ['oa', 'ob']) {
        for (const where of [q.visible([org]), q.and(q.visible([org]), period)] as Expr[]) {
          const mine: Doc[] = alerts.filter((d) => evaluate(where, d));
          const r = await s.query({ entity: 'alert', where, sort: [], output: { kind: 'aggregate', aggs: alertAggs } });
          assert.deepEqual(r.kind === 'aggregate' ? r.result : undefined, aggregateDocs(mine, alertAggs), `${org}: alerts`);
        }
      }
      for (const org of ['oa', 'ob']) {
        const where = q.visible([org]);
        const mine = docs.filter((d) => evaluate(where, d));
        for (const [title, aggs] of Object.entries(GENERATED_AGGS)) {
          const r = await s.query({ entity: 'case', where, sort: [], output: { kind: 'aggregate', aggs } });
          assert.equal(r.kind, 'aggregate');
          assert.deepEqual(r.kind === 'aggregate' ? r.result : undefined, aggregateDocs(mine, aggs), `${org}: ${title}`);
        }
      }
    });
  });
}

/**
 * Top values of a multi-valued field over a `_createdAt` period, the query of the default "top
 * tags" widgets (SQLite counts them in its side table alone): documents of one organisation, shared
 * ones, restricted ones, documents whose sharing, tags or restriction changed after insertion, and
 * deleted ones, under every kind of visibility; then with more distinct values than the SQLite
 * adapter enumerates one by one.
 */
function registerPeriodTagTerms(ctx: SuiteCtx): void {
  it(ctx, 'terms on tags over a period: shared, restricted, updated and deleted documents, many distinct values', async () => {
    await withStore(ctx, async (s) => {
      const rnd = new Prng(11);
      const start = U(2024, 5, 1);
      const orgSets = [['oa'], ['oa'], ['oa'], ['ob'], ['oa', 'ob'], ['ob', 'oa'], ['oc']];
      const fresh: NewDoc[] = [];
      for (let i = 0; i < 300; i++) {
        const restricted = rnd.bool(0.1) ? { _restrictedTo: [rnd.pick(['u1', 'u2'])] } : {};
        fresh.push(
          newDoc(s, 'case', {
            _createdAt: start + rnd.int(0, 60 * DAY),
            _orgs: rnd.pick(orgSets),
            title: `c${i}`,
            status: 'New',
            severity: 2,
            tags: rnd.sample(TAGS, rnd.int(0, 4)),
            ...restricted,
          }),
        );
      }
      const docs = await insertAll(s, fresh);
      // share, unshare, restrict, retag and delete some after insertion: the side table follows
      for (let i = 0; i < 60; i++) {
        const d = docs[i]!;
        const patch: Record<string, unknown> =
          i % 4 === 0
            ? { _orgs: ['oa', 'ob'] }
            : i % 4 === 1
              ? { _orgs: ['ob'], _restrictedTo: null }
              : i % 4 === 2
                ? { _restrictedTo: ['u1'] }
                : { tags: ['7', 'late'] };
        docs[i] = await s.update('case', d._id, patch, 'conformance@test');
      }
      for (let i = 60; i < 75; i++) await s.delete('case', docs[i]!._id);
      let live = docs.slice(0, 60).concat(docs.slice(75));
      const aggs: Agg[] = [terms('all', 'tags', 100, 'key', 'asc'), terms('top', 'tags', 3, 'count', 'desc')];
      const periods: Expr[] = [
        { kind: 'between', field: '_createdAt', from: start + 10 * DAY, to: start + 40 * DAY },
        { kind: 'compare', op: 'gte', field: '_createdAt', value: start + 30 * DAY },
        { kind: 'true' },
      ];
      const visibilities: Expr[] = [q.visible(['oa']), q.visible(['ob']), q.visible(['oa'], ['u1']), q.visible(['oa'], []), q.visible(['oa', 'oc']), q.true()];
      const check = async (label: string): Promise<void> => {
        for (const vis of visibilities) {
          for (const period of periods) {
            const where = q.and(vis, period);
            const r = await s.query({ entity: 'case', where, sort: [], output: { kind: 'aggregate', aggs } });
            const mine = live.filter((d) => evaluate(where, d));
            assert.deepEqual(r.kind === 'aggregate' ? r.result : undefined, aggregateDocs(mine, aggs), `${label}: ${JSON.stringify(where)}`);
          }
        }
      };
      await check('few values');
      // more distinct values than SQLite seeks one by one (2,000)
      const wide = await insertAll(s, [
        newDoc(s, 'case', {
          _createdAt: start + 35 * DAY,
          _orgs: ['oa'],
          title: 'wide',
          status: 'New',
          severity: 2,
          tags: Array.from({ length: 2100 }, (_, i) => `w${i}`),
        }),
        newDoc(s, 'case', { _createdAt: start + 36 * DAY, _orgs: ['oa', 'ob'], title: 'wide shared', status: 'New', severity: 2, tags: ['w1', 'w2', 'misp'] }),
      ]);
      live = live.concat(wide);
      await check('many values');
    });
  });
}
