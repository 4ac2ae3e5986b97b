/**
 * Runs IR aggregations in SQLite: every node becomes one GROUP BY query over the narrow
 * `e_<type>` rows, grouped by the keys of the bucketing aggregations above it (its path), and
 * the results are assembled in JS with the reference semantics of `query/aggregate-docs.ts`.
 * The visitor is keyed by `AggKind`, so a new aggregation kind fails the build until handled.
 *
 * - `terms` groups by the field's typed column (or `json_extract` on the document for fields
 *   without one); multi-valued fields (tags, custom fields) join their `m_<type>` rows, so a
 *   document counts once in each of its values. Top-N and ordering are applied per parent bucket.
 *   A top-level `terms` on a multi-valued field whose query is only visibility and a `_createdAt`
 *   range (a default "top tags" widget) is counted in the side table alone (`sideTableTerms`).
 * - `histogram` buckets in a time zone. Bucket boundaries are computed in JS for the range of
 *   the data (or the histogram's bounds): the range is cut into pieces inside which the UTC
 *   offset and the local bucket do not change (offset transitions and local boundaries), a
 *   binary CASE tree maps each value to its piece, and each piece maps to the bucket start
 *   `bucketStart` gives (DST-correct, half-hour offsets included). Empty buckets are added
 *   between the first and last bucket and up to the bounds.
 * - `metric` reads numeric values only (text never counts); `avg` is sum / count.
 * - `filter` adds its compiled condition to the queries below it.
 * - `count` is the count of the enclosing bucket (one query at the top level).
 */
import type { Agg, AggBucket, AggKind, AggResult, AggValue, Expr, Query } from '../../query/ir.js';
import { ALL_ORGS, entityDef, fieldDef, type EntityDef } from '../../entities/registry.js';
import { derivedField } from '../../query/derived-fields.js';
import { bucketStart, compareTerms, histogramKeys, MAX_BUCKETS, zoneParts } from '../../query/aggregate-docs.js';
import { SearchError } from '../../errors/errors.js';
import { compileWhere } from './compile.js';
import { coveringIndexes, docOf, jsonPath, mvTable, table } from './schema.js';

/** Runs one SELECT and returns its rows (the adapter's prepared-statement cache). */
export type Exec = (sql: string, params: readonly unknown[]) => Array<Record<string, unknown>>;

type Key = AggBucket['key'];
type Histogram = Extract<Agg, { kind: 'histogram' }>;

/** How a field is read in SQL: one value per `e_` row, or rows of the side table. */
type ValueRef = { kind: 'scalar'; sql: string; boolean: boolean } | { kind: 'multi'; mvField: string };

/** Pieces (see the file comment) a histogram may cut its range into. */
const MAX_PIECES = 20_000;

const NUM = (x: string): string => `CASE WHEN typeof(${x}) IN ('integer', 'real') THEN ${x} END`;
const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function valueRef(def: EntityDef, field: string): ValueRef {
  const derived = derivedField(def, field);
  if (derived) {
    const end = scalarOf(def, derived.end);
    const start = scalarOf(def, derived.start);
    return {
      kind: 'scalar',
      sql: `(CASE WHEN typeof(${end}) IN ('integer', 'real') AND typeof(${start}) IN ('integer', 'real') THEN ${end} - ${start} END)`,
      boolean: false,
    };
  }
  const fd = fieldDef(def, field);
  if (!fd) throw new SearchError(`Unknown field "${field}" for ${def.apiType}`);
  if (field.startsWith('customFields.')) {
    const name = field.slice('customFields.'.length);
    if (!/^[A-Za-z0-9_\-.]+$/.test(name)) throw new SearchError(`Invalid custom field name "${name}"`);
    return { kind: 'multi', mvField: `cf.${name}` };
  }
  if (fd.type === 'string[]') return { kind: 'multi', mvField: field };
  return { kind: 'scalar', sql: scalarOf(def, field), boolean: fd.type === 'boolean' };
}

/** The SQL of a single-valued stored field: its typed column, or the document's value. */
function scalarOf(def: EntityDef, field: string): string {
  const fd = fieldDef(def, field);
  if (!fd || fd.type === 'string[]' || fd.type === 'customFields') throw new SearchError(`Field "${field}" of ${def.apiType} is not a single value`);
  if (field === '_id') return 't0._id';
  if (fd.indexed) return `t0."f_${field}"`;
  return `json_extract(${docOf(def.name, 't0')}, ${jsonPath(field)})`;
}

