/**
 * Dashboard definitions as the server stores them (`packages/server/src/services/dashboard-definition.ts`)
 * and the pure helpers the editor and the view share: the widget form state and its conversion
 * to and from a widget, filter rows <-> Query API filters, the stats request of a widget, the
 * click-through URL of a bar or slice, grid moves and resizes, and the widget a server
 * validation error names. No DOM here (tested with node:test in `model.test.ts`).
 */

export type WidgetType = 'bar' | 'donut' | 'pie' | 'line' | 'area' | 'multiline' | 'counter' | 'text';
export type Period = 'last7Days' | 'last30Days' | 'last90Days' | 'all' | { from: number; to: number };

export interface AggSpec {
  kind: string;
  name?: string;
  field?: string;
  size?: number;
  order?: string;
  dir?: string;
  interval?: string;
  timeZone?: string;
  filter?: unknown;
  aggs?: AggSpec[];
}

export interface Layout {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Widget {
  id: string;
  type: WidgetType;
  title?: string;
  entity?: string;
  filter?: unknown;
  period?: Period;
  dateField?: string;
  timeZone?: string;
  aggregation?: AggSpec;
  stacked?: boolean;
  markdown?: string;
  layout: Layout;
}

export interface Definition {
  period?: Period;
  timeZone?: string;
  widgets: Widget[];
}

export interface Dashboard {
  _id: string;
  title: string;
  description: string;
  status: 'Private' | 'Shared';
  owner: string;
  writable: boolean;
  defaultKey?: string;
  definition: Definition;
}

export const WIDGET_TYPES: Array<[WidgetType, string]> = [
  ['bar', 'Bar'],
  ['donut', 'Donut'],
  ['pie', 'Pie'],
  ['line', 'Line over time'],
  ['area', 'Area over time'],
  ['multiline', 'Multi-line over time'],
  ['counter', 'Counter'],
  ['text', 'Text (markdown)'],
];

export const ENTITIES: Array<[string, string]> = [
  ['case', 'Cases'],
  ['alert', 'Alerts'],
  ['observable', 'Observables'],
  ['task', 'Tasks'],
  ['log', 'Task logs'],
  ['job', 'Analyzer jobs'],
  ['action', 'Responder actions'],
];

/** The `objectType` of the stream events that change a widget entity's numbers. */
export const STREAM_TYPES: Readonly<Record<string, string>> = {
  case: 'Case',
  alert: 'Alert',
  observable: 'Observable',
  task: 'Task',
  log: 'Log',
  job: 'case_artifact_job',
  action: 'action',
};

export type FieldType = 'string' | 'number' | 'date' | 'boolean';

const TIMES = ['timeToDetect', 'timeToTriage', 'timeToQualify', 'timeToAcknowledge'];
/** Fields offered per entity (hints: any field the server knows is accepted, custom fields as `customFields.<name>`). */
const CASE_AND_ALERT = ['status', 'stage', 'severity', 'tlp', 'pap', 'tags', 'assignee', 'flag', 'caseTemplate', 'title', '_createdAt', '_updatedAt'];
export const FIELDS: Readonly<Record<string, readonly string[]>> = {
  case: [
    ...CASE_AND_ALERT,
    'impactStatus',
    'number',
    '_createdBy',
    'startDate',
    'endDate',
    'closedDate',
    'duration',
    ...TIMES,
    'timeToResolve',
    'handlingDuration',
  ],
  alert: [...CASE_AND_ALERT, 'type', 'source', 'sourceRef', 'follow', 'read', 'date', 'observableCount', ...TIMES],
  observable: ['dataType', 'data', 'tags', 'ioc', 'sighted', 'tlp', 'pap', 'ignoreSimilarity', '_createdAt', 'startDate', 'sightedAt'],
  task: ['status', 'group', 'assignee', 'title', 'flag', 'mandatory', '_createdAt', 'startDate', 'endDate', 'dueDate', 'duration'],
  log: ['owner', '_createdBy', '_createdAt', 'date'],
  job: ['analyzerName', 'analyzerId', 'status', 'cortexId', '_createdAt', 'startDate', 'endDate', 'duration'],
  action: ['responderName', 'responderId', 'status', 'objectType', 'cortexId', '_createdAt', 'startDate', 'endDate', 'duration'],
};

const NUMBERS = new Set(['severity', 'tlp', 'pap', 'number', 'observableCount', 'duration', 'handlingDuration', 'timeToResolve', 'order', ...TIMES]);
const DATES = new Set(['_createdAt', '_updatedAt', 'startDate', 'endDate', 'closedDate', 'date', 'dueDate', 'sightedAt', 'lastSyncDate']);
const BOOLEANS = new Set(['flag', 'follow', 'read', 'ioc', 'sighted', 'ignoreSimilarity', 'mandatory']);

export function fieldType(field: string): FieldType {
  if (NUMBERS.has(field)) return 'number';
  if (DATES.has(field)) return 'date';
  if (BOOLEANS.has(field)) return 'boolean';
  return 'string';
}

/** Fields that hold milliseconds of elapsed time (counters show them as durations). */
export const isDurationField = (field: string | undefined): boolean =>
  !!field && (field === 'duration' || field === 'handlingDuration' || field.startsWith('timeTo'));

// ---- Filters ---------------------------------------------------------------------------------

/** The Query API operators a filter row can use (`_has`/`missing` take no value; `_in` a comma-separated list, `_between` "from, to"). */
export const OPERATORS: Array<[string, string]> = [
  ['_eq', '='],
  ['_ne', '≠'],
  ['_gt', '>'],
  ['_gte', '≥'],
  ['_lt', '<'],
  ['_lte', '≤'],
  ['_in', 'is one of'],
  ['_like', 'like (* wildcards)'],
  ['_startsWith', 'starts with'],
  ['_endsWith', 'ends with'],
  ['_match', 'matches the words'],
  ['_between', 'between (from, to)'],
  ['_has', 'is set'],
  ['missing', 'is not set'],
];

export interface FilterRow {
  field: string;
  op: string;
  value: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A form value as the JSON value the field takes (numbers, booleans, dates as epoch ms). */
export function typedValue(field: string, text: string): unknown {
  const t = fieldType(field);
  const s = text.trim();
  if (t === 'number' && s !== '' && Number.isFinite(Number(s))) return Number(s);
  if (t === 'boolean' && (s === 'true' || s === 'false')) return s === 'true';
  if (t === 'date' && s !== '') {
    if (/^-?\d+$/.test(s)) return Number(s);
    const ms = Date.parse(s);
    if (Number.isFinite(ms)) return ms;
  }
  return s;
}

function valueText(field: string, v: unknown): string {
  if (fieldType(field) === 'date' && typeof v === 'number') return new Date(v).toISOString();
  return String(v);
}

function rowFilter(r: FilterRow): Record<string, unknown> {
  const field = r.field.trim();
  switch (r.op) {
    case '_has':
      return { _has: field };
    case 'missing':
      return { _not: { _has: field } };
    case '_in':
      return {
        _in: {
          _field: field,
          _values: r.value
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean)
            .map((x) => typedValue(field, x)),
        },
      };
    case '_between': {
      const [from = '', to = ''] = r.value.split(',').map((x) => x.trim());
      return { _between: { _field: field, _from: typedValue(field, from), _to: typedValue(field, to) } };
    }
    case '_like':
    case '_startsWith':
    case '_endsWith':
    case '_match':
      return { [r.op]: { _field: field, _value: r.value } };
    default:
      return { [r.op]: { _field: field, _value: typedValue(field, r.value) } };
  }
}

/** The Query API filter of the rows (all must hold), or undefined without rows. */
export function rowsToFilter(rows: FilterRow[]): unknown {
  const used = rows.filter((r) => r.field.trim() !== '');
  if (used.length === 0) return undefined;
  if (used.length === 1) return rowFilter(used[0]!);
  return { _and: used.map(rowFilter) };
}

function filterRow(e: unknown): FilterRow | undefined {
  if (!isObj(e)) return undefined;
  const keys = Object.keys(e);
  if (keys.length === 2 && typeof e._field === 'string' && '_value' in e) return { field: e._field, op: '_eq', value: valueText(e._field, e._value) };
  if (keys.length !== 1) return undefined;
  const op = keys[0]!;
  const arg = e[op];
  if (op === '_has' && typeof arg === 'string') return { field: arg, op: '_has', value: '' };
  if (op === '_not' && isObj(arg) && Object.keys(arg).length === 1 && typeof arg._has === 'string') return { field: arg._has, op: 'missing', value: '' };
  if (!isObj(arg) || typeof arg._field !== 'string') return undefined;
  if (op === '_between' && '_from' in arg && '_to' in arg && Object.keys(arg).length === 3) {
    return { field: arg._field, op, value: `${valueText(arg._field, arg._from)}, ${valueText(arg._field, arg._to)}` };
  }
  if (op === '_in' && Array.isArray(arg._values)) {
    return { field: arg._field, op, value: arg._values.map((v) => valueText(arg._field as string, v)).join(', ') };
  }
  if (!OPERATORS.some(([o]) => o === op) || !('_value' in arg)) return undefined;
  const v = arg._value;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
  return { field: arg._field, op, value: valueText(arg._field, v) };
}

/** Rows for a filter, or undefined when the filter is more than a list of conditions that all hold (then it is edited as JSON). */
export function filterToRows(filter: unknown): FilterRow[] | undefined {
  if (filter === undefined || filter === null) return [];
  if (isObj(filter) && Object.keys(filter).length === 1 && Array.isArray(filter._and)) {
    const rows = filter._and.map(filterRow);
    return rows.every((r) => r !== undefined) ? rows : undefined;
  }
  const r = filterRow(filter);
  return r ? [r] : undefined;
}

// ---- The widget form -------------------------------------------------------------------------

export type PeriodChoice = '' | 'last7Days' | 'last30Days' | 'last90Days' | 'all' | 'custom';

export const PERIODS: Array<[PeriodChoice, string]> = [
  ['', "Dashboard's (default: all time)"],
  ['last7Days', 'Last 7 days'],
  ['last30Days', 'Last 30 days'],
  ['last90Days', 'Last 90 days'],
  ['all', 'All time'],
  ['custom', 'Custom dates'],
];

export const AGG_KINDS: Array<[string, string]> = [
  ['count', 'Count'],
  ['terms', 'Top values (terms)'],
  ['histogram', 'Over time (histogram)'],
  ['sum', 'Sum'],
  ['avg', 'Average'],
  ['min', 'Minimum'],
  ['max', 'Maximum'],
];

export const INTERVALS = ['1h', '6h', '12h', 'day', 'week', 'month', 'year'];

/** What the widget form edits; `filterRows` undefined means the filter is edited as JSON (`filterJson`). */
export interface WidgetForm {
  id: string;
  type: WidgetType;
  title: string;
  entity: string;
  filterRows?: FilterRow[];
  filterJson: string;
  period: PeriodChoice;
  from: string;
  to: string;
  dateField: string;
  kind: string;
  field: string;
  size: string;
  interval: string;
  splitField: string;
  splitSize: string;
  stacked: boolean;
  markdown: string;
  layout: Layout;
}

const dateInput = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Whether the form can show this aggregation (one level, plus one nested terms "split by"). */
function simpleAgg(a: AggSpec | undefined): boolean {
  if (!a) return true;
  const nested = a.aggs ?? [];
  if (nested.length > 1 || a.kind === 'filter' || a.order !== undefined || a.dir !== undefined || a.timeZone !== undefined) return false;
  const sub = nested[0];
  return (
    !sub || (sub.kind === 'terms' && !sub.aggs?.length && sub.order === undefined && sub.dir === undefined && (a.kind === 'terms' || a.kind === 'histogram'))
  );
}

/** The form of a widget, or undefined when it holds what the form cannot show (edit it as JSON). */
export function widgetToForm(w: Widget): WidgetForm | undefined {
  if (!simpleAgg(w.aggregation) || w.timeZone !== undefined) return undefined;
  const rows = filterToRows(w.filter);
  const a = w.aggregation ?? { kind: 'count' };
  const sub = a.aggs?.[0];
  const p = w.period;
  return {
    id: w.id,
    type: w.type,
    title: w.title ?? '',
    entity: w.entity ?? 'case',
    ...(rows ? { filterRows: rows } : {}),
    filterJson: w.filter === undefined ? '' : JSON.stringify(w.filter, null, 2),
    period: p === undefined ? '' : typeof p === 'object' ? 'custom' : p,
    from: typeof p === 'object' ? dateInput(p.from) : '',
    to: typeof p === 'object' ? dateInput(p.to - 1) : '',
    dateField: w.dateField ?? '',
    kind: a.kind,
    field: a.field ?? '',
    size: a.size === undefined ? '' : String(a.size),
    interval: a.interval ?? 'day',
    splitField: sub?.field ?? '',
    splitSize: sub?.size === undefined ? '' : String(sub.size),
    stacked: w.stacked ?? false,
    markdown: w.markdown ?? '',
    layout: w.layout,
  };
}

/** Thrown for form input that is not even sent (the server checks the rest and names the field). */
export class FormInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const DAY = 86_400_000;

/** The widget a form describes. Throws FormInputError for unparsable JSON or dates. */
export function formToWidget(f: WidgetForm): Widget {
  const base = { id: f.id, type: f.type, ...(f.title.trim() ? { title: f.title.trim() } : {}), layout: f.layout };
  if (f.type === 'text') return { ...base, markdown: f.markdown };
  let filter: unknown;
  if (f.filterRows) filter = rowsToFilter(f.filterRows);
  else if (f.filterJson.trim()) {
    try {
      filter = JSON.parse(f.filterJson);
    } catch {
      throw new FormInputError('filter', 'is not valid JSON');
    }
  }
  let period: Period | undefined;
  if (f.period === 'custom') {
    const from = Date.parse(f.from);
    const to = Date.parse(f.to);
    if (!Number.isFinite(from)) throw new FormInputError('period.from', 'choose a start date');
    if (!Number.isFinite(to)) throw new FormInputError('period.to', 'choose an end date');
    period = { from, to: to + DAY }; // the end date is included
  } else if (f.period) period = f.period;
  const size = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));
  const aggregation: AggSpec = { kind: f.kind };
  if (f.kind !== 'count') aggregation.field = f.field.trim();
  if (f.kind === 'terms' && size(f.size) !== undefined) aggregation.size = size(f.size);
  if (f.kind === 'histogram') aggregation.interval = f.interval;
  if ((f.kind === 'terms' || f.kind === 'histogram') && f.splitField.trim()) {
    aggregation.aggs = [{ kind: 'terms', field: f.splitField.trim(), ...(size(f.splitSize) !== undefined ? { size: size(f.splitSize) } : {}) }];
  }
  return {
    ...base,
    entity: f.entity,
    ...(filter !== undefined ? { filter } : {}),
    ...(period !== undefined ? { period } : {}),
    ...(f.dateField.trim() ? { dateField: f.dateField.trim() } : {}),
    aggregation,
    ...(f.type === 'bar' && f.stacked ? { stacked: true } : {}),
  };
}

