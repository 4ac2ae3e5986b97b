/**
 * Dashboards through the API (issue 6): every aggregation kind against seeded cases and alerts
 * with exact numbers (time zones across a DST change, a half-hour offset, empty buckets),
 * organisation isolation, TheHive 4's aggregation step of the Query API, dashboard CRUD and
 * permissions (private dashboards are invisible to others), validation naming the bad field,
 * default dashboards, and export from one instance then import into a fresh one.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type Client, type TestWaggle, type TestOrg } from '../../../test/support.js';

const U = (y: number, mo: number, d: number, h = 0, mi = 0): number => Date.UTC(y, mo - 1, d, h, mi);
const HOUR = 3_600_000;

/** Org A's cases: the expectations below are computed by hand from this table. */
const CASES_A = [
  { startDate: U(2024, 3, 30, 22, 30), severity: 1, tags: ['a', 'b'], status: 'New', assign: true }, // Paris 30 Mar 23:30 (+1)
  { startDate: U(2024, 3, 30, 23, 30), severity: 2, tags: ['a'], status: 'InProgress' }, // Paris 31 Mar 00:30 (+1)
  { startDate: U(2024, 3, 31, 21, 30), severity: 3, tags: ['b', 'c'], status: 'TruePositive', endDate: U(2024, 3, 31, 23, 30) }, // Paris 31 Mar 23:30 (+2)
  { startDate: U(2024, 3, 31, 22, 30), severity: 4, tags: [], status: 'FalsePositive', endDate: U(2024, 4, 1, 2, 30), impact: 'WithImpact' }, // Paris 1 Apr 00:30
  { startDate: U(2024, 4, 3, 12), severity: 2, tags: ['a', 'c'], status: 'New', assign: true },
];
const CASES_B = [
  { startDate: U(2024, 3, 31, 10), severity: 4, tags: ['a'], status: 'New' },
  { startDate: U(2024, 4, 1, 10), severity: 4, tags: ['a', 'z'], status: 'TruePositive', endDate: U(2024, 4, 2, 10) },
];
const ALERTS_A = [
  { type: 'misp', source: 'feed1' },
  { type: 'misp', source: 'feed2' },
  { type: 'email', source: 'feed1' },
];

async function seed(api: Client, org: TestOrg, cases: typeof CASES_A | typeof CASES_B, alerts: Array<{ type: string; source: string }>): Promise<void> {
  for (const [i, c] of cases.entries()) {
    const r = await api.post('/api/v1/case', {
      title: `case ${i}`,
      description: 'd',
      severity: c.severity,
      startDate: c.startDate,
      tags: c.tags,
      status: c.status,
      ...('endDate' in c ? { endDate: c.endDate } : {}),
      ...('assign' in c ? { assignee: org.analyst.login } : {}),
    });
    assert.equal(r.status, 201, r.text);
    if ('impact' in c) assert.equal((await api.patch(`/api/v1/case/${r.body._id}`, { impactStatus: c.impact })).status, 204);
  }
  for (const [i, a] of alerts.entries()) {
    const r = await api.post('/api/v1/alert', { ...a, sourceRef: `ref-${i}`, title: `alert ${i}`, description: 'd' });
    assert.equal(r.status, 201, r.text);
  }
}

const b = (key: unknown, count: number, aggs?: Record<string, unknown>) => ({ key, count, ...(aggs ? { aggs } : {}) });

let t: TestWaggle;
let a: TestOrg;
let bo: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('dash-a');
  bo = await t.org('dash-b');
  await seed(t.as(a.admin), a, CASES_A, ALERTS_A);
  await seed(t.as(bo.admin), bo, CASES_B, [{ type: 'misp', source: 'feedB' }]);
});
after(async () => t.close());

const stats = async (c: Client, body: Record<string, unknown>) => {
  const r = await c.post('/api/v1/dashboard/stats', body);
  assert.equal(r.status, 200, r.text);
  return r.body.result;
};