/** One bucketing step of a path: joins, an optional group key, conditions, and the key's mapping back to a bucket key. */
interface Level {
  joins: string[];
  /** Fields of `e_<type>` the level reads (`undefined`: something no index covers). */
  fields: string[] | undefined;
  key?: string;
  conds: (params: unknown[]) => string[];
  map: (raw: unknown) => Key | undefined;
  /**
   * A histogram on a field that leads a covering index is run one query per piece (`raw >= piece
   * AND raw < next`) rather than grouped by the CASE tree: each query seeks its range in the index,
   * and no sort of every row of the period is needed. `key` is then the piece start, bound as a parameter.
   */
  pieces?: { raw: string; starts: readonly number[]; end?: number };
}

/** Histograms with at most this many pieces on a field leading a covering index run one query per piece. */
const MAX_PIECE_QUERIES = 400;

interface Acc {
  count: number;
  sum: number;
  n: number;
  min: number | null;
  max: number | null;
}

const boolKey = (raw: unknown): Key | undefined => (raw === null || raw === undefined ? undefined : raw === 1 ? true : raw === 0 ? false : (raw as Key));
const plainKey = (raw: unknown): Key | undefined => (raw === null || raw === undefined ? undefined : (raw as Key));

/**
 * The instants where the bucket of a histogram may change within [min, max]: `min`, every local
 * bucket boundary and every UTC offset change. Inside two consecutive ones, `bucketStart` is constant.
 */
export function histogramPieces(min: number, max: number, agg: Histogram): number[] {
  const tz = agg.timeZone;
  const changes = offsetChanges(min, max, tz);
  const out: number[] = [];
  let ci = 0;
  for (let x = min; x <= max;) {
    out.push(x);
    if (out.length > MAX_PIECES) throw new SearchError(`The histogram on "${agg.field}" has too many buckets; use a larger interval or a shorter period`);
    while (ci < changes.length && changes[ci]! <= x) ci++;
    const off = zoneParts(x, tz).offsetMs;
    const next = Math.min(changes[ci] ?? Infinity, nextLocalBoundary(x + off, agg) - off);
    x = next > x ? next : x + 1;
  }
  return out;
}

/** The next local bucket boundary after the local wall-clock time `local` (ms, as if the zone were UTC). */
function nextLocalBoundary(local: number, agg: Histogram): number {
  if (!agg.interval) return Math.floor(local / agg.intervalMs) * agg.intervalMs + agg.intervalMs;
  const d = new Date(local);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  switch (agg.interval) {
    case 'day':
      return Date.UTC(y, m, day + 1);
    case 'week':
      return Date.UTC(y, m, day - ((d.getUTCDay() + 6) % 7) + 7);
    case 'month':
      return Date.UTC(y, m + 1, 1);
    case 'year':
      return Date.UTC(y + 1, 0, 1);
  }
}

const SIX_HOURS = 6 * 3_600_000;

/** The instants in (min, max] where the UTC offset of `tz` changes (sampled every 6 hours, then bisected to the millisecond). */
function offsetChanges(min: number, max: number, tz: string): number[] {
  const out: number[] = [];
  const off = (t: number): number => zoneParts(t, tz).offsetMs;
  let prev = off(min);
  for (let t = min; t < max;) {
    const u = Math.min(t + SIX_HOURS, max);
    const o = off(u);
    if (o !== prev) {
      let lo = t;
      let hi = u; // off(lo) = prev, off(hi) != prev
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (off(mid) === prev) lo = mid;
        else hi = mid;
      }
      out.push(hi);
      prev = o;
    }
    t = u;
  }
  return out;
}

/** SQL giving the largest of `pts` (sorted) at or below `v`, by binary search; `v` is known to be >= pts[0]. */
function caseTree(v: string, pts: readonly number[], lo = 0, hi = pts.length): string {
  if (hi - lo === 1) return String(pts[lo]);
  const mid = (lo + hi) >> 1;
  return `CASE WHEN ${v} < ${pts[mid]} THEN ${caseTree(v, pts, lo, mid)} ELSE ${caseTree(v, pts, mid, hi)} END`;
}

/** The stored fields behind `field` when they all have typed columns (derived fields read two), else undefined. */
function columnFields(def: EntityDef, field: string): string[] | undefined {
  const derived = derivedField(def, field);
  const fs = derived ? [derived.end, derived.start] : [field];
  return fs.every((f) => f === '_id' || (fieldDef(def, f)?.indexed && !f.startsWith('customFields.') && fieldDef(def, f)?.type !== 'string[]'))
    ? fs
    : undefined;
}

