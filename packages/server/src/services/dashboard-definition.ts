/**
 * Dashboard definitions: validation of widgets (every error names the bad field by its path,
 * e.g. `widgets[2].aggregation.field: unknown field "sevrity" of case`) and their compilation to
 * IR aggregations. The format is Waggle's, portable between instances (no ids of organisations
 * or users):
 *
 *   { period?, timeZone?, widgets: [{ id, type, title?, entity, filter?, period?, dateField?,
 *       aggregation, stacked?, markdown?, layout: {x, y, w, h} }] }
 *
 * - `type`: bar (optionally `stacked`), donut, pie, line, area, multiline, counter, text (`markdown`);
 * - `entity`: case, alert, observable, task, log, job (analyzer jobs), action;
 * - `filter`: a Query API filter (`{"_and": [{"_eq": {"_field": "status", "_value": "New"}}]}`);
 * - `period`: `last7Days`, `last30Days`, `last90Days`, `all`, or `{from, to}` (epoch ms), applied
 *   to `dateField` (default `_createdAt`); histograms span the whole period (empty buckets);
 * - `aggregation`: `{kind: count}`, `{kind: terms, field, size?, order?: count|key, dir?, aggs?}`,
 *   `{kind: histogram, field, interval: day|week|month|year|<n>m|<n>h|<n>d, timeZone?, aggs?}`,
 *   `{kind: sum|avg|min|max, field}` (derived `duration` included), `{kind: filter, filter, aggs?}`;
 *   every node may carry a `name` (unique among its siblings).
 */
import type { Agg, Expr } from '../query/ir.js';
import { q } from '../query/ir.js';
import { parseFilter, type ParseLimits } from '../query/thehive-parser.js';
import { derivedField } from '../query/derived-fields.js';
import { entityDef, fieldDef } from '../entities/registry.js';
import { BadRequestError } from '../errors/errors.js';

export const WIDGET_TYPES = ['bar', 'donut', 'pie', 'line', 'area', 'multiline', 'counter', 'text'] as const;
export type WidgetType = (typeof WIDGET_TYPES)[number];

/** Widget entity names and the stored types they read. */
export const WIDGET_ENTITIES: Readonly<Record<string, string>> = {
  case: 'case',
  alert: 'alert',
  observable: 'observable',
  task: 'task',
  log: 'log',
  job: 'analyzerJob',
  action: 'action',
};

export type Period = 'last7Days' | 'last30Days' | 'last90Days' | 'all' | { from: number; to: number };
const PERIOD_DAYS: Record<string, number> = { last7Days: 7, last30Days: 30, last90Days: 90 };

export interface AggSpec {
  kind: 'count' | 'terms' | 'histogram' | 'sum' | 'avg' | 'min' | 'max' | 'filter';
  name?: string;
  field?: string;
  size?: number;
  order?: 'count' | 'key';
  dir?: 'asc' | 'desc';
  interval?: string;
  timeZone?: string;
  filter?: unknown;
  aggs?: AggSpec[];
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
  layout: { x: number; y: number; w: number; h: number };
}

export interface Definition {
  period?: Period;
  timeZone?: string;
  widgets: Widget[];
}

/** A widget query ready to run: the stored entity, its filter (without visibility) and one aggregation. */
export interface WidgetQuery {
  entity: string;
  where: Expr;
  agg: Agg;
  period?: { from: number; to: number };
}

const MAX_WIDGETS = 100;
const MAX_DEPTH = 4;
const DAY = 86_400_000;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (path: string, msg: string): never => {
  throw new BadRequestError(`${path}: ${msg}`);
};

function str(v: unknown, path: string, max = 1024): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) return fail(path, `must be a non-empty string of at most ${max} characters`);
  return v;
}

function optStr(v: unknown, path: string, max: number): string | undefined {
  return v === undefined || v === null ? undefined : typeof v === 'string' && v.length <= max ? v : fail(path, `must be a string of at most ${max} characters`);
}

/** Whether `tz` is an IANA time zone this runtime knows. */
export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function timeZone(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > 64 || !validTimeZone(v)) return fail(path, `unknown time zone ${JSON.stringify(v)}`);
  return v;
}