describe('stats endpoint: every aggregation kind with exact numbers', () => {
  test('count, per organisation (B never counts in A)', async () => {
    assert.equal(await stats(t.as(a.analyst), { entity: 'case', aggregation: { kind: 'count' } }), 5);
    assert.equal(await stats(t.as(bo.analyst), { entity: 'case', aggregation: { kind: 'count' } }), 2);
    assert.equal(await stats(t.as(a.readonly), { entity: 'alert', aggregation: { kind: 'count' } }), 3);
    // a filter on a value only B has finds nothing in A
    assert.equal(await stats(t.as(a.analyst), { entity: 'case', filter: { _eq: { _field: 'tags', _value: 'z' } }, aggregation: { kind: 'count' } }), 0);
  });

  test('terms on a column, tags, assignee and alert type/source; sizes and orders', async () => {
    const api = t.as(a.analyst);
    assert.deepEqual(await stats(api, { entity: 'case', aggregation: { kind: 'terms', field: 'status' } }), {
      buckets: [b('New', 2), b('FalsePositive', 1), b('InProgress', 1), b('TruePositive', 1)],
    });
    assert.deepEqual(await stats(api, { entity: 'case', aggregation: { kind: 'terms', field: 'tags', size: 2 } }), { buckets: [b('a', 3), b('b', 2)] });
    assert.deepEqual(await stats(api, { entity: 'case', aggregation: { kind: 'terms', field: 'severity', order: 'key', dir: 'desc' } }), {
      buckets: [b(4, 1), b(3, 1), b(2, 2), b(1, 1)],
    });
    assert.deepEqual(await stats(api, { entity: 'case', aggregation: { kind: 'terms', field: 'assignee' } }), { buckets: [b(a.analyst.login, 2)] });
    assert.deepEqual(await stats(api, { entity: 'case', aggregation: { kind: 'terms', field: 'impactStatus' } }), { buckets: [b('WithImpact', 1)] });
    assert.deepEqual(await stats(api, { entity: 'alert', aggregation: { kind: 'terms', field: 'type' } }), { buckets: [b('misp', 2), b('email', 1)] });
    assert.deepEqual(await stats(api, { entity: 'alert', aggregation: { kind: 'terms', field: 'source' } }), { buckets: [b('feed1', 2), b('feed2', 1)] });
    assert.deepEqual(await stats(t.as(bo.analyst), { entity: 'case', aggregation: { kind: 'terms', field: 'tags' } }), { buckets: [b('a', 2), b('z', 1)] });
  });

  test('metrics: sum, avg, min, max, and the derived case duration', async () => {
    const api = t.as(a.analyst);
    const m = async (kind: string, field: string, filter?: unknown) =>
      stats(api, { entity: 'case', ...(filter ? { filter } : {}), aggregation: { kind, field } });
    assert.equal(await m('sum', 'severity'), 12);
    assert.equal(await m('avg', 'severity'), 2.4);
    assert.equal(await m('min', 'severity'), 1);
    assert.equal(await m('max', 'severity'), 4);
    const closed = { _eq: { _field: 'stage', _value: 'Closed' } };
    assert.equal(await m('avg', 'duration', closed), 3 * HOUR); // (2 h + 4 h) / 2
    assert.equal(await m('max', 'duration'), 4 * HOUR);
    assert.equal(await m('avg', 'duration', { _eq: { _field: 'status', _value: 'New' } }), null);
    assert.equal(await stats(t.as(bo.analyst), { entity: 'case', aggregation: { kind: 'sum', field: 'duration' } }), 24 * HOUR);
  });

  test('day histogram in Europe/Paris across the spring DST change, with empty buckets over the period', async () => {
    const r = await stats(t.as(a.analyst), {
      entity: 'case',
      period: { from: U(2024, 3, 29), to: U(2024, 4, 5) },
      dateField: 'startDate',
      aggregation: { kind: 'histogram', field: 'startDate', interval: 'day', timeZone: 'Europe/Paris' },
    });
    assert.deepEqual(r, {
      buckets: [
        b(U(2024, 3, 28, 23), 0),
        b(U(2024, 3, 29, 23), 1),
        b(U(2024, 3, 30, 23), 2), // 31 March lasts 23 hours
        b(U(2024, 3, 31, 22), 1),
        b(U(2024, 4, 1, 22), 0),
        b(U(2024, 4, 2, 22), 1),
        b(U(2024, 4, 3, 22), 0),
        b(U(2024, 4, 4, 22), 0),
      ],
    });
  });

  test('day histogram in Asia/Kolkata (UTC+5:30) with a nested terms', async () => {
    const r = await stats(t.as(a.analyst), {
      entity: 'case',
      period: { from: U(2024, 3, 30), to: U(2024, 4, 2) },
      dateField: 'startDate',
      aggregation: { kind: 'histogram', field: 'startDate', interval: 'day', timeZone: 'Asia/Kolkata', aggs: [{ kind: 'terms', field: 'status', size: 1 }] },
    });
    assert.deepEqual(r, {
      buckets: [
        b(U(2024, 3, 29, 18, 30), 0, { status: { buckets: [] } }),
        b(U(2024, 3, 30, 18, 30), 2, { status: { buckets: [b('InProgress', 1)] } }),
        b(U(2024, 3, 31, 18, 30), 2, { status: { buckets: [b('FalsePositive', 1)] } }),
        b(U(2024, 4, 1, 18, 30), 0, { status: { buckets: [] } }),
      ],
    });
  });

  test('filter aggregation with nested terms and metrics, Query API operators', async () => {
    const r = await stats(t.as(a.analyst), {
      entity: 'case',
      aggregation: {
        kind: 'filter',
        filter: { _or: [{ _eq: { _field: 'tags', _value: 'a' } }, { _gte: { _field: 'severity', _value: 4 } }] },
        aggs: [{ kind: 'terms', field: 'status', aggs: [{ kind: 'avg', field: 'severity' }] }, { kind: 'count' }],
      },
    });
    assert.deepEqual(r, {
      count: 4,
      aggs: {
        status: { buckets: [b('New', 2, { avg_severity: 1.5 }), b('FalsePositive', 1, { avg_severity: 4 }), b('InProgress', 1, { avg_severity: 2 })] },
        count: 4,
      },
    });
  });
});

