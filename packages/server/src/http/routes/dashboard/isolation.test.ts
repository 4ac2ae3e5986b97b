/**
 * Dashboards and organisation isolation through sharing (issue 6, "Done when" 1 and 2): widgets
 * count what the caller may see and nothing else — B's cases never count in A's widgets, a case A
 * shares with B counts for B (once for A), a case restricted to one user counts for that user and
 * the owner's org-admin only, and unsharing takes it out of B's widgets again. The "top tags"
 * widgets of the default dashboards (last 30 days) are checked with exact numbers, since SQLite
 * answers them from its side table. Then bad widget definitions, hand-written and generated, on
 * the stats endpoint and on dashboard creation: always a 400 `{type, message}` naming the field,
 * never a 500.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type Client, type Creds, type TestWaggle, type TestOrg } from '../../../test/support.js';

let t: TestWaggle;
let a: TestOrg;
let bo: TestOrg;
let c: TestOrg;
let sharedCase: string;

const b = (key: unknown, count: number) => ({ key, count });

async function newCase(api: Client, title: string, tags: string[]): Promise<string> {
  const r = await api.post('/api/v1/case', { title, description: 'd', severity: 2, tags });
  assert.equal(r.status, 201, r.text);
  return r.body._id as string;
}

async function newAlert(api: Client, ref: string, tags: string[]): Promise<void> {
  const r = await api.post('/api/v1/alert', { type: 'misp', source: 'feed', sourceRef: ref, title: ref, description: 'd', tags });
  assert.equal(r.status, 201, r.text);
}

before(async () => {
  t = await testWaggle();
  a = await t.org('iso-a');
  bo = await t.org('iso-b');
  c = await t.org('iso-c');
  assert.equal((await t.admin.put(`/api/v1/organisation/${a.name}/link/${bo.name}`, {})).status, 204);
  const owner = t.as(a.analyst);
  await newCase(owner, 'a1', ['x', 'y']);
  sharedCase = await newCase(owner, 'a2', ['x']);
  const shared = await owner.post(`/api/v1/case/${sharedCase}/shares`, { shares: [{ organisation: bo.name, taskRule: 'all', observableRule: 'all' }] });
  assert.equal(shared.status, 200, shared.text);
  const secret = await newCase(owner, 'a3', ['x', 'secret']);
  const restricted = await owner.post(`/api/v1/case/${secret}/access`, { access: { _kind: 'UserAccessKind', users: [a.analyst.login] } });
  assert.equal(restricted.status, 204, restricted.text);
  await newCase(t.as(bo.analyst), 'b1', ['x', 'b-only']);
  await newCase(t.as(c.analyst), 'c1', ['x']);
  await newAlert(t.as(a.analyst), 'a-1', ['alpha', 'beta']);
  await newAlert(t.as(a.analyst), 'a-2', ['alpha']);
  await newAlert(t.as(bo.analyst), 'b-1', ['alpha', 'b-alert']);
});
after(async () => t.close());

const stats = async (who: Creds, body: Record<string, unknown>): Promise<unknown> => {
  const r = await t.as(who).post('/api/v1/dashboard/stats', body);
  assert.equal(r.status, 200, r.text);
  return r.body.result;
};

/** The results of a default dashboard's widgets as `who` sees them, by widget id. */
async function defaultWidgets(who: Creds, key: string): Promise<Record<string, unknown>> {
  const list = await t.as(who).get('/api/v1/dashboard');
  assert.equal(list.status, 200, list.text);
  const d = list.body.find((x: { defaultKey?: string }) => x.defaultKey === key);
  assert.ok(d, `default dashboard ${key}`);
  const w = await t.as(who).get(`/api/v1/dashboard/${d._id}/widgets`);
  assert.equal(w.status, 200, w.text);
  return Object.fromEntries(w.body.map((x: { id: string; result: unknown }) => [x.id, x.result]));
}