/** The fields an expression reads from `e_<type>` columns (multi-valued ones read the side table: none), or undefined for traversals. */
function exprFields(e: Expr): string[] | undefined {
  switch (e.kind) {
    case 'true':
    case 'false':
    case 'visible':
      return [];
    case 'and':
    case 'or': {
      const parts = e.items.map(exprFields);
      return parts.some((p) => p === undefined) ? undefined : parts.flatMap((p) => p ?? []);
    }
    case 'not':
      return exprFields(e.item);
    case 'compare':
    case 'between':
    case 'in':
    case 'like':
    case 'match':
    case 'has':
      return e.field.startsWith('customFields.') ? [] : [e.field];
    case 'parentId':
    case 'parent':
    case 'child':
      return undefined;
  }
}

/**
 * `e` without its top-level numeric range terms on `field` (`between`, `>=`, `<`), and the range
 * they gave (`from` inclusive, `to` exclusive): the rest AND `from <= field < to` is `e`.
 */
function splitRange(e: Expr, field: string): { rest: Expr; from: number; to: number } {
  let from = -Infinity;
  let to = Infinity;
  const rest: Expr[] = [];
  for (const t of e.kind === 'and' ? e.items : [e]) {
    if (t.kind === 'between' && t.field === field && typeof t.from === 'number' && typeof t.to === 'number') {
      from = Math.max(from, t.from);
      to = Math.min(to, t.to);
    } else if (t.kind === 'compare' && t.field === field && typeof t.value === 'number' && (t.op === 'gte' || t.op === 'lt')) {
      if (t.op === 'gte') from = Math.max(from, t.value);
      else to = Math.min(to, t.value);
    } else rest.push(t);
  }
  return { rest: rest.length === 0 ? { kind: 'true' } : rest.length === 1 ? rest[0]! : { kind: 'and', items: rest }, from, to };
}

/** Fields a top-level conjunct of `e` bounds (range or equality), which an index on them can seek. */
function rangeFields(e: Expr): Set<string> {
  const terms = e.kind === 'and' ? e.items : [e];
  const out = new Set<string>();
  for (const t of terms) if (t.kind === 'between' || (t.kind === 'compare' && t.op !== 'ne' && t.value !== null)) out.add(t.field);
  return out;
}

class AggRunner {
  private readonly def: EntityDef;
  private readonly tables = new Map<Agg, Map<string, Map<string, { key: Key; count: number }>>>();
  private readonly metrics = new Map<Agg, Map<string, Acc>>();
  private readonly levels = new Map<Agg, Level>();
  /** Rows of a child `terms` already read while counting its parent (`childRows`), for the child's own table. */
  private readonly readAhead = new Map<Agg, Array<Record<string, unknown>>>();
  /** The values of the first column of a covering index (`pieceGroups`), null when too many. */
  private readonly groupValues = new Map<string, readonly unknown[] | null>();

  constructor(
    private readonly q: Pick<Query, 'entity' | 'where'>,
    private readonly exec: Exec,
  ) {
    this.def = entityDef(q.entity);
  }

  /**
   * The covering index (schema.ts COVERING_INDEXES) that holds every field a query reads and
   * whose first field the query's filter bounds: the planner would rather take the narrower
   * single-field index and read one table row per match, which is what the covering index avoids.
   */
  private covering(fields: ReadonlyArray<string[] | undefined>, groupField: string | undefined, pieceField: string | undefined): string | undefined {
    const base = exprFields(this.q.where);
    if (!base || fields.some((f) => f === undefined)) return undefined;
    const all = new Set([...base, ...fields.flatMap((f) => f ?? [])]);
    const bounded = rangeFields(this.q.where);
    const usable = coveringIndexes(this.def).filter((c) => [...all].every((f) => f === '_id' || c.fields.includes(f)));
    const first = (field: string | undefined) => (field === undefined ? undefined : usable.find((c) => c.fields[0] === field));
    // a histogram piece: a range seek on the first field; grouped by the first field: rows come in
    // group order (a skip-scan seeks a bounded second field); otherwise an index the filter bounds
    return (first(pieceField) ?? first(groupField) ?? usable.find((c) => bounded.has(c.fields[0]!) || bounded.has(c.fields[1] ?? '')))?.index;
  }

