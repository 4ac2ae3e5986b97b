// The dashboard editor's pure helpers: filter rows, the widget form, stats bodies, click-through
// URLs, grid moves and server error paths (node:test; the browser parts are in test/e2e/dashboards).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  changeLayout,
  clickThrough,
  errorTarget,
  filterToRows,
  formatDuration,
  formToWidget,
  FormInputError,
  newWidget,
  rowsToFilter,
  statsBody,
  widgetToForm,
  type Widget,
} from './model';

test('filter rows become Query API filters with typed values, and come back', () => {
  const rows = [
    { field: 'status', op: '_eq', value: 'New' },
    { field: 'severity', op: '_gte', value: '3' },
    { field: 'flag', op: '_eq', value: 'true' },
    { field: 'tags', op: '_in', value: 'phishing, malware' },
    { field: 'assignee', op: 'missing', value: '' },
    { field: '_createdAt', op: '_lt', value: '2024-03-01T00:00:00.000Z' },
    { field: 'severity', op: '_between', value: '2, 4' },
    { field: 'title', op: '_match', value: 'phishing wave' },
    { field: '', op: '_eq', value: 'ignored: no field' },
  ];
  const filter = rowsToFilter(rows);
  assert.deepEqual(filter, {
    _and: [
      { _eq: { _field: 'status', _value: 'New' } },
      { _gte: { _field: 'severity', _value: 3 } },
      { _eq: { _field: 'flag', _value: true } },
      { _in: { _field: 'tags', _values: ['phishing', 'malware'] } },
      { _not: { _has: 'assignee' } },
      { _lt: { _field: '_createdAt', _value: Date.UTC(2024, 2, 1) } },
      { _between: { _field: 'severity', _from: 2, _to: 4 } },
      { _match: { _field: 'title', _value: 'phishing wave' } },
    ],
  });
  // back to the same rows (the one without a field was dropped)
  assert.deepEqual(filterToRows(filter), rows.slice(0, -1));
  assert.equal(rowsToFilter([]), undefined);
  assert.deepEqual(rowsToFilter([{ field: 'ioc', op: '_has', value: '' }]), { _has: 'ioc' });
  // the shorthand {_field, _value} is an equality
  assert.deepEqual(filterToRows({ _field: 'type', _value: 'misp' }), [{ field: 'type', op: '_eq', value: 'misp' }]);
});

test('filters the rows cannot show (or, nesting) are left to the JSON editor', () => {
  assert.equal(filterToRows({ _or: [{ _eq: { _field: 'status', _value: 'New' } }] }), undefined);
  assert.equal(filterToRows({ _and: [{ _not: { _eq: { _field: 'stage', _value: 'Closed' } } }] }), undefined);
  assert.deepEqual(filterToRows(undefined), []);
});

test('a widget survives the round trip through the form', () => {
  const w: Widget = {
    id: 'w1',
    type: 'bar',
    title: 'Cases by status over time',
    entity: 'case',
    filter: { _eq: { _field: 'severity', _value: 3 } },
    period: 'last30Days',
    aggregation: { kind: 'histogram', field: '_createdAt', interval: 'week', aggs: [{ kind: 'terms', field: 'status', size: 5 }] },
    stacked: true,
    layout: { x: 6, y: 0, w: 6, h: 4 },
  };
  const f = widgetToForm(w);
  assert.ok(f);
  assert.deepEqual(formToWidget(f), w);
  const custom = formToWidget({ ...f, period: 'custom', from: '2024-03-01', to: '2024-03-31' });
  assert.deepEqual(custom.period, { from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 3, 1) });
  assert.throws(
    () => formToWidget({ ...f, period: 'custom', from: '', to: '2024-03-31' }),
    (e: unknown) => e instanceof FormInputError && e.field === 'period.from',
  );
  const text: Widget = { id: 't', type: 'text', title: 'Notes', markdown: '# Hi', layout: { x: 0, y: 0, w: 4, h: 2 } };
  assert.deepEqual(formToWidget(widgetToForm(text)!), text);
});