export function parsePeriod(v: unknown, path: string): Period | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') {
    if (v === 'all' || v in PERIOD_DAYS) return v as Period;
    return fail(path, `must be last7Days, last30Days, last90Days, all or {from, to}; got ${JSON.stringify(v).slice(0, 40)}`);
  }
  if (!isObj(v)) return fail(path, 'must be last7Days, last30Days, last90Days, all or {from, to}');
  const from = v.from;
  const to = v.to;
  if (typeof from !== 'number' || !Number.isFinite(from)) return fail(`${path}.from`, 'must be a date (epoch milliseconds)');
  if (typeof to !== 'number' || !Number.isFinite(to)) return fail(`${path}.to`, 'must be a date (epoch milliseconds)');
  if (to <= from) return fail(`${path}.to`, 'must be after from');
  return { from, to };
}

/** The bounds of a period at `now` (undefined for `all`). */
export function periodBounds(p: Period | undefined, now: number): { from: number; to: number } | undefined {
  if (p === undefined || p === 'all') return undefined;
  if (typeof p === 'object') return p;
  return { from: now - PERIOD_DAYS[p]! * DAY, to: now + 1 };
}

/** Checks that `field` exists for the stored type `entity` (or is derived); returns it. */
function checkField(entity: string, widgetEntity: string, v: unknown, path: string): string {
  const field = str(v, path, 200);
  const def = entityDef(entity);
  if (!fieldDef(def, field) && !derivedField(def, field)) return fail(path, `unknown field ${JSON.stringify(field)} of ${widgetEntity}`);
  return field;
}

/**
 * `checkField`, and the field must hold numbers: an integer, float or date field, a derived
 * duration, or a custom field (whose type is per value; text values never count). `dates`
 * accepts date fields (and custom fields) only.
 */
function checkNumericField(entity: string, widgetEntity: string, v: unknown, path: string, dates = false): string {
  const field = checkField(entity, widgetEntity, v, path);
  const def = entityDef(entity);
  const type = derivedField(def, field) ? 'integer' : fieldDef(def, field)!.type;
  const ok = dates ? type === 'date' || type === 'json' : ['integer', 'float', 'date', 'json'].includes(type);
  if (!ok) fail(path, `${JSON.stringify(field)} of ${widgetEntity} is a ${type} field; ${dates ? 'a date' : 'a numeric or date'} field is needed`);
  return field;
}

/** Fields an expression reads. */
function exprFields(e: Expr, out: string[] = []): string[] {
  switch (e.kind) {
    case 'and':
    case 'or':
      for (const i of e.items) exprFields(i, out);
      break;
    case 'not':
      exprFields(e.item, out);
      break;
    case 'compare':
    case 'between':
    case 'in':
    case 'like':
    case 'match':
    case 'has':
      out.push(e.field);
      break;
    default:
      break;
  }
  return out;
}

/** Parses a Query API filter for `entity`, checking its field names. */
export function parseWidgetFilter(entity: string, widgetEntity: string, v: unknown, path: string, limits: ParseLimits): Expr {
  if (v === undefined || v === null) return q.true();
  let e: Expr;
  try {
    e = parseFilter(v, limits);
  } catch (err) {
    return fail(path, (err as Error).message);
  }
  const def = entityDef(entity);
  for (const f of exprFields(e)) if (!fieldDef(def, f)) fail(path, `unknown field ${JSON.stringify(f)} of ${widgetEntity}`);
  return e;
}

const INTERVALS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY };

/**
 * Validates an aggregation spec and compiles it to an IR aggregation for the stored type
 * `entity`; `bounds` (the period) become the histograms' bounds.
 */