describe('validation: 400 naming the bad field', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['unknown field', { entity: 'case', aggregation: { kind: 'terms', field: 'sevrity' } }, 'aggregation.field: unknown field "sevrity" of case'],
    ['unknown entity', { entity: 'cases', aggregation: { kind: 'count' } }, 'entity: must be one of'],
    ['unknown kind', { entity: 'case', aggregation: { kind: 'median', field: 'severity' } }, 'aggregation.kind: must be one of'],
    ['bad interval', { entity: 'case', aggregation: { kind: 'histogram', field: 'startDate', interval: 'fortnight' } }, 'aggregation.interval: must be'],
    [
      'bad time zone',
      { entity: 'case', aggregation: { kind: 'histogram', field: 'startDate', timeZone: 'Mars/Olympus' } },
      'aggregation.timeZone: unknown time zone',
    ],
    ['bad period', { entity: 'case', period: 'lastWeek', aggregation: { kind: 'count' } }, 'period: must be'],
    ['bad filter', { entity: 'case', filter: { _eq: { _field: 'nope', _value: 1 } }, aggregation: { kind: 'count' } }, 'filter: unknown field "nope" of case'],
    [
      'nested bad field',
      { entity: 'alert', aggregation: { kind: 'terms', field: 'type', aggs: [{ kind: 'sum', field: 'duration' }] } },
      'aggregation.aggs[0].field: unknown field "duration" of alert',
    ],
    [
      'too many buckets',
      { entity: 'case', period: { from: U(2023, 1, 1), to: U(2024, 1, 1) }, aggregation: { kind: 'histogram', field: 'startDate', interval: '5m' } },
      'too many buckets',
    ],
  ];
  for (const [title, body, message] of cases) {
    test(title, async () => {
      const r = await t.as(a.analyst).post('/api/v1/dashboard/stats', body);
      assert.equal(r.status, 400, r.text);
      assert.ok(['BadRequest', 'SearchError'].includes(r.body.type), r.text);
      assert.ok(String(r.body.message).includes(message), `${r.body.message} should include ${message}`);
    });
  }

  test('a dashboard with a bad widget is refused and names the widget', async () => {
    const widgets = [
      { id: 'w0', type: 'counter', entity: 'case', aggregation: { kind: 'count' }, layout: { x: 0, y: 0, w: 3, h: 2 } },
      { id: 'w1', type: 'text', markdown: '# hello', layout: { x: 3, y: 0, w: 3, h: 2 } },
      { id: 'w2', type: 'bar', entity: 'case', aggregation: { kind: 'terms', field: 'sevrity' }, layout: { x: 6, y: 0, w: 6, h: 4 } },
    ];
    const r = await t.as(a.analyst).post('/api/v1/dashboard', { title: 'bad', definition: { widgets } });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.body, { type: 'BadRequest', message: 'widgets[2].aggregation.field: unknown field "sevrity" of case' });
    const bad = await t.as(a.analyst).post('/api/v1/dashboard', { title: 'bad', definition: { widgets: [{ ...widgets[0], type: 'radar' }] } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /^widgets\[0\]\.type: must be one of/);
    const layout = await t
      .as(a.analyst)
      .post('/api/v1/dashboard', { title: 'bad', definition: { widgets: [{ ...widgets[0], layout: { x: 0, y: 0, w: 0, h: 1 } }] } });
    assert.equal(layout.status, 400);
    assert.match(layout.body.message, /^widgets\[0\]\.layout\.w: must be an integer/);
    const status = await t.as(a.analyst).post('/api/v1/dashboard', { title: 'bad', status: 'public' });
    assert.equal(status.status, 400);
    assert.match(status.body.message, /^status: must be "Private" or "Shared"/);
  });
});