  /** Rows of `SELECT <path keys>, <select> FROM e_<type> t0 <joins> WHERE <query> AND <path conds> GROUP BY <path keys>`; `fields`: the columns `select` reads. */
  private select(
    path: readonly Level[],
    select: string[],
    joins: string[] = [],
    conds: (params: unknown[]) => string[] = () => [],
    fields: string[] | undefined = [],
  ): Array<Record<string, unknown>> {
    const keyed = path.filter((l) => l.key && !l.pieces);
    const groupField = keyed.length === 1 && !keyed[0]!.joins.length && keyed[0]!.fields?.length === 1 ? keyed[0]!.fields[0] : undefined;
    const pw = path.findIndex((l) => l.pieces);
    const index = this.covering([...path.map((l) => l.fields), fields], groupField, pw < 0 ? undefined : path[pw]!.fields?.[0]);
    // A piece query must give SQLite the piece as its only range on the field, or it may seek the
    // (wider) period instead and filter the piece row by row: the query's top-level range on the
    // field is taken out of its filter and intersected with each piece.
    const split = pw < 0 ? { rest: this.q.where, from: -Infinity, to: Infinity } : splitRange(this.q.where, path[pw]!.fields![0]!);
    const groups = pw < 0 ? undefined : this.pieceGroups(path, pw, select, joins, fields);
    const run = (piece?: { at: number; next: number }, groupCond?: (params: unknown[]) => string): Array<Record<string, unknown>> => {
      const params: unknown[] = [];
      const keys = path.flatMap((l, i) => (i === pw ? [`${push(params, piece!.at)} AS k${i}`] : l.key ? [`${l.key} AS k${i}`] : []));
      const where = [compileWhere({ entity: this.q.entity, where: split.rest }, params)];
      // a piecewise histogram's own bounds are its pieces'
      path.forEach((l, i) => {
        if (i !== pw) where.push(...l.conds(params));
      });
      where.push(...conds(params));
      if (piece) {
        const raw = path[pw]!.pieces!.raw;
        const lo = Math.max(piece.at, split.from);
        const hi = Math.min(piece.next, split.to);
        if (lo >= hi) return [];
        where.push(`${raw} >= ${push(params, lo)}`);
        if (hi !== Infinity) where.push(`${raw} < ${push(params, hi)}`);
      }
      if (groupCond) where.push(groupCond(params));
      const groupBy = path.flatMap((l, i) => (l.key && i !== pw ? [`k${i}`] : []));
      const sql =
        `SELECT ${[...keys, ...select].join(', ')} FROM ${table(this.def.name)} t0${(groups?.index ?? index) ? ` INDEXED BY ${groups?.index ?? index}` : ''}` +
        `${[...path.flatMap((l) => l.joins), ...joins].map((j) => ` ${j}`).join('')}` +
        ` WHERE ${where.join(' AND ')}${groupBy.length ? ` GROUP BY ${groupBy.join(', ')}` : ''}`;
      return this.exec(sql, params);
    };
    if (pw < 0) return run();
    const { starts, end } = path[pw]!.pieces!;
    // a piece's query without GROUP BY answers one row even when nothing matches (count 0: callers skip it)
    if (!groups) return starts.flatMap((at, i) => run({ at, next: starts[i + 1] ?? end ?? Infinity }));
    const { column, values } = groups;
    return starts.flatMap((at, i) => {
      const piece = { at, next: starts[i + 1] ?? end ?? Infinity };
      return [
        ...(values.length ? run(piece, (params) => `${column} IN (${values.map((v) => push(params, v)).join(', ')})`) : []),
        ...run(piece, () => `${column} IS NULL`),
      ];
    });
  }