/** The first free place (top to bottom, left to right) for a w × h widget. */
export function firstFit(widgets: Widget[], w: number, h: number): Layout {
  for (let y = 0; ; y++) {
    for (let x = 0; x + w <= COLUMNS; x++) {
      const l = { x, y, w, h };
      if (!widgets.some((o) => overlap(o.layout, l))) return l;
    }
  }
}

/** A new widget of `type` with a sensible aggregation, in the first free place of the grid. */
export function newWidget(type: WidgetType, widgets: Widget[]): Widget {
  const ids = new Set(widgets.map((w) => w.id));
  let n = widgets.length + 1;
  while (ids.has(`w${n}`)) n++;
  const small = type === 'counter';
  const layout = firstFit(widgets, small ? 3 : 6, small ? 2 : 4);
  const base = { id: `w${n}`, type, layout };
  switch (type) {
    case 'text':
      return { ...base, markdown: '' };
    case 'counter':
      return { ...base, entity: 'case', aggregation: { kind: 'count' } };
    case 'line':
    case 'area':
      return { ...base, entity: 'case', aggregation: { kind: 'histogram', field: '_createdAt', interval: 'day' } };
    case 'multiline':
      return { ...base, entity: 'case', aggregation: { kind: 'histogram', field: '_createdAt', interval: 'day', aggs: [{ kind: 'terms', field: 'status' }] } };
    default:
      return { ...base, entity: 'case', aggregation: { kind: 'terms', field: 'status', size: 10 } };
  }
}