describe("TheHive 4's aggregation step in the Query API", () => {
  test('field, count, metrics and time aggregations in TheHive output shapes', async () => {
    const api = t.as(a.analyst);
    const q = async (agg: Record<string, unknown>, filter?: unknown) => {
      const r = await api.query([{ _name: 'listCase' }, ...(filter ? [{ _name: 'filter', ...filter }] : []), { _name: 'aggregation', ...agg }]);
      assert.equal(r.status, 200, r.text);
      return r.body;
    };
    assert.deepEqual(await q({ _agg: 'field', _field: 'status', _select: [{ _agg: 'count' }] }), {
      New: { count: 2 },
      FalsePositive: { count: 1 },
      InProgress: { count: 1 },
      TruePositive: { count: 1 },
    });
    assert.deepEqual(
      await q({ _agg: 'field', _field: 'tags', _order: ['_key'], _size: 2, _select: [{ _agg: 'avg', _field: 'severity' }, { _agg: 'count' }] }),
      {
        a: { avg_severity: 5 / 3, count: 3 },
        b: { avg_severity: 2, count: 2 },
      },
    );
    assert.deepEqual(await q({ _agg: 'count' }, { _gte: { _field: 'severity', _value: 3 } }), { count: 2 });
    assert.deepEqual(await q({ _agg: 'max', _field: 'severity' }), { max_severity: 4 });
    assert.deepEqual(await q({ _agg: 'field', _field: 'impactStatus', _select: [{ _agg: 'min', _field: 'severity', _name: 'least' }] }), {
      WithImpact: { least: 4 },
    });
    assert.deepEqual(await q({ _agg: 'time', _fields: ['startDate'], _interval: '1d', _select: [{ _agg: 'count' }] }), {
      [U(2024, 3, 30)]: { startDate: { count: 2 } },
      [U(2024, 3, 31)]: { startDate: { count: 2 } },
      [U(2024, 4, 1)]: { startDate: { count: 0 } },
      [U(2024, 4, 2)]: { startDate: { count: 0 } },
      [U(2024, 4, 3)]: { startDate: { count: 1 } },
    });
    // B's alerts never count in A's
    const alerts = await api.query([{ _name: 'listAlert' }, { _name: 'aggregation', _agg: 'field', _field: 'source' }]);
    assert.deepEqual(alerts.body, { feed1: { count: 2 }, feed2: { count: 1 } });
    const bad = await api.query([{ _name: 'listCase' }, { _name: 'aggregation', _agg: 'field', _field: 'sevrity' }]);
    assert.equal(bad.status, 400, bad.text);
  });
});