  /**
   * A piecewise histogram's count grouped by one column `g` below it (per-day counts by type) is
   * read, per piece, through a covering index that leads with `g` then the histogram's field, with
   * `g IN (its values)`: SQLite seeks the piece within each value and gets the rows in group order,
   * where grouping the piece's rows of the date-led index sorts them. The values (at most
   * `MAX_IN_VALUES`, else undefined) are enumerated by seeks in that index; NULL is counted apart.
   */
  private pieceGroups(
    path: readonly Level[],
    pw: number,
    select: readonly string[],
    joins: readonly string[],
    fields: string[] | undefined,
  ): { index: string; column: string; values: readonly unknown[] } | undefined {
    if (path.length !== 2 || select.length !== 1 || select[0] !== 'count(*) AS n' || joins.length || !fields || fields.length) return undefined;
    const g = path[1 - pw]!;
    const pieceField = path[pw]!.fields?.[0];
    const base = exprFields(this.q.where);
    if (!g.key || g.pieces || g.joins.length || g.fields?.length !== 1 || !pieceField || !base) return undefined;
    const gf = g.fields[0]!;
    const need = [...base, gf, pieceField];
    const c = coveringIndexes(this.def).find((x) => x.fields[0] === gf && x.fields[1] === pieceField && need.every((f) => f === '_id' || x.fields.includes(f)));
    if (!c) return undefined;
    let values = this.groupValues.get(c.index);
    if (values === undefined) {
      const t = `${table(this.def.name)} t0 INDEXED BY ${c.index}`;
      const next = (cond: string): string => `(SELECT ${g.key} FROM ${t} WHERE ${cond} ORDER BY ${g.key} LIMIT 1)`;
      const rows = this.exec(
        `WITH RECURSIVE tv(v) AS (SELECT ${next(`${g.key} IS NOT NULL`)} UNION ALL SELECT ${next(`${g.key} > tv.v`)} FROM tv WHERE tv.v IS NOT NULL LIMIT ${MAX_IN_VALUES + 1})` +
          ` SELECT v FROM tv WHERE v IS NOT NULL`,
        [],
      );
      values = rows.length > MAX_IN_VALUES ? null : rows.map((r) => r.v);
      this.groupValues.set(c.index, values);
    }
    return values ? { index: c.index, column: g.key, values } : undefined;
  }

  /** The bucket keys of a row along `path` (`true` for filters), or undefined when a key is missing. */
  private tuple(path: readonly Level[], row: Record<string, unknown>): Key[] | undefined {
    const out: Key[] = [];
    for (let i = 0; i < path.length; i++) {
      const l = path[i]!;
      const k = l.key ? l.map(row[`k${i}`]) : true;
      if (k === undefined) return undefined;
      out.push(k);
    }
    return out;
  }

  private join(alias: string, mvField: string): string {
    // CROSS JOIN keeps e_<type> outer: its filters (period, visibility) select the rows, then each
    // row's values are read through the side table's id index (rather than every row of the field)
    return `CROSS JOIN ${mvTable(this.def.name)} ${alias} ON ${alias}.f = ${quote(mvField)} AND ${alias}.id = t0._id`;
  }

  private levelOf(agg: Agg, path: readonly Level[]): Level {
    let l = this.levels.get(agg);
    if (l) return l;
    const i = path.length;
    switch (agg.kind) {
      case 'terms': {
        const ref = valueRef(this.def, agg.field);
        l =
          ref.kind === 'multi'
            ? { joins: [this.join(`j${i}`, ref.mvField)], fields: [], key: `j${i}.v`, conds: () => [], map: plainKey }
            : { joins: [], fields: columnFields(this.def, agg.field), key: ref.sql, conds: () => [], map: ref.boolean ? boolKey : plainKey };
        break;
      }
      case 'histogram':
        l = this.histogramLevel(agg, path);
        break;
      case 'filter':
        l = {
          joins: [],
          fields: exprFields(agg.where),
          conds: (params) => [compileWhere({ entity: this.q.entity, where: agg.where }, params)],
          map: () => true,
        };
        break;
      default:
        throw new Error(`${agg.kind} is not a bucketing aggregation`);
    }
    this.levels.set(agg, l);
    return l;
  }