test('widgets with nested aggregations or an "or" filter open as JSON (the form would lose them)', () => {
  const base = { id: 'x', type: 'bar' as const, entity: 'case', layout: { x: 0, y: 0, w: 6, h: 4 } };
  assert.equal(
    widgetToForm({ ...base, aggregation: { kind: 'terms', field: 'status', aggs: [{ kind: 'terms', field: 'severity', aggs: [{ kind: 'count' }] }] } }),
    undefined,
  );
  assert.equal(widgetToForm({ ...base, aggregation: { kind: 'filter', filter: {} } }), undefined);
  const f = widgetToForm({ ...base, filter: { _or: [] }, aggregation: { kind: 'count' } });
  assert.ok(f);
  assert.equal(f.filterRows, undefined);
  assert.throws(
    () => formToWidget({ ...f, filterJson: '{nope' }),
    (e: unknown) => e instanceof FormInputError && e.field === 'filter',
  );
});

test('new widgets get a free id, a working aggregation, and the first free place of the grid', () => {
  const a = newWidget('donut', []);
  assert.equal(a.id, 'w1');
  assert.deepEqual(a.aggregation, { kind: 'terms', field: 'status', size: 10 });
  assert.deepEqual(a.layout, { x: 0, y: 0, w: 6, h: 4 });
  const b = newWidget('multiline', [a]);
  assert.equal(b.id, 'w2');
  assert.deepEqual(b.layout, { x: 6, y: 0, w: 6, h: 4 });
  // the row is full: below, at the left
  assert.deepEqual(newWidget('counter', [a, b]).layout, { x: 0, y: 4, w: 3, h: 2 });
  assert.equal(b.aggregation?.kind, 'histogram');
  assert.equal(b.aggregation?.aggs?.[0]?.field, 'status');
  assert.equal(newWidget('counter', []).aggregation?.kind, 'count');
});

test('the stats body of a widget takes the dashboard period and time zone unless it has its own', () => {
  const w: Widget = { id: 'n', type: 'counter', entity: 'alert', aggregation: { kind: 'count' }, layout: { x: 0, y: 0, w: 3, h: 2 } };
  assert.deepEqual(statsBody(w, { period: 'last7Days', timeZone: 'Europe/Paris' }), {
    entity: 'alert',
    period: 'last7Days',
    timeZone: 'Europe/Paris',
    aggregation: { kind: 'count' },
  });
  assert.deepEqual(statsBody({ ...w, period: 'all', dateField: 'date' }, { period: 'last7Days' }), {
    entity: 'alert',
    period: 'all',
    dateField: 'date',
    aggregation: { kind: 'count' },
  });
});

test('click-through opens the list on exactly what the bucket counted', () => {
  const bar: Widget = { id: 'b', type: 'bar', entity: 'case', aggregation: { kind: 'terms', field: 'status' }, layout: { x: 0, y: 0, w: 6, h: 4 } };
  const where = (url: string | undefined): unknown => JSON.parse(new URL(url!, 'http://x').searchParams.get('where') ?? 'null');
  // what the list's filter form shows goes in its own parameters
  assert.equal(clickThrough(bar, { key: 'New' }), '/cases?status=New');
  assert.equal(clickThrough({ ...bar, aggregation: { kind: 'terms', field: 'assignee' } }, { key: null }), '/cases?assignee=-');
  assert.equal(clickThrough({ ...bar, aggregation: { kind: 'terms', field: 'flag' } }, { key: true }), '/cases?flag=1');
  // other operators of the widget filter, and its period, go in `where` (Query API conditions)
  const alerts: Widget = {
    ...bar,
    title: 'Phishing by status',
    entity: 'alert',
    filter: { _and: [{ _eq: { _field: 'source', _value: 'misp' } }, { _gt: { _field: 'severity', _value: 1 } }] },
    aggregation: { kind: 'terms', field: 'type', aggs: [{ kind: 'terms', field: 'status' }] },
  };
  const url = clickThrough(alerts, { key: 'phishing', series: 'New' }, { period: { from: 1000, to: 2000 } });
  const u = new URL(url!, 'http://x');
  assert.equal(u.pathname, '/alerts');
  assert.deepEqual(
    [...u.searchParams].filter(([k]) => !k.startsWith('where')),
    [
      ['source', 'misp'],
      ['type', 'phishing'],
      ['status', 'New'],
    ],
  );
  assert.deepEqual(where(url), [{ _gt: { _field: 'severity', _value: 1 } }, { _between: { _field: '_createdAt', _from: 1000, _to: 2000 } }]);
  assert.equal(u.searchParams.get('whereLabel'), 'Phishing by status');
  // a filter that is not a list of conditions is carried whole
  const orFilter = { _or: [{ _eq: { _field: 'severity', _value: 3 } }, { _eq: { _field: 'flag', _value: true } }] };
  assert.deepEqual(where(clickThrough({ ...bar, filter: orFilter }, { key: 'New' })), [orFilter]);
  // a time bucket: its range on the histogram's field, when the view knows where it ends
  const time: Widget = { ...bar, dateField: 'startDate', aggregation: { kind: 'histogram', field: 'startDate', aggs: [{ kind: 'terms', field: 'severity' }] } };
  assert.equal(clickThrough(time, { key: 1700000000000 }), undefined);
  const bucket = clickThrough(
    time,
    { key: 1700000000000, series: '3' },
    { bucketEnd: 1700086400000, period: { from: 1690000000000, to: 1710000000000 }, label: 'Per day · 2023-11-14' },
  );
  assert.equal(new URL(bucket!, 'http://x').searchParams.get('severity'), '3');
  assert.deepEqual(where(bucket), [
    { _between: { _field: 'startDate', _from: 1700000000000, _to: 1700086400000 } },
    { _between: { _field: 'startDate', _from: 1690000000000, _to: 1710000000000 } },
  ]);
  // fields the list's form lacks are conditions too; a missing value is "has no such field"
  assert.deepEqual(where(clickThrough({ ...bar, aggregation: { kind: 'terms', field: 'impactStatus' } }, { key: 'NoImpact' })), [
    { _eq: { _field: 'impactStatus', _value: 'NoImpact' } },
  ]);
  assert.deepEqual(where(clickThrough({ ...bar, aggregation: { kind: 'terms', field: 'resolutionStatus' } }, { key: null })), [
    { _not: { _has: 'resolutionStatus' } },
  ]);
  // entities without a list
  assert.equal(clickThrough({ ...bar, entity: 'observable', aggregation: { kind: 'terms', field: 'dataType' } }, { key: 'ip' }), undefined);
});