export function compileAggSpec(
  entity: string,
  widgetEntity: string,
  spec: unknown,
  path: string,
  limits: ParseLimits,
  opts: { timeZone?: string; bounds?: { from: number; to: number } } = {},
  depth = 0,
): Agg {
  if (!isObj(spec)) return fail(path, 'must be an object with a "kind"');
  if (depth > MAX_DEPTH) return fail(path, `aggregations nest at most ${MAX_DEPTH} levels`);
  const kind = spec.kind;
  const name = spec.name === undefined ? undefined : str(spec.name, `${path}.name`, 100);
  const subs = (): Agg[] => {
    if (spec.aggs === undefined) return [];
    if (!Array.isArray(spec.aggs) || spec.aggs.length > 10) return fail(`${path}.aggs`, 'must be a list of at most 10 aggregations');
    const out = spec.aggs.map((a, i) => compileAggSpec(entity, widgetEntity, a, `${path}.aggs[${i}]`, limits, opts, depth + 1));
    const seen = new Set<string>();
    out.forEach((a, i) => {
      if (seen.has(a.name)) fail(`${path}.aggs[${i}].name`, `duplicate name ${JSON.stringify(a.name)}; give sibling aggregations distinct names`);
      seen.add(a.name);
    });
    return out;
  };
  switch (kind) {
    case 'count':
      return { kind: 'count', name: name ?? 'count' };
    case 'sum':
    case 'avg':
    case 'min':
    case 'max': {
      const field = checkNumericField(entity, widgetEntity, spec.field, `${path}.field`);
      return { kind: 'metric', name: name ?? `${kind}_${field}`, fn: kind, field };
    }
    case 'terms': {
      const field = checkField(entity, widgetEntity, spec.field, `${path}.field`);
      const size = spec.size ?? 10;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 1000) return fail(`${path}.size`, 'must be an integer from 1 to 1000');
      const order = spec.order ?? 'count';
      if (order !== 'count' && order !== 'key') return fail(`${path}.order`, 'must be "count" or "key"');
      const dir = spec.dir ?? (order === 'count' ? 'desc' : 'asc');
      if (dir !== 'asc' && dir !== 'desc') return fail(`${path}.dir`, 'must be "asc" or "desc"');
      return { kind: 'terms', name: name ?? field, field, size, order, dir, aggs: subs() };
    }
    case 'histogram': {
      const field = checkNumericField(entity, widgetEntity, spec.field, `${path}.field`);
      const interval = spec.interval ?? 'day';
      const tz = timeZone(spec.timeZone, `${path}.timeZone`) ?? opts.timeZone ?? 'UTC';
      const base = { kind: 'histogram' as const, name: name ?? field, field, timeZone: tz, ...(opts.bounds ?? {}) };
      if (interval === 'day' || interval === 'week' || interval === 'month' || interval === 'year') return { ...base, intervalMs: DAY, interval, aggs: subs() };
      const m = typeof interval === 'string' ? /^([1-9]\d{0,3})([mhd])$/.exec(interval) : null;
      if (!m) return fail(`${path}.interval`, `must be day, week, month, year or <n>m, <n>h, <n>d; got ${JSON.stringify(interval).slice(0, 40)}`);
      const intervalMs = Number(m[1]) * INTERVALS[m[2]!]!;
      if (intervalMs < 5 * 60_000) return fail(`${path}.interval`, 'must be at least 5 minutes');
      return { ...base, intervalMs, aggs: subs() };
    }
    case 'filter':
      return { kind: 'filter', name: name ?? 'filter', where: parseWidgetFilter(entity, widgetEntity, spec.filter, `${path}.filter`, limits), aggs: subs() };
    default:
      return fail(`${path}.kind`, `must be one of count, terms, histogram, sum, avg, min, max, filter; got ${JSON.stringify(kind ?? null).slice(0, 40)}`);
  }
}

/** The stored type of a widget entity name. */
export function widgetEntity(v: unknown, path: string): { api: string; stored: string } {
  if (typeof v !== 'string' || !Object.hasOwn(WIDGET_ENTITIES, v)) return fail(path, `must be one of ${Object.keys(WIDGET_ENTITIES).join(', ')}`);
  return { api: v, stored: WIDGET_ENTITIES[v]! };
}

/**
 * The query of one widget (or of the stats endpoint's body, which has the same fields):
 * entity, filter, period on `dateField`, and the aggregation. Throws BadRequestError naming
 * the bad field under `path`.
 */
