/**
 * Compiles IR aggregations to OpenSearch aggregations and decodes the answer back to the IR's
 * `AggResult`. A visitor keyed by `AggKind`, so a new aggregation kind fails the build here.
 *
 * - `count` needs no OpenSearch aggregation: it is the enclosing bucket's document count;
 * - `terms` runs on the typed values of the field (numbers on `.n`, strings on `.s`; both for
 *   custom fields, merged), ordered by count (ties by key) or by key;
 * - `histogram` is a `date_histogram` with `time_zone`, `min_doc_count: 0` and `extended_bounds`,
 *   inside a range filter that drops values outside `[from, to)`;
 * - `metric` is sum/avg/min/max on the numeric values; `filter` compiles its expression.
 */
import type { Agg, AggBucket, AggKind, AggResult, AggValue } from '@waggle/server/src/query/ir.js';
import type { EntityDef } from '@waggle/server/src/entities/registry.js';
import { compileExpr, resolveField, type CompileCtx, type Dsl } from './compile.js';

type Raw = Record<string, unknown>;
type Decoder = (raw: Raw, docCount: number) => AggValue;

export interface CompiledAggs {
  /** The `aggs` object of the search body. */
  aggs: Dsl;
  /** Turns the `aggregations` of the answer (at this level) into the result. */
  decode: (raw: Raw, docCount: number) => AggResult;
}

const NUMERIC = new Set(['integer', 'float', 'date', 'boolean']);
const TEXTUAL = new Set(['string', 'text', 'string[]']);
const CALENDAR = { day: '1d', week: '1w', month: '1M', year: '1y' } as const;

interface RawBucket {
  key: string | number;
  doc_count: number;
  [sub: string]: unknown;
}

function compareBuckets(a: Extract<Agg, { kind: 'terms' }>, x: AggBucket, y: AggBucket): number {
  const byKey = (p: AggBucket['key'], q: AggBucket['key']): number => {
    if (typeof p === 'number' && typeof q === 'number') return p - q;
    const sp = String(p);
    const sq = String(q);
    return sp < sq ? -1 : sp > sq ? 1 : 0;
  };
  if (a.order === 'count') {
    const c = a.dir === 'asc' ? x.count - y.count : y.count - x.count;
    return c !== 0 ? c : byKey(x.key, y.key);
  }
  return a.dir === 'asc' ? byKey(x.key, y.key) : byKey(y.key, x.key);
}

export async function compileAggs(list: readonly Agg[], def: EntityDef, ctx: CompileCtx): Promise<CompiledAggs> {
  const aggs: Dsl = {};
  const decoders: Array<[string, Decoder]> = [];
  let n = 0;
  const subBuckets = async (a: { aggs: readonly Agg[] }): Promise<CompiledAggs | undefined> => (a.aggs.length ? compileAggs(a.aggs, def, ctx) : undefined);
  const bucketOf = (b: RawBucket, sub: CompiledAggs | undefined, boolean = false): AggBucket => ({
    key: boolean ? b.key === 1 : b.key,
    count: b.doc_count,
    ...(sub ? { aggs: sub.decode(b, b.doc_count) } : {}),
  });

  const visitors: { [K in AggKind]: (a: Extract<Agg, { kind: K }>) => Promise<Decoder> | Decoder } = {
    count: () => (_raw, docCount) => docCount,
    metric: (a) => {
      const ref = resolveField(def, a.field, ctx.deps, true);
      const id = `m${n++}`;
      aggs[id] = { [a.fn]: { field: `${ref.path}.n` } };
      return (raw) => {
        const v = (raw[id] as { value?: number | null } | undefined)?.value;
        return typeof v === 'number' && Number.isFinite(v) ? v : a.fn === 'sum' ? 0 : null;
      };
    },
    filter: async (a) => {
      const id = `f${n++}`;
      const sub = await compileAggs(a.aggs, def, ctx);
      aggs[id] = { filter: await compileExpr(a.where, def, ctx), ...(a.aggs.length ? { aggs: sub.aggs } : {}) };
      return (raw) => {
        const r = raw[id] as RawBucket;
        return { count: r.doc_count, aggs: sub.decode(r, r.doc_count) };
      };
    },
    terms: async (a) => {
      const ref = resolveField(def, a.field, ctx.deps, true);
      const sub = await subBuckets(a);
      const order = a.order === 'count' ? [{ _count: a.dir }, { _key: 'asc' }] : [{ _key: a.dir }];
      const subfields = NUMERIC.has(ref.def.type) ? ['n'] : TEXTUAL.has(ref.def.type) ? ['s'] : ['n', 's'];
      const ids = subfields.map((sf) => {
        const id = `t${n++}`;
        aggs[id] = { terms: { field: `${ref.path}.${sf}`, size: Math.max(1, a.size), order }, ...(sub ? { aggs: sub.aggs } : {}) };
        return id;
      });
      return (raw) => {
        const isBool = ref.def.type === 'boolean';
        const buckets = ids.flatMap((id) => ((raw[id] as { buckets?: RawBucket[] } | undefined)?.buckets ?? []).map((b) => bucketOf(b, sub, isBool)));
        if (ids.length > 1) buckets.sort((x, y) => compareBuckets(a, x, y));
        return { buckets: buckets.slice(0, a.size) };
      };
    },
    histogram: async (a) => {
      const ref = resolveField(def, a.field, ctx.deps, true);
      const sub = await subBuckets(a);
      const id = `h${n++}`;
      const field = `${ref.path}.d`;
      const interval = a.interval ? { calendar_interval: CALENDAR[a.interval] } : { fixed_interval: `${Math.max(1, Math.round(a.intervalMs))}ms` };
      const bounds: Dsl = {};
      if (a.from !== undefined) bounds.min = a.from;
      if (a.to !== undefined) bounds.max = a.to - 1;
      const histogram = {
        date_histogram: {
          field,
          ...interval,
          time_zone: a.timeZone,
          min_doc_count: 0,
          ...(Object.keys(bounds).length ? { extended_bounds: bounds } : {}),
        },
        ...(sub ? { aggs: sub.aggs } : {}),
      };
      const range: Dsl = {};
      if (a.from !== undefined) range.gte = a.from;
      if (a.to !== undefined) range.lt = a.to;
      aggs[id] = { filter: Object.keys(range).length ? { range: { [field]: range } } : { match_all: {} }, aggs: { h: histogram } };
      const rekey = !a.interval ? ctx.deps.bucketStart : undefined;
      return (raw) => {
        const r = (raw[id] as { h?: { buckets?: RawBucket[] } } | undefined)?.h?.buckets ?? [];
        const buckets = r.map((b) => bucketOf(b, sub));
        if (!rekey) return { buckets };
        // fixed intervals: OpenSearch buckets that fall in one local wall-clock bucket (the repeated
        // hour of an autumn DST change) are merged; sub-aggregations keep the first bucket's values
        const merged: AggBucket[] = [];
        for (const b of buckets) {
          const key = rekey(b.key as number, a);
          const last = merged[merged.length - 1];
          if (last && last.key === key) last.count += b.count;
          else merged.push({ ...b, key });
        }
        return { buckets: merged };
      };
    },
  };

  for (const a of list) decoders.push([a.name, await (visitors[a.kind] as (x: Agg) => Promise<Decoder> | Decoder)(a)]);
  return {
    aggs,
    decode: (raw, docCount) => {
      const out: AggResult = {};
      for (const [name, d] of decoders) out[name] = d(raw, docCount);
      return out;
    },
  };
}