/** The body of `POST /api/v1/dashboard/stats` for a widget of a dashboard (its period and time zone apply when the widget has none). */
export function statsBody(w: Widget, def: Pick<Definition, 'period' | 'timeZone'> = {}): Record<string, unknown> {
  const period = w.period ?? def.period;
  const timeZone = w.timeZone ?? def.timeZone;
  return {
    entity: w.entity,
    ...(w.filter !== undefined ? { filter: w.filter } : {}),
    ...(period !== undefined ? { period } : {}),
    ...(w.dateField !== undefined ? { dateField: w.dateField } : {}),
    ...(timeZone !== undefined ? { timeZone } : {}),
    aggregation: w.aggregation,
  };
}

// ---- Click-through ---------------------------------------------------------------------------

/** The lists that take filters in their URL, and which widget fields map to which URL parameter (see CaseList/AlertList `filtersOf`). */
const LISTS: Readonly<Record<string, { path: string; params: Readonly<Record<string, string>> }>> = {
  case: { path: '/cases', params: { status: 'status', severity: 'severity', tags: 'tags', assignee: 'assignee', flag: 'flag' } },
  alert: { path: '/alerts', params: { status: 'status', severity: 'severity', type: 'type', source: 'source', tags: 'tags' } },
};

type Key = string | number | boolean | null;