  private histogramLevel(agg: Histogram, path: readonly Level[]): Level {
    if (!(agg.intervalMs > 0) && !agg.interval) throw new SearchError(`The histogram on "${agg.field}" needs a positive interval`);
    const ref = valueRef(this.def, agg.field);
    const raw = ref.kind === 'multi' ? `(SELECT h.v FROM ${mvTable(this.def.name)} h WHERE h.f = ${quote(ref.mvField)} AND h.id = t0._id LIMIT 1)` : ref.sql;
    const bounds = (params: unknown[]): string[] => {
      const c: string[] = [];
      if (agg.from !== undefined) c.push(`${raw} >= ${push(params, agg.from)}`);
      if (agg.to !== undefined) c.push(`${raw} < ${push(params, agg.to)}`);
      return c;
    };
    let min = agg.from;
    let max = agg.to !== undefined ? agg.to - 1 : undefined;
    if (min === undefined || max === undefined) {
      // grouped by the path's keys: the extremes over every group
      const rows = this.select(
        path,
        [`min(${NUM(raw)}) AS lo`, `max(${NUM(raw)}) AS hi`],
        [],
        bounds,
        ref.kind === 'multi' ? undefined : columnFields(this.def, agg.field),
      );
      const los = rows.map((x) => x.lo).filter((x): x is number => typeof x === 'number');
      const his = rows.map((x) => x.hi).filter((x): x is number => typeof x === 'number');
      min ??= los.length ? Math.min(...los) : undefined;
      max ??= his.length ? Math.max(...his) : undefined;
    }
    const fields = ref.kind === 'multi' ? undefined : columnFields(this.def, agg.field);
    if (min === undefined || max === undefined || min > max) return { joins: [], fields, key: 'NULL', conds: bounds, map: () => undefined };
    const pieces = histogramPieces(Math.floor(min), Math.floor(max), agg);
    const starts = new Map(pieces.map((p) => [p, bucketStart(p, agg)]));
    const map = (k: unknown): Key | undefined => (typeof k === 'number' ? starts.get(k) : undefined);
    // one query per piece only where each is an index-only range seek (a covering index leads with the field)
    const seekable = coveringIndexes(this.def).some((c) => c.fields[0] === agg.field);
    if (seekable && fields?.length === 1 && pieces.length <= MAX_PIECE_QUERIES && !path.some((l) => l.pieces)) {
      return { joins: [], fields, key: '?', conds: bounds, map, pieces: { raw, starts: pieces, ...(agg.to !== undefined ? { end: agg.to } : {}) } };
    }
    return {
      joins: [],
      fields,
      key: `(CASE WHEN typeof(${raw}) IN ('integer', 'real') AND ${raw} >= ${pieces[0]} THEN ${caseTree(raw, pieces)} END)`,
      conds: bounds,
      map: (k) => (typeof k === 'number' ? starts.get(k) : undefined),
    };
  }

  /**
   * Per-value counts of a top-level `terms` on a multi-valued field read from the side table
   * only, when the query is visibility plus a `_createdAt` range: rows carry their document's
   * organisation and date (schema.ts `mvScope`), so each value's count is a range of the primary
   * key (f, v, o, d) per visible organisation. Documents without a sole organisation (shared,
   * restricted; `o = ''`) are checked against the whole query in `e_<type>`. The values are
   * enumerated by seeking the next one (`MAX_SEEK_VALUES` at most, else one ordered pass over
   * the field's rows). Undefined when the query has other conditions.
   */
  private sideTableTerms(agg: Agg, path: readonly Level[]): Array<Record<string, unknown>> | undefined {
    if (agg.kind !== 'terms' || path.length) return undefined;
    const ref = valueRef(this.def, agg.field);
    const scope = sideTableScope(this.q.where);
    if (ref.kind !== 'multi' || !scope) return undefined;
    const m = mvTable(this.def.name);
    // the parameters are pushed in the order their `?` appear in the SQL
    const range = (params: unknown[], alias: string): string[] => [
      ...(scope.from > -Infinity ? [`${alias}.d >= ${push(params, scope.from)}`] : []),
      ...(scope.to < Infinity ? [`${alias}.d < ${push(params, scope.to)}`] : []),
    ];
    // without a visibility node every row counts, once, in `sole`
    const sole = (params: unknown[], alias: string): string =>
      (scope.orgs
        ? [`${alias}.o IN (${[...scope.orgs, ALL_ORGS].map((o) => push(params, o)).join(', ')})`, ...range(params, alias)]
        : range(params, alias)
      ).join(' AND ') || '1';
    const shared = (params: unknown[], alias: string): string =>
      scope.orgs
        ? [
            `${alias}.o = ''`,
            ...range(params, alias),
            `EXISTS (SELECT 1 FROM ${table(this.def.name)} t0 WHERE t0._id = ${alias}.id AND ${compileWhere({ entity: this.q.entity, where: this.q.where }, params)})`,
          ].join(' AND ')
        : '0';
    const f = quote(ref.mvField);
    const params: unknown[] = [];
    const next = (after: string): string => `(SELECT v FROM ${m} WHERE f = ${f}${after} ORDER BY v LIMIT 1)`;
    const rows = this.exec(
      `WITH RECURSIVE tv(v) AS (SELECT ${next('')} UNION ALL SELECT ${next(' AND v > tv.v')} FROM tv WHERE tv.v IS NOT NULL LIMIT ${MAX_SEEK_VALUES + 1})` +
        ` SELECT tv.v AS k0, (SELECT count(*) FROM ${m} a WHERE a.f = ${f} AND a.v = tv.v AND ${sole(params, 'a')})` +
        ` + (SELECT count(*) FROM ${m} b WHERE b.f = ${f} AND b.v = tv.v AND ${shared(params, 'b')}) AS n FROM tv WHERE tv.v IS NOT NULL`,
      params,
    );
    if (rows.length <= MAX_SEEK_VALUES) return rows;
    const p2: unknown[] = [];
    return this.exec(`SELECT c.v AS k0, count(*) AS n FROM ${m} c WHERE c.f = ${f} AND ((${sole(p2, 'c')}) OR (${shared(p2, 'c')})) GROUP BY c.v`, p2);
  }