describe('organisation isolation through shared and restricted cases', () => {
  test('top case tags (default dashboard, last 30 days) and counts per user', async () => {
    const expected: Array<[Creds, string, unknown, number]> = [
      [a.analyst, 'A analyst (sees its restricted case)', { buckets: [b('x', 3), b('secret', 1), b('y', 1)] }, 3],
      [a.admin, "A org-admin (the owner's admins see restricted cases)", { buckets: [b('x', 3), b('secret', 1), b('y', 1)] }, 3],
      [a.readonly, 'A read-only (not in the restriction)', { buckets: [b('x', 2), b('y', 1)] }, 2],
      [bo.analyst, "B analyst (its case and A's shared one)", { buckets: [b('x', 2), b('b-only', 1)] }, 2],
      [c.analyst, 'C analyst (its own only)', { buckets: [b('x', 1)] }, 1],
    ];
    for (const [who, label, tags, count] of expected) {
      const w = await defaultWidgets(who, 'cases');
      assert.deepEqual(w.tags, tags, label);
      assert.deepEqual(await stats(who, { entity: 'case', period: 'last7Days', aggregation: { kind: 'terms', field: 'tags', size: 15 } }), tags, label);
      assert.equal(await stats(who, { entity: 'case', aggregation: { kind: 'count' } }), count, label);
      // the same numbers without a period (another path in SQLite)
      assert.deepEqual(await stats(who, { entity: 'case', period: 'all', aggregation: { kind: 'terms', field: 'tags', size: 15 } }), tags, label);
    }
  });

  test('top alert tags (default dashboard): B never counts in A, nor A in B', async () => {
    assert.deepEqual((await defaultWidgets(a.readonly, 'alerts')).tags, { buckets: [b('alpha', 2), b('beta', 1)] });
    assert.deepEqual((await defaultWidgets(bo.readonly, 'alerts')).tags, { buckets: [b('alpha', 1), b('b-alert', 1)] });
    assert.deepEqual((await defaultWidgets(c.readonly, 'alerts')).tags, { buckets: [] });
    assert.equal((await defaultWidgets(a.analyst, 'alerts')).count, 2);
  });

  test('a period that excludes everything gives empty buckets; unsharing takes the case out of B', async () => {
    const past = { from: Date.UTC(2020, 0, 1), to: Date.UTC(2020, 1, 1) };
    assert.deepEqual(await stats(a.analyst, { entity: 'case', period: past, aggregation: { kind: 'terms', field: 'tags' } }), { buckets: [] });
    const un = await t.as(a.analyst).delete(`/api/v1/case/${sharedCase}/shares`, { organisations: [bo.name] });
    assert.ok(un.status === 204 || un.status === 200, un.text);
    assert.deepEqual((await defaultWidgets(bo.analyst, 'cases')).tags, { buckets: [b('b-only', 1), b('x', 1)] });
    assert.deepEqual((await defaultWidgets(a.readonly, 'cases')).tags, { buckets: [b('x', 2), b('y', 1)] });
  });
});