function paramValue(field: string, key: Key): string | undefined {
  if (field === 'flag') return key === true || key === 'true' ? '1' : undefined;
  if (key === null) return field === 'assignee' ? '-' : undefined;
  if (field === 'tags' && String(key).includes(',')) return undefined;
  return String(key);
}

/** The field of the top terms level and of the nested terms level ("split by") of an aggregation. */
export function pickFields(a: AggSpec | undefined): { outer?: string; inner?: string } {
  const sub = a?.aggs?.find((x) => x.kind === 'terms');
  return { ...(a?.kind === 'terms' && a.field ? { outer: a.field } : {}), ...(sub?.field ? { inner: sub.field } : {}) };
}

/** What the view knows of a click beyond the chart: the period the server answered for, and the end of a clicked time bucket. */
export interface PickContext {
  period?: { from: number; to: number };
  /** The start of the next time bucket (or the period's end) when a histogram bucket was clicked. */
  bucketEnd?: number;
  /** A label for the list's "filtered from a dashboard" note (widget title and bucket). */
  label?: string;
}

/** A condition on `field` equal to a bucket key (`null`: the field is missing). */
const keyCondition = (field: string, key: Key): unknown => (key === null ? { _not: { _has: field } } : { _eq: { _field: field, _value: key } });

/**
 * The filtered list a click on a bar, slice or point opens, showing exactly the documents the
 * bucket counted: the clicked bucket key (terms, or a time bucket of a histogram) and series
 * (nested terms), the widget's filter and its period. What the list's filter form shows goes in
 * its own URL parameters (`status=New`); the rest (the period, other operators and fields, a time
 * bucket) goes in `where`, a JSON array of Query API conditions the list ANDs with its own, and
 * `whereLabel` names where they came from. Undefined for entities without a list, and for a time
 * bucket whose end is unknown.
 */
