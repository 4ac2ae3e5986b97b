/**
 * Computes IR aggregations over documents in memory. The SQLite backend uses it after
 * selecting the matching documents; it also defines the expected semantics for tests.
 */
import type { Agg, AggBucket, AggKind, AggResult, AggValue } from './ir.js';
import type { Doc } from '../storage/entity-store.js';
import { evaluate, fieldValues } from './evaluate.js';
import { DERIVED_FIELDS } from './derived-fields.js';

const CALENDAR: Record<string, Intl.DateTimeFormat> = {};

export function zoneParts(ms: number, timeZone: string): { y: number; m: number; d: number; offsetMs: number } {
  const fmt = (CALENDAR[timeZone] ??= new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }));
  const parts = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return { y: +parts.year!, m: +parts.month!, d: +parts.day!, offsetMs: asUtc - Math.floor(ms / 1000) * 1000 };
}

/** Epoch ms of a wall-clock time in `timeZone`, given as ms since the epoch as if the zone were UTC. */
export function fromLocal(local: number, timeZone: string): number {
  const off = zoneParts(local, timeZone).offsetMs;
  const off2 = zoneParts(local - off, timeZone).offsetMs;
  return local - off2;
}

/** Epoch ms of local midnight `y-m-d` in `timeZone`. */
function localMidnight(y: number, m: number, d: number, timeZone: string): number {
  return fromLocal(Date.UTC(y, m - 1, d), timeZone);
}

/** The start of the bucket holding `ms`. */
export function bucketStart(ms: number, agg: Extract<Agg, { kind: 'histogram' }>): number {
  const tz = agg.timeZone;
  if (!agg.interval) {
    // fixed intervals are aligned on the local wall clock, so 12h buckets start at 00:00 and 12:00 local time
    const local = ms + zoneParts(ms, tz).offsetMs;
    return fromLocal(Math.floor(local / agg.intervalMs) * agg.intervalMs, tz);
  }
  const { y, m, d } = zoneParts(ms, tz);
  switch (agg.interval) {
    case 'day':
      return localMidnight(y, m, d, tz);
    case 'week': {
      const dow = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7; // Monday first
      const monday = new Date(Date.UTC(y, m - 1, d - dow));
      return localMidnight(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), tz);
    }
    case 'month':
      return localMidnight(y, m, 1, tz);
    case 'year':
      return localMidnight(y, 1, 1, tz);
  }
}