test('moving and resizing stay in the 12-column grid and push overlapped widgets down', () => {
  const at = (id: string, x: number, y: number, w: number, h: number): Widget => ({ id, type: 'counter', layout: { x, y, w, h } });
  const ws = [at('a', 0, 0, 6, 4), at('b', 6, 0, 6, 4), at('c', 6, 4, 6, 2)];
  const right = changeLayout(ws, 'a', { dx: 3 });
  assert.deepEqual(
    right.map((w) => [w.id, w.layout]),
    [
      ['a', { x: 3, y: 0, w: 6, h: 4 }],
      ['b', { x: 6, y: 4, w: 6, h: 4 }],
      ['c', { x: 6, y: 8, w: 6, h: 2 }],
    ],
  );
  // no further right than the grid allows, no narrower than 1, no higher than row 0
  assert.deepEqual(changeLayout(ws, 'b', { dx: 5 })[1]!.layout, { x: 6, y: 0, w: 6, h: 4 });
  assert.deepEqual(changeLayout(ws, 'a', { dw: -10, dy: -1 })[0]!.layout, { x: 0, y: 0, w: 1, h: 4 });
  const wider = changeLayout(ws, 'b', { dw: 1 });
  // wider at the right edge: it shifts left to stay in the grid, and pushes 'a' down
  assert.deepEqual(wider[1]!.layout, { x: 5, y: 0, w: 7, h: 4 });
  assert.deepEqual(wider[0]!.layout, { x: 0, y: 4, w: 6, h: 4 });
});

test('server validation messages point at the widget and the field they name', () => {
  assert.deepEqual(errorTarget('widgets[2].aggregation.field: unknown field "sevrity" of case'), {
    widget: 2,
    field: 'aggregation.field',
    text: 'unknown field "sevrity" of case',
  });
  assert.deepEqual(errorTarget('widgets[0]: must be an object'), { widget: 0, text: 'must be an object' });
  assert.deepEqual(errorTarget('aggregation.aggs[0].field: unknown field "x" of alert'), {
    field: 'aggregation.aggs[0].field',
    text: 'unknown field "x" of alert',
  });
  assert.deepEqual(errorTarget('title: must be a non-empty string'), { field: 'title', text: 'must be a non-empty string' });
  assert.deepEqual(errorTarget('Something else'), { text: 'Something else' });
});

test('durations read as days, hours and minutes', () => {
  assert.equal(formatDuration(42_000), '42 s');
  assert.equal(formatDuration(125 * 60_000), '2 h 5 min');
  assert.equal(formatDuration(3 * 86_400_000 + 4 * 3_600_000), '3 d 4 h');
});