export function clickThrough(w: Widget, pick: { key?: Key; series?: string }, ctx: PickContext = {}): string | undefined {
  const list = w.entity ? LISTS[w.entity] : undefined;
  if (!list) return undefined;
  const a = w.aggregation;
  const { outer, inner } = pickFields(a);
  const params = new URLSearchParams();
  const where: unknown[] = [];
  const rows = filterToRows(w.filter);
  if (rows === undefined) where.push(w.filter);
  else {
    const parts = rows.length > 1 && isObj(w.filter) && Array.isArray(w.filter._and) ? (w.filter._and as unknown[]) : [w.filter];
    rows.forEach((r, i) => {
      const p = list.params[r.field];
      // the list's flag box only says "flagged"; "not flagged" stays a condition
      if (p && r.op === '_eq' && r.value !== '' && (r.field !== 'flag' || r.value === 'true')) params.set(p, r.field === 'flag' ? '1' : r.value);
      else if (parts[i] !== undefined) where.push(parts[i]);
    });
  }
  let picked = false;
  const add = (field: string | undefined, key: Key | undefined) => {
    if (!field || key === undefined) return;
    const p = list.params[field];
    const v = p ? paramValue(field, key) : undefined;
    if (p && v !== undefined) params.set(p, v);
    else where.push(keyCondition(field, key));
    picked = true;
  };
  if (a?.kind === 'histogram' && a.field && typeof pick.key === 'number' && ctx.bucketEnd !== undefined) {
    where.push({ _between: { _field: a.field, _from: pick.key, _to: ctx.bucketEnd } });
    picked = true;
  } else if (a?.kind !== 'histogram') add(outer, pick.key);
  add(inner, pick.series);
  if (!picked) return undefined;
  if (ctx.period) where.push({ _between: { _field: w.dateField ?? '_createdAt', _from: ctx.period.from, _to: ctx.period.to } });
  for (const [k, v] of [...params]) if (v === '') params.delete(k);
  if (where.length) {
    params.set('where', JSON.stringify(where));
    params.set('whereLabel', ctx.label ?? (w.title || w.id));
  }
  return `${list.path}?${params.toString()}`;
}