/** The start of the bucket after the one starting at `start`. */
export function nextBucket(start: number, agg: Extract<Agg, { kind: 'histogram' }>): number {
  if (!agg.interval) return fromLocal(start + zoneParts(start, agg.timeZone).offsetMs + agg.intervalMs, agg.timeZone);
  const { y, m, d } = zoneParts(start + 12 * 3600 * 1000, agg.timeZone);
  switch (agg.interval) {
    case 'day': {
      const n = new Date(Date.UTC(y, m - 1, d + 1));
      return localMidnight(n.getUTCFullYear(), n.getUTCMonth() + 1, n.getUTCDate(), agg.timeZone);
    }
    case 'week': {
      const n = new Date(Date.UTC(y, m - 1, d + 7));
      return localMidnight(n.getUTCFullYear(), n.getUTCMonth() + 1, n.getUTCDate(), agg.timeZone);
    }
    case 'month':
      return m === 12 ? localMidnight(y + 1, 1, 1, agg.timeZone) : localMidnight(y, m + 1, 1, agg.timeZone);
    case 'year':
      return localMidnight(y + 1, 1, 1, agg.timeZone);
  }
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/** The values of `field` in `doc`, derived fields (`duration`) included. */
export function aggValues(doc: Doc, field: string): unknown[] {
  const derived = DERIVED_FIELDS[doc._type];
  const d = derived && Object.hasOwn(derived, field) ? derived[field] : undefined;
  if (!d) return fieldValues(doc, field);
  const end = num(fieldValues(doc, d.end)[0]);
  const start = num(fieldValues(doc, d.start)[0]);
  return end === undefined || start === undefined ? [] : [end - start];
}

/** Terms bucket order: by count (ties by key, ascending) or by key; numbers numerically, anything else by its text. */
export function compareTerms(
  order: 'count' | 'key',
  dir: 'asc' | 'desc',
  x: { key: AggBucket['key']; count: number },
  y: { key: AggBucket['key']; count: number },
): number {
  const sign = dir === 'asc' ? 1 : -1;
  if (order === 'count' && x.count !== y.count) return sign * (x.count - y.count);
  const c = typeof x.key === 'number' && typeof y.key === 'number' ? x.key - y.key : String(x.key) < String(y.key) ? -1 : String(x.key) > String(y.key) ? 1 : 0;
  return (order === 'key' ? sign : 1) * c;
}

/**
 * Every bucket key of a histogram, sorted: the keys holding documents, the buckets of the
 * bounds `from`/`to`, and every step between the first and the last (empty buckets).
 */
export function histogramKeys(present: Iterable<number>, agg: Extract<Agg, { kind: 'histogram' }>): number[] {
  const keys = [...present];
  const all = new Set(keys);
  if (agg.from !== undefined) keys.push(bucketStart(agg.from, agg));
  if (agg.to !== undefined && agg.to > (agg.from ?? agg.to)) keys.push(bucketStart(agg.to - 1, agg));
  if (keys.length === 0) return [];
  const first = Math.min(...keys);
  const last = Math.max(...keys);
  // every step from first to last (empty buckets included), plus any key a DST ambiguity put off the steps
  for (let k = first; k <= last && all.size < MAX_BUCKETS;) {
    all.add(k);
    const next = nextBucket(k, agg);
    k = next > k ? next : k + Math.max(1, agg.intervalMs);
  }
  return [...all].sort((x, y) => x - y);
}

/** Histograms stop adding empty buckets beyond this many. */
export const MAX_BUCKETS = 10_000;

export function aggregateDocs(docs: readonly Doc[], aggs: readonly Agg[]): AggResult {
  const out: AggResult = {};
  for (const agg of aggs) out[agg.name] = one(docs, agg);
  return out;
}

function one(docs: readonly Doc[], agg: Agg): AggValue {
  const visitors: { [K in AggKind]: (a: Extract<Agg, { kind: K }>) => AggValue } = {
    count: () => docs.length,
    metric: (a) => {
      const vals = docs.flatMap((d) =>
        aggValues(d, a.field)
          .map(num)
          .filter((n): n is number => n !== undefined),
      );
      if (vals.length === 0) return a.fn === 'sum' ? 0 : null;
      if (a.fn === 'sum') return vals.reduce((x, y) => x + y, 0);
      if (a.fn === 'avg') return vals.reduce((x, y) => x + y, 0) / vals.length;
      return a.fn === 'min' ? Math.min(...vals) : Math.max(...vals);
    },
    filter: (a) => {
      const sub = docs.filter((d) => evaluate(a.where, d));
      return { count: sub.length, aggs: aggregateDocs(sub, a.aggs) };
    },
    terms: (a) => {
      const groups = new Map<string, { key: AggBucket['key']; docs: Doc[] }>();
      for (const d of docs) {
        const vals = new Set(aggValues(d, a.field).map((v) => (typeof v === 'object' ? JSON.stringify(v) : (v as AggBucket['key']))));
        for (const v of vals) {
          const k = JSON.stringify(v);
          let g = groups.get(k);
          if (!g) groups.set(k, (g = { key: v, docs: [] }));
          g.docs.push(d);
        }
      }
      const buckets = [...groups.values()].sort((x, y) =>
        compareTerms(a.order, a.dir, { key: x.key, count: x.docs.length }, { key: y.key, count: y.docs.length }),
      );
      return {
        buckets: buckets.slice(0, a.size).map((g) => ({ key: g.key, count: g.docs.length, ...(a.aggs.length ? { aggs: aggregateDocs(g.docs, a.aggs) } : {}) })),
      };
    },
    histogram: (a) => {
      const groups = new Map<number, Doc[]>();
      for (const d of docs) {
        const v = num(aggValues(d, a.field)[0]);
        if (v === undefined) continue;
        if ((a.from !== undefined && v < a.from) || (a.to !== undefined && v >= a.to)) continue;
        const k = bucketStart(v, a);
        let g = groups.get(k);
        if (!g) groups.set(k, (g = []));
        g.push(d);
      }
      const buckets: AggBucket[] = histogramKeys(groups.keys(), a).map((k) => {
        const g = groups.get(k) ?? [];
        return { key: k, count: g.length, ...(a.aggs.length ? { aggs: aggregateDocs(g, a.aggs) } : {}) };
      });
      return { buckets };
    },
  };
  return (visitors[agg.kind] as (a: Agg) => AggValue)(agg);
}