export function compileWidgetQuery(
  w: Record<string, unknown>,
  path: string,
  limits: ParseLimits,
  now: number,
  dashboard: Pick<Definition, 'period' | 'timeZone'> = {},
): WidgetQuery {
  const prefix = path ? `${path}.` : '';
  const ent = widgetEntity(w.entity, `${prefix}entity`);
  const where = parseWidgetFilter(ent.stored, ent.api, w.filter, `${prefix}filter`, limits);
  const period = parsePeriod(w.period, `${prefix}period`) ?? dashboard.period;
  const dateField = w.dateField === undefined ? '_createdAt' : checkNumericField(ent.stored, ent.api, w.dateField, `${prefix}dateField`, true);
  const bounds = periodBounds(period, now);
  const tz = timeZone(w.timeZone, `${prefix}timeZone`) ?? dashboard.timeZone;
  if (w.aggregation === undefined) fail(`${prefix}aggregation`, 'is required');
  const agg = compileAggSpec(ent.stored, ent.api, w.aggregation, `${prefix}aggregation`, limits, {
    ...(tz ? { timeZone: tz } : {}),
    ...(bounds ? { bounds } : {}),
  });
  const inPeriod: Expr = bounds ? { kind: 'between', field: dateField, from: bounds.from, to: bounds.to } : q.true();
  return { entity: ent.stored, where: q.and(where, inPeriod), agg, ...(bounds ? { period: bounds } : {}) };
}

function layout(v: unknown, path: string): Widget['layout'] {
  if (!isObj(v)) return fail(path, 'must be {x, y, w, h}');
  const n = (k: string, min: number, max: number): number => {
    const x = v[k];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) return fail(`${path}.${k}`, `must be an integer from ${min} to ${max}`);
    return x;
  };
  return { x: n('x', 0, 23), y: n('y', 0, 1000), w: n('w', 1, 24), h: n('h', 1, 100) };
}

/**
 * Validates a whole definition (an object, or TheHive's JSON string form) and returns it
 * normalised. Every widget's query is compiled once, so a bad field is reported now, not
 * when the dashboard is displayed.
 */
export function parseDefinition(input: unknown, limits: ParseLimits, now = Date.now()): Definition {
  let v = input;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return fail('definition', 'is not valid JSON');
    }
  }
  if (!isObj(v)) return fail('definition', 'must be an object with "widgets"');
  const period = parsePeriod(v.period, 'period');
  const tz = timeZone(v.timeZone, 'timeZone');
  const ws = v.widgets ?? [];
  if (!Array.isArray(ws) || ws.length > MAX_WIDGETS) return fail('widgets', `must be a list of at most ${MAX_WIDGETS} widgets`);
  const ids = new Set<string>();
  const widgets = ws.map((raw, i): Widget => {
    const path = `widgets[${i}]`;
    if (!isObj(raw)) return fail(path, 'must be an object');
    const id = str(raw.id, `${path}.id`, 64);
    if (ids.has(id)) fail(`${path}.id`, `duplicate widget id ${JSON.stringify(id)}`);
    ids.add(id);
    const type = raw.type;
    if (typeof type !== 'string' || !(WIDGET_TYPES as readonly string[]).includes(type)) {
      return fail(`${path}.type`, `must be one of ${WIDGET_TYPES.join(', ')}`);
    }
    const title = optStr(raw.title, `${path}.title`, 512);
    const base = { id, type: type as WidgetType, ...(title !== undefined ? { title } : {}), layout: layout(raw.layout, `${path}.layout`) };
    if (type === 'text') {
      const markdown = optStr(raw.markdown, `${path}.markdown`, 100_000) ?? '';
      return { ...base, markdown };
    }
    compileWidgetQuery(raw, path, limits, now, { ...(period ? { period } : {}), ...(tz ? { timeZone: tz } : {}) });
    if (raw.stacked !== undefined && typeof raw.stacked !== 'boolean') fail(`${path}.stacked`, 'must be a boolean');
    const wPeriod = parsePeriod(raw.period, `${path}.period`);
    return {
      ...base,
      entity: raw.entity as string,
      ...(raw.filter !== undefined ? { filter: raw.filter } : {}),
      ...(wPeriod !== undefined ? { period: wPeriod } : {}),
      ...(raw.dateField !== undefined ? { dateField: raw.dateField as string } : {}),
      ...(raw.timeZone !== undefined ? { timeZone: raw.timeZone as string } : {}),
      aggregation: raw.aggregation as AggSpec,
      ...(raw.stacked !== undefined ? { stacked: raw.stacked as boolean } : {}),
    };
  });
  return { ...(period !== undefined ? { period } : {}), ...(tz !== undefined ? { timeZone: tz } : {}), widgets };
}