  /**
   * A histogram or terms whose sub-aggregations include a `terms` on a single-valued field is
   * counted from that child's query (grouped by the parent's keys and the child's, the child's
   * NULL group included: each document of a parent bucket is in exactly one child group), which
   * is then kept for the child: one query instead of two (per piece for a piecewise histogram).
   */
  private childRows(agg: Agg, full: readonly Level[]): Array<Record<string, unknown>> | undefined {
    if (agg.kind !== 'histogram' && agg.kind !== 'terms') return undefined;
    const child = agg.aggs.find((c) => c.kind === 'terms' && valueRef(this.def, c.field).kind === 'scalar');
    if (!child) return undefined;
    const rows = this.select([...full, this.levelOf(child, full)], ['count(*) AS n']);
    this.readAhead.set(child, rows);
    return rows;
  }

  /** Bucket counts of a bucketing aggregation, by parent key tuple then bucket key. */
  private countTable(agg: Agg, path: readonly Level[]): Map<string, Map<string, { key: Key; count: number }>> {
    let t = this.tables.get(agg);
    if (t) return t;
    t = new Map();
    const full = [...path, this.levelOf(agg, path)];
    const rows = this.readAhead.get(agg) ?? this.childRows(agg, full) ?? this.sideTableTerms(agg, path) ?? this.select(full, ['count(*) AS n']);
    this.readAhead.delete(agg);
    for (const row of rows) {
      const tup = this.tuple(full, row);
      if (!tup || !Number(row.n)) continue;
      const parent = JSON.stringify(tup.slice(0, -1));
      const key = tup[tup.length - 1]!;
      let m = t.get(parent);
      if (!m) t.set(parent, (m = new Map()));
      const k = JSON.stringify(key);
      const e = m.get(k);
      if (e) e.count += Number(row.n);
      else m.set(k, { key, count: Number(row.n) });
    }
    this.tables.set(agg, t);
    return t;
  }

  private metricTable(agg: Extract<Agg, { kind: 'metric' }>, path: readonly Level[]): Map<string, Acc> {
    let t = this.metrics.get(agg);
    if (t) return t;
    t = new Map();
    const ref = valueRef(this.def, agg.field);
    const v = ref.kind === 'multi' ? NUM('jm.v') : NUM(ref.sql);
    const joins = ref.kind === 'multi' ? [this.join('jm', ref.mvField)] : [];
    const fields = ref.kind === 'multi' ? [] : columnFields(this.def, agg.field);
    for (const row of this.select(path, [`sum(${v}) AS s`, `count(${v}) AS c`, `min(${v}) AS lo`, `max(${v}) AS hi`], joins, undefined, fields)) {
      const tup = this.tuple(path, row);
      if (!tup || !Number(row.c)) continue;
      const k = JSON.stringify(tup);
      const a = t.get(k) ?? { count: 0, sum: 0, n: 0, min: null, max: null };
      a.sum += Number(row.s);
      a.n += Number(row.c);
      a.min = a.min === null ? Number(row.lo) : Math.min(a.min, Number(row.lo));
      a.max = a.max === null ? Number(row.hi) : Math.max(a.max, Number(row.hi));
      t.set(k, a);
    }
    this.metrics.set(agg, t);
    return t;
  }