const WIDGETS = [
  { id: 'count', type: 'counter', entity: 'case', period: 'all', aggregation: { kind: 'count' }, layout: { x: 0, y: 0, w: 3, h: 2 } },
  { id: 'status', type: 'donut', entity: 'case', period: 'all', aggregation: { kind: 'terms', field: 'status' }, layout: { x: 3, y: 0, w: 3, h: 4 } },
  {
    id: 'days',
    type: 'bar',
    stacked: true,
    entity: 'case',
    dateField: 'startDate',
    period: { from: U(2024, 3, 29), to: U(2024, 4, 5) },
    aggregation: { kind: 'histogram', field: 'startDate', interval: 'day', timeZone: 'Europe/Paris', aggs: [{ kind: 'terms', field: 'tags' }] },
    layout: { x: 6, y: 0, w: 6, h: 4 },
  },
  { id: 'sources', type: 'line', entity: 'alert', period: 'last7Days', aggregation: { kind: 'terms', field: 'source' }, layout: { x: 0, y: 4, w: 6, h: 4 } },
  { id: 'note', type: 'text', title: 'Read me', markdown: '**Shift** notes', layout: { x: 6, y: 4, w: 6, h: 2 } },
];

describe('dashboards: CRUD, permissions, defaults, export and import', () => {
  test('private dashboards are their owner’s alone; sharing needs manageDashboard', async () => {
    const owner = t.as(a.analyst);
    const created = await owner.post('/api/v1/dashboard', { title: 'mine', description: 'd', status: 'private', definition: { widgets: WIDGETS } });
    assert.equal(created.status, 201, created.text);
    const d = created.body;
    assert.equal(d._type, 'Dashboard');
    assert.equal(d.status, 'Private');
    assert.equal(d.owner, a.analyst.login);
    assert.equal(d.writable, true);
    assert.equal((await owner.get(`/api/v1/dashboard/${d._id}`)).status, 200);
    // the org-admin, a read-only user of the same organisation and organisation B: not found, not listed
    for (const other of [a.admin, a.readonly, bo.admin]) {
      const c = t.as(other);
      assert.equal((await c.get(`/api/v1/dashboard/${d._id}`)).status, 404, other.login);
      assert.equal((await c.get(`/api/v1/dashboard/${d._id}/export`)).status, 404, other.login);
      assert.equal((await c.get(`/api/v1/dashboard/${d._id}/widgets`)).status, 404, other.login);
      assert.equal((await c.patch(`/api/v1/dashboard/${d._id}`, { title: 'x' })).status, 404, other.login);
      assert.equal((await c.delete(`/api/v1/dashboard/${d._id}`)).status, 404, other.login);
      assert.ok(!(await c.get('/api/v1/dashboard')).body.some((x: { _id: string }) => x._id === d._id), other.login);
      assert.deepEqual((await c.query([{ _name: 'listDashboard' }, { _name: 'filter', _eq: { _field: 'title', _value: 'mine' } }])).body, []);
    }
    // shared: the organisation sees it; read-only users cannot change it; B still cannot see it
    const shared = await owner.patch(`/api/v1/dashboard/${d._id}`, { status: 'Shared' });
    assert.equal(shared.status, 200, shared.text);
    assert.equal(shared.body.status, 'Shared');
    const ro = t.as(a.readonly);
    const seen = await ro.get(`/api/v1/dashboard/${d._id}`);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.writable, false);
    assert.equal((await ro.patch(`/api/v1/dashboard/${d._id}`, { title: 'x' })).status, 403);
    assert.equal((await ro.delete(`/api/v1/dashboard/${d._id}`)).status, 403);
    assert.equal((await t.as(bo.admin).get(`/api/v1/dashboard/${d._id}`)).status, 404);
    const byAdmin = await t.as(a.admin).patch(`/api/v1/dashboard/${d._id}`, { title: 'ours' });
    assert.equal(byAdmin.status, 200, byAdmin.text);
    assert.equal(byAdmin.body.title, 'ours');
    // only the owner may take a shared dashboard back to private
    assert.equal((await t.as(a.admin).patch(`/api/v1/dashboard/${d._id}`, { status: 'Private' })).status, 403);
    // read-only users keep private dashboards but cannot share them
    assert.equal((await ro.post('/api/v1/dashboard', { title: 'ro', status: 'Shared' })).status, 403);
    const roPrivate = await ro.post('/api/v1/dashboard', { title: 'ro private' });
    assert.equal(roPrivate.status, 201, roPrivate.text);
    assert.equal((await ro.delete(`/api/v1/dashboard/${roPrivate.body._id}`)).status, 204);
    assert.equal((await ro.get(`/api/v1/dashboard/${roPrivate.body._id}`)).status, 404);
    // getDashboard in the Query API renders like GET
    const viaQuery = await owner.query([{ _name: 'getDashboard', idOrName: d._id }]);
    assert.deepEqual(viaQuery.body, [(await owner.get(`/api/v1/dashboard/${d._id}`)).body]);
  });

  test('audit and live stream: a private dashboard’s events reach its owner only', async () => {
    const owner = t.as(a.analyst);
    const ro = t.as(a.readonly);
    const other = t.as(bo.admin);
    const streams = await Promise.all([owner, ro, other].map(async (c) => (await c.post('/api/stream')).text));
    const p = await owner.post('/api/v1/dashboard', { title: 'secret plan' });
    const sh = await owner.post('/api/v1/dashboard', { title: 'team board', status: 'Shared' });
    assert.equal(p.status, 201);
    assert.equal(sh.status, 201);
    const events = async (c: Client, id: string) =>
      ((await c.get(`/api/stream/${id}`)).body as Array<{ objectType: string; objectId: string; operation: string }>).filter(
        (e) => e.objectType === 'Dashboard',
      );
    assert.deepEqual(
      (await events(owner, streams[0]!)).map((e) => [e.operation, e.objectId]),
      [
        ['create', p.body._id],
        ['create', sh.body._id],
      ],
    );
    assert.deepEqual(
      (await events(ro, streams[1]!)).map((e) => [e.operation, e.objectId]),
      [['create', sh.body._id]],
    );
    // B hears nothing of A: its stream is still empty, so only a B event ends its long poll
    await t.as(bo.admin).post('/api/v1/dashboard', { title: 'b board' });
    assert.deepEqual(
      (await events(other, streams[2]!)).map((e) => e.objectId).filter((id) => id === p.body._id || id === sh.body._id),
      [],
    );
  });

  test('default dashboards exist once per organisation, and their widgets answer', async () => {
    const list = await t.as(a.readonly).get('/api/v1/dashboard');
    assert.equal(list.status, 200, list.text);
    const defaults = list.body.filter((d: { defaultKey?: string }) => d.defaultKey);
    assert.deepEqual(defaults.map((d: { defaultKey: string }) => d.defaultKey).sort(), ['alerts', 'analyzers', 'cases', 'observables']);
    assert.ok(defaults.every((d: { status: string }) => d.status === 'Shared'));
    await t.running.services.dashboards.ensureDefaultsForAll(); // as at start-up: idempotent
    await t.running.services.dashboards.ensureDefaults(a.id, a.name);
    const again = await t.as(a.readonly).get('/api/v1/dashboard');
    assert.equal(again.body.filter((d: { defaultKey?: string }) => d.defaultKey).length, 4);
    const cases = defaults.find((d: { defaultKey: string }) => d.defaultKey === 'cases');
    const w = await t.as(a.readonly).get(`/api/v1/dashboard/${cases._id}/widgets`);
    assert.equal(w.status, 200, w.text);
    const byId = Object.fromEntries(w.body.map((x: { id: string; result: unknown }) => [x.id, x.result]));
    assert.equal(byId.open, 3); // open cases, all time
    assert.deepEqual(byId.assignee, { buckets: [b(a.analyst.login, 2)] });
    const alerts = defaults.find((d: { defaultKey: string }) => d.defaultKey === 'alerts');
    const aw = await t.as(a.readonly).get(`/api/v1/dashboard/${alerts._id}/widgets`);
    const ab = Object.fromEntries(aw.body.map((x: { id: string; result: unknown }) => [x.id, x.result]));
    assert.equal(ab.count, 3); // created just now: inside the last 30 days
    assert.deepEqual(ab.source, { buckets: [b('feed1', 2), b('feed2', 1)] });
    // a new organisation gets them too
    const fresh = await t.org('dash-fresh');
    const l = await t.as(fresh.analyst).get('/api/v1/dashboard');
    assert.equal(l.body.filter((d: { defaultKey?: string }) => d.defaultKey).length, 4);
  });

  test('export from one instance, import into a fresh one: same widgets, same numbers for the same data', async () => {
    const src = t.as(a.analyst);
    const created = await src.post('/api/v1/dashboard', {
      title: 'portable',
      description: 'travels',
      status: 'Shared',
      definition: JSON.stringify({ widgets: WIDGETS }),
    });
    assert.equal(created.status, 201, created.text);
    const exported = await src.get(`/api/v1/dashboard/${created.body._id}/export`);
    assert.equal(exported.status, 200, exported.text);
    const text = exported.text;
    for (const secret of [created.body._id, a.id, a.analyst.login]) assert.ok(!text.includes(secret), `the export holds ${secret}`);
    const before = (await src.get(`/api/v1/dashboard/${created.body._id}/widgets`)).body;

    const t2 = await testWaggle();
    try {
      const o2 = await t2.org('elsewhere');
      await seed(t2.as(o2.admin), o2, CASES_A, ALERTS_A);
      const imported = await t2.as(o2.analyst).post('/api/v1/dashboard/_import', exported.body);
      assert.equal(imported.status, 201, imported.text);
      assert.equal(imported.body.title, 'portable');
      assert.equal(imported.body.status, 'Shared');
      assert.equal(imported.body.owner, o2.analyst.login);
      assert.deepEqual(imported.body.definition, created.body.definition);
      const after = (await t2.as(o2.analyst).get(`/api/v1/dashboard/${imported.body._id}/widgets`)).body;
      // "last 7 days" ends at the time of the request: compare results, and the bounds of fixed periods
      const stable = (ws: Array<{ id: string; period?: unknown }>) => ws.map((w) => (w.id === 'sources' ? { ...w, period: undefined } : w));
      assert.deepEqual(stable(after), stable(before));
      const days = before.find((w: { id: string }) => w.id === 'days').result;
      assert.deepEqual(
        days.buckets.map((x: { count: number }) => x.count),
        [0, 1, 2, 1, 0, 1, 0, 0],
      );
      const bad = await t2.as(o2.analyst).post('/api/v1/dashboard/_import', { ...exported.body, format: 'grafana' });
      assert.equal(bad.status, 400);
    } finally {
      await t2.close();
    }
  });
});