describe('bad widget definitions: 400 naming the field, never a 500', () => {
  const nest = (depth: number): Record<string, unknown> => (depth === 0 ? { kind: 'count' } : { kind: 'terms', field: 'status', aggs: [nest(depth - 1)] });
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unknown entity', { entity: 'ticket', aggregation: { kind: 'count' } }, /^entity: /],
    ['entity of another type', { entity: 42, aggregation: { kind: 'count' } }, /entity/],
    ['unknown field', { entity: 'alert', aggregation: { kind: 'terms', field: 'nope' } }, /^aggregation\.field: unknown field "nope"/],
    ['internal field', { entity: 'case', aggregation: { kind: 'terms', field: '_orgs' } }, /^aggregation\.field: /],
    ['negative size', { entity: 'case', aggregation: { kind: 'terms', field: 'status', size: -1 } }, /^aggregation\.size: must be an integer from 1 to 1000/],
    ['huge size', { entity: 'case', aggregation: { kind: 'terms', field: 'status', size: 1e9 } }, /^aggregation\.size: /],
    ['fractional size', { entity: 'case', aggregation: { kind: 'terms', field: 'status', size: 2.5 } }, /^aggregation\.size: /],
    ['size as text', { entity: 'case', aggregation: { kind: 'terms', field: 'status', size: '10' } }, /^aggregation\.size: /],
    ['bad interval', { entity: 'case', aggregation: { kind: 'histogram', field: '_createdAt', interval: '-1d' } }, /^aggregation\.interval: /],
    ['bad time zone', { entity: 'case', aggregation: { kind: 'histogram', field: '_createdAt', timeZone: 'Europe/Atlantis' } }, /^aggregation\.timeZone: /],
    ['time zone not text', { entity: 'case', timeZone: 7, aggregation: { kind: 'count' } }, /timeZone/],
    ['too deep', { entity: 'case', aggregation: nest(8) }, /aggs\[0\].*nest at most/],
    ['aggregation not an object', { entity: 'case', aggregation: 'count' }, /^aggregation: /],
    ['aggs not a list', { entity: 'case', aggregation: { kind: 'terms', field: 'status', aggs: { kind: 'count' } } }, /^aggregation\.aggs: /],
    ['metric on text', { entity: 'case', aggregation: { kind: 'sum', field: 'title' } }, /^aggregation\.field: "title" of case is a string field/],
    ['bad order', { entity: 'case', aggregation: { kind: 'terms', field: 'status', order: 'random' } }, /^aggregation\.order: /],
    ['period bounds reversed', { entity: 'case', period: { from: 10, to: 5 }, aggregation: { kind: 'count' } }, /^period\.to: must be after from/],
    ['period bounds not numbers', { entity: 'case', period: { from: 'yesterday', to: 5 }, aggregation: { kind: 'count' } }, /^period\.from: /],
    ['histogram on text', { entity: 'alert', aggregation: { kind: 'histogram', field: 'source' } }, /^aggregation\.field: "source" of alert is a string field/],
    [
      'bad date field',
      { entity: 'case', dateField: 'title', aggregation: { kind: 'count' } },
      /^dateField: "title" of case is a string field; a date field is needed/,
    ],
    ['bad filter operator', { entity: 'case', filter: { _regex: { _field: 'title', _value: '.*' } }, aggregation: { kind: 'count' } }, /^filter: /],
  ];
  for (const [title, body, message] of bad) {
    test(title, async () => {
      const r = await t.as(a.analyst).post('/api/v1/dashboard/stats', body);
      assert.equal(r.status, 400, `${title}: ${r.text}`);
      assert.equal(typeof r.body.type, 'string', r.text);
      assert.match(r.body.message, message);
      // the same aggregation in a dashboard's widget: the message names the widget too
      const widget = { id: 'w', type: 'bar', layout: { x: 0, y: 0, w: 6, h: 4 }, ...body };
      const d = await t.as(a.analyst).post('/api/v1/dashboard', { title: 'bad', definition: { widgets: [widget] } });
      assert.equal(d.status, 400, `${title} in a dashboard: ${d.text}`);
      assert.ok(String(d.body.message).startsWith('widgets[0].'), d.body.message);
    });
  }

  test('generated shapes (seeded mutations of valid widgets): only 200 or 400 {type, message}', async () => {
    let seed = 6;
    const rnd = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const values: unknown[] = [null, -1, 0, 1e308, 'status', 'tags', '', 'x'.repeat(5000), [], {}, [1, 2], true, { kind: 'count' }, 'Europe/Paris', 'day'];
    const valid: Array<Record<string, unknown>> = [
      { entity: 'case', aggregation: { kind: 'terms', field: 'tags', size: 5, aggs: [{ kind: 'avg', field: 'severity' }] } },
      {
        entity: 'alert',
        period: 'last30Days',
        aggregation: { kind: 'histogram', field: '_createdAt', interval: 'day', aggs: [{ kind: 'terms', field: 'type' }] },
      },
      {
        entity: 'observable',
        filter: { _eq: { _field: 'ioc', _value: true } },
        aggregation: { kind: 'filter', filter: { _eq: { _field: 'sighted', _value: true } }, aggs: [{ kind: 'count' }] },
      },
    ];
    const mutate = (v: unknown, depth: number): unknown => {
      if (typeof v !== 'object' || v === null || depth > 4) return rnd() < 0.3 ? pick(values) : v;
      if (Array.isArray(v)) return v.map((x) => mutate(x, depth + 1));
      const o = { ...(v as Record<string, unknown>) };
      const keys = Object.keys(o);
      const k = pick([...keys, 'size', 'field', 'interval', 'timeZone', 'period', 'aggs', 'kind']);
      o[k] = rnd() < 0.5 ? pick(values) : mutate(o[k], depth + 1);
      return o;
    };
    const seen = new Set<number>();
    for (let i = 0; i < 150; i++) {
      const body = mutate(pick(valid), 0) as Record<string, unknown>;
      const r = await t.as(a.analyst).post('/api/v1/dashboard/stats', body);
      seen.add(r.status);
      assert.ok(r.status === 200 || r.status === 400, `${r.status} for ${JSON.stringify(body).slice(0, 300)}: ${r.text.slice(0, 300)}`);
      if (r.status === 400) {
        assert.equal(typeof r.body.type, 'string', r.text);
        assert.equal(typeof r.body.message, 'string', r.text);
      }
    }
    assert.ok(seen.has(400), 'some mutations are refused');
  });
});
