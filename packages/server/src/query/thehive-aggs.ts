/**
 * TheHive 4's aggregation step of the Query API, as its dashboards sent it:
 *
 *   {"_name": "aggregation", "_agg": "field", "_field": "status", "_order": ["-count"], "_size": 10,
 *    "_select": [{"_agg": "count"}]}
 *
 * Kinds: `field` (terms; `_order` `count`/`-count`/`_key`/`-_key`, default `-count`; `_size`
 * default 10; `_select` default count), `count`, `time` (`_fields: [date field]`, `_interval`
 * such as `1d`, `1w`, `1M`, `1y`, `6h`; Waggle adds `_timeZone`, default UTC), `avg`/`sum`/`min`/`max`
 * (`_field`), `filter`... Sub-aggregations go in `_select`. Output follows TheHive:
 * field `{"<value>": {<select outputs>}}`, count `{"count": n}`, metric `{"avg_severity": x}`,
 * time `{"<bucket start ms>": {"<field>": {<select outputs>}}}`; a `_name` renames an output.
 */
import type { Agg, AggResult, Expr } from './ir.js';
import { BadRequestError } from '../errors/errors.js';

/** An IR aggregation and how to render its result in TheHive's shape. */
export interface TheHiveAgg {
  agg: Agg;
  render: (result: AggResult) => Record<string, unknown>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (m: string): never => {
  throw new BadRequestError(m);
};
const DAY = 86_400_000;

function field(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) return bad(`${what} must be a field name`);
  return v;
}

function interval(v: unknown): { intervalMs: number; interval?: 'day' | 'week' | 'month' | 'year' } {
  const m = typeof v === 'string' ? /^(\d{1,4})([smhdwMy])$/.exec(v) : null;
  if (!m || Number(m[1]) < 1) return bad(`_interval must be like 1d, 1w, 1M, 1y or 6h; got ${JSON.stringify(v ?? null).slice(0, 40)}`);
  const n = Number(m[1]);
  const unit = m[2]!;
  if (n === 1 && unit === 'd') return { intervalMs: DAY, interval: 'day' };
  if (n === 1 && unit === 'w') return { intervalMs: 7 * DAY, interval: 'week' };
  if (n === 1 && unit === 'M') return { intervalMs: 30 * DAY, interval: 'month' };
  if (n === 1 && unit === 'y') return { intervalMs: 365 * DAY, interval: 'year' };
  if (unit === 'M' || unit === 'y') return bad('_interval: months and years only come one at a time (1M, 1y)');
  const ms = n * { s: 1000, m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY }[unit as 's' | 'm' | 'h' | 'd' | 'w'];
  if (ms < 60_000) return bad('_interval must be at least one minute');
  return { intervalMs: ms };
}

let counter = 0;

/** Parses one TheHive aggregation object (a step or a `_select` entry). */
/** `filter` parses the Query API filters of `filter` aggregations. */
export function parseTheHiveAgg(raw: unknown, filter: (v: unknown) => Expr, depth = 0): TheHiveAgg {
  if (!isObj(raw)) return bad('An aggregation must be an object with "_agg"');
  if (depth > 5) return bad('Aggregations nest at most 5 levels');
  const name = typeof raw._name === 'string' && raw._name !== 'aggregation' ? raw._name : undefined;
  const id = `a${++counter}`;
  const select = (): TheHiveAgg[] => {
    const s = raw._select ?? [{ _agg: 'count' }];
    if (!Array.isArray(s) || s.length > 20) return bad('_select must be a list of at most 20 aggregations');
    return s.map((x) => parseTheHiveAgg(x, filter, depth + 1));
  };
  const merge = (subs: TheHiveAgg[], r: AggResult | undefined): Record<string, unknown> => Object.assign({}, ...subs.map((s) => s.render(r ?? {})));
  switch (raw._agg) {
    case 'count':
      return { agg: { kind: 'count', name: id }, render: (r) => ({ [name ?? 'count']: r[id] ?? 0 }) };
    case 'avg':
    case 'sum':
    case 'min':
    case 'max': {
      const f = field(raw._field, `_agg ${raw._agg}: _field`);
      return { agg: { kind: 'metric', name: id, fn: raw._agg, field: f }, render: (r) => ({ [name ?? `${raw._agg as string}_${f}`]: r[id] ?? null }) };
    }
    case 'field': {
      const f = field(raw._field, '_agg field: _field');
      const size = raw._size ?? 10;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 10_000) return bad('_size must be an integer from 1 to 10000');
      const orderRaw = Array.isArray(raw._order) ? raw._order[0] : (raw._order ?? '-count');
      if (typeof orderRaw !== 'string' || !/^-?(count|_count|_key|key)$/.test(orderRaw)) return bad('_order must be count, -count, _key or -_key');
      const subs = select();
      const agg: Agg = {
        kind: 'terms',
        name: id,
        field: f,
        size,
        order: orderRaw.includes('key') ? 'key' : 'count',
        dir: orderRaw.startsWith('-') ? 'desc' : 'asc',
        aggs: subs.map((s) => s.agg),
      };
      const out = (r: AggResult): Record<string, unknown> =>
        Object.fromEntries(
          ((r[id] as { buckets: Array<{ key: unknown; aggs?: AggResult }> } | undefined)?.buckets ?? []).map((b) => [String(b.key), merge(subs, b.aggs)]),
        );
      return { agg, render: (r) => (name ? { [name]: out(r) } : out(r)) };
    }
    case 'time': {
      const fields = Array.isArray(raw._fields) ? raw._fields : raw._field !== undefined ? [raw._field] : [];
      if (fields.length !== 1) return bad('_agg time takes one date field in "_fields"');
      const f = field(fields[0], '_agg time: _fields[0]');
      const tz = raw._timeZone ?? 'UTC';
      if (typeof tz !== 'string') return bad('_timeZone must be an IANA time zone name');
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
      } catch {
        return bad(`_timeZone: unknown time zone ${JSON.stringify(tz)}`);
      }
      const subs = select();
      const agg: Agg = { kind: 'histogram', name: id, field: f, timeZone: tz, ...interval(raw._interval), aggs: subs.map((s) => s.agg) };
      const out = (r: AggResult): Record<string, unknown> =>
        Object.fromEntries(
          ((r[id] as { buckets: Array<{ key: unknown; aggs?: AggResult }> } | undefined)?.buckets ?? []).map((b) => [
            String(b.key),
            { [f]: merge(subs, b.aggs) },
          ]),
        );
      return { agg, render: (r) => (name ? { [name]: out(r) } : out(r)) };
    }
    case 'filter': {
      const subs = select();
      const agg: Agg = { kind: 'filter', name: id, where: filter(raw._query ?? raw._filter ?? { _any: true }), aggs: subs.map((s) => s.agg) };
      return { agg, render: (r) => ({ [name ?? 'filter']: merge(subs, (r[id] as { aggs?: AggResult } | undefined)?.aggs) }) };
    }
    default:
      return bad(`Unknown aggregation "_agg": ${JSON.stringify(raw._agg ?? null).slice(0, 40)}; known: field, count, time, avg, sum, min, max, filter`);
  }
}