  /** The results of `aggs` inside the bucket `prefix` (keys along `path`) holding `count()` documents. */
  run(aggs: readonly Agg[], path: readonly Level[], prefix: readonly Key[], count: () => number): AggResult {
    const out: AggResult = {};
    const pk = JSON.stringify(prefix);
    const visitors: { [K in AggKind]: (a: Extract<Agg, { kind: K }>) => AggValue } = {
      count: () => count(),
      metric: (a) => {
        const acc = this.metricTable(a, path).get(pk);
        if (!acc || acc.n === 0) return a.fn === 'sum' ? 0 : null;
        return a.fn === 'sum' ? acc.sum : a.fn === 'avg' ? acc.sum / acc.n : a.fn === 'min' ? acc.min : acc.max;
      },
      filter: (a) => {
        const level = this.levelOf(a, path);
        const n = this.countTable(a, path).get(pk)?.get('true')?.count ?? 0;
        return { count: n, aggs: this.run(a.aggs, [...path, level], [...prefix, true], () => n) };
      },
      terms: (a) => {
        if (!(a.size >= 0)) throw new SearchError(`The terms aggregation on "${a.field}" needs a size`);
        const level = this.levelOf(a, path);
        const groups = [...(this.countTable(a, path).get(pk)?.values() ?? [])].sort((x, y) => compareTerms(a.order, a.dir, x, y)).slice(0, a.size);
        return {
          buckets: groups.map((g) => ({
            key: g.key,
            count: g.count,
            ...(a.aggs.length ? { aggs: this.run(a.aggs, [...path, level], [...prefix, g.key], () => g.count) } : {}),
          })),
        };
      },
      histogram: (a) => {
        const level = this.levelOf(a, path);
        const present = this.countTable(a, path).get(pk) ?? new Map<string, { key: Key; count: number }>();
        const counts = new Map([...present.values()].map((g) => [g.key as number, g.count]));
        const keys = histogramKeys(counts.keys(), a);
        if (keys.length >= MAX_BUCKETS) throw new SearchError(`The histogram on "${a.field}" has too many buckets; use a larger interval or a shorter period`);
        return {
          buckets: keys.map((k) => {
            const n = counts.get(k) ?? 0;
            return { key: k, count: n, ...(a.aggs.length ? { aggs: this.run(a.aggs, [...path, level], [...prefix, k], () => n) } : {}) };
          }),
        };
      },
    };
    for (const agg of aggs) out[agg.name] = (visitors[agg.kind] as (a: Agg) => AggValue)(agg);
    return out;
  }

  total(): number {
    const r = this.select([], ['count(*) AS n'])[0];
    return Number(r?.n ?? 0);
  }
}

/** Values of a column `pieceGroups` lists in an IN before it lets SQLite group (and sort) the rows instead. */
const MAX_IN_VALUES = 64;

/** Distinct values `sideTableTerms` enumerates by seeks before it reads the field's rows in one pass instead. */
const MAX_SEEK_VALUES = 2_000;

/** Top-level conjuncts of `e` (nested `and`s flattened, `true` dropped). */
function conjuncts(e: Expr): Expr[] {
  return e.kind === 'and' ? e.items.flatMap(conjuncts) : e.kind === 'true' ? [] : [e];
}

/**
 * When `where` is only visibility (at most one node, principals or not) and numeric ranges on
 * `_createdAt`: the organisations (undefined: no visibility node) and the range, `from`
 * inclusive, `to` exclusive. Otherwise undefined.
 */
export function sideTableScope(where: Expr): { orgs?: readonly string[]; from: number; to: number } | undefined {
  const items = conjuncts(where);
  const vis = items.filter((i) => i.kind === 'visible');
  if (vis.length > 1) return undefined;
  const rest = items.filter((i) => i.kind !== 'visible');
  const { rest: left, from, to } = splitRange(rest.length === 1 ? rest[0]! : { kind: 'and', items: rest }, '_createdAt');
  if (conjuncts(left).length) return undefined;
  const v = vis[0];
  return { ...(v?.kind === 'visible' ? { orgs: v.orgIds } : {}), from, to };
}

function push(params: unknown[], v: unknown): string {
  params.push(v);
  return '?';
}

/**
 * Computes `aggs` over the documents of type `q.entity` matching `q.where` (which must hold the
 * visibility node: the service layer adds it). Throws SearchError for unknown fields and
 * histograms with too many buckets.
 */
export function runAggregations(q: Pick<Query, 'entity' | 'where'>, aggs: readonly Agg[], exec: Exec): AggResult {
  const r = new AggRunner(q, exec);
  let total: number | undefined;
  return r.run(aggs, [], [], () => (total ??= r.total()));
}