// ---- Layout ----------------------------------------------------------------------------------

export const COLUMNS = 12;

const overlap = (a: Layout, b: Layout): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Pushes widgets that overlap the one with `id` down below it, repeatedly, so no two overlap. */
export function settle(widgets: Widget[], id: string): Widget[] {
  const out = widgets.map((w) => ({ ...w, layout: { ...w.layout } }));
  const queue = [id];
  for (let guard = 0; queue.length && guard < 10_000; guard++) {
    const moved = out.find((w) => w.id === queue[0])!;
    queue.shift();
    for (const o of out) {
      if (o.id === moved.id || !overlap(o.layout, moved.layout)) continue;
      o.layout.y = moved.layout.y + moved.layout.h;
      queue.push(o.id);
    }
  }
  return out;
}

/** Moves (dx, dy) or resizes (dw, dh) one widget within the 12-column grid; others make room. */
export function changeLayout(widgets: Widget[], id: string, d: { dx?: number; dy?: number; dw?: number; dh?: number }): Widget[] {
  const next = widgets.map((w) => {
    if (w.id !== id) return w;
    const l = w.layout;
    const width = Math.min(COLUMNS, Math.max(1, l.w + (d.dw ?? 0)));
    const height = Math.min(100, Math.max(1, l.h + (d.dh ?? 0)));
    const x = Math.min(COLUMNS - width, Math.max(0, l.x + (d.dx ?? 0)));
    const y = Math.min(1000, Math.max(0, l.y + (d.dy ?? 0)));
    return { ...w, layout: { x, y, w: width, h: height } };
  });
  return settle(next, id);
}

// ---- Server errors ---------------------------------------------------------------------------

/**
 * Splits a dashboard validation message (`widgets[2].aggregation.field: unknown field ...`) into
 * the widget index, the field path inside the widget, and the message. Paths without a widget
 * (`title: ...`) give only `field`.
 */
export function errorTarget(message: string): { widget?: number; field?: string; text: string } {
  const m = /^widgets\[(\d+)\](?:\.([\w.[\]]+))?: (.*)$/s.exec(message);
  if (m) return { widget: Number(m[1]), ...(m[2] ? { field: m[2] } : {}), text: m[3]! };
  const t = /^([a-zA-Z][\w.[\]]*): (.*)$/s.exec(message);
  if (t) return { field: t[1]!, text: t[2]! };
  return { text: message };
}

/** A safe file name for downloads. */
export const fileName = (title: string, fallback: string): string =>
  title
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase() || fallback;

/** Elapsed milliseconds as "3 d 4 h", "2 h 5 min", "42 s". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min`;
  return `${s} s`;
}
