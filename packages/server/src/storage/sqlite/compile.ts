/**
 * Compiles the query IR to SQLite SQL. The visitor is a `Record<ExprKind, …>`, so adding a
 * node kind to the IR fails the build here until it is handled.
 */
import type { Expr, ExprKind, Query, Scalar, SortKey } from '../../query/ir.js';
import { entityDef, fieldDef, ALL_ORGS, RESTRICTED_TO, type EntityDef, type FieldDef } from '../../entities/registry.js';
import { SearchError } from '../../errors/errors.js';
import {
  docOf,
  fieldColumn,
  isLookupField,
  isSparseField,
  jsonPath,
  leadingIndex,
  lookupTable,
  lookupToken,
  mvTable,
  ORG_COLUMN,
  parentColumn,
  sortIndexes,
  table,
} from './schema.js';

export interface Compiled {
  sql: string;
  params: unknown[];
}

interface Ctx {
  params: unknown[];
  aliasCounter: { n: number };
}

type FieldRef = { kind: 'column'; sql: string; def: FieldDef } | { kind: 'multi'; mvField: string; def: FieldDef };

function resolveField(def: EntityDef, alias: string, field: string): FieldRef {
  const fd = fieldDef(def, field);
  if (!fd) throw new SearchError(`Unknown field "${field}" for ${def.apiType}`);
  if (field === '_id') return { kind: 'column', sql: `${alias}._id`, def: fd };
  if (field.startsWith('customFields.')) {
    const name = field.slice('customFields.'.length);
    if (!/^[A-Za-z0-9_\-.]+$/.test(name)) throw new SearchError(`Invalid custom field name "${name}"`);
    return { kind: 'multi', mvField: `cf.${name}`, def: fd };
  }
  if (fd.type === 'string[]') return { kind: 'multi', mvField: field, def: fd };
  if (fd.indexed) return { kind: 'column', sql: `${alias}.${fieldColumn(field)}`, def: fd };
  return { kind: 'column', sql: `json_extract(${docOf(def.name, alias)}, ${jsonPath(field)})`, def: fd };
}

/** Coerces a filter value to what the field stores, so `"2"` finds severity 2. */
function coerce(fd: FieldDef, value: Scalar, field: string): unknown {
  if (value === null) return null;
  switch (fd.type) {
    case 'integer':
    case 'float':
    case 'date': {
      if (typeof value === 'number') return value;
      if (typeof value === 'boolean') return value ? 1 : 0;
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new SearchError(`Field "${field}" is numeric; "${value}" is not a number`);
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value === 'number') return value ? 1 : 0;
      if (value.toLowerCase() === 'true') return 1;
      if (value.toLowerCase() === 'false') return 0;
      throw new SearchError(`Field "${field}" is a boolean; "${value}" is not`);
    default:
      if (typeof value === 'boolean') return value ? 1 : 0;
      return value;
  }
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const SQL_OP = { eq: '=', ne: 'IS NOT', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

const isNumeric = (v: unknown): boolean => typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
const IS_NUM = (col: string): string => `typeof(${col}) IN ('integer', 'real')`;
const IS_TEXT = (col: string): string => `typeof(${col}) = 'text'`;

/**
 * A condition on an untyped value (multi-valued side table: tags, custom fields) with the
 * reference semantics of query/evaluate.ts: numbers compare with numbers or numeric strings,
 * strings with strings, and nothing else matches.
 */
function typedCond(col: string, op: string, v: unknown, p: (v: unknown) => string): string {
  if (typeof v === 'number') return `(${IS_NUM(col)} AND ${col} ${op} ${p(v)})`;
  if (typeof v !== 'string') return '0';
  const text = `(${IS_TEXT(col)} AND ${col} ${op} ${p(v)})`;
  return isNumeric(v) ? `(${text} OR (${IS_NUM(col)} AND ${col} ${op} ${p(Number(v))}))` : text;
}

/** `from <= col < to` on an untyped value, typed as `typedCond`. */
function typedRange(col: string, from: unknown, to: unknown, p: (v: unknown) => string): string {
  const parts: string[] = [];
  if (typeof from === 'string' && typeof to === 'string') parts.push(`(${IS_TEXT(col)} AND ${col} >= ${p(from)} AND ${col} < ${p(to)})`);
  if (isNumeric(from) && isNumeric(to)) parts.push(`(${IS_NUM(col)} AND ${col} >= ${p(Number(from))} AND ${col} < ${p(Number(to))})`);
  return parts.length ? `(${parts.join(' OR ')})` : '0';
}

const isTextField = (fd: FieldDef): boolean => fd.type === 'string' || fd.type === 'text';

function compileExpr(expr: Expr, def: EntityDef, alias: string, ctx: Ctx): string {
  const p = (v: unknown): string => {
    ctx.params.push(v);
    return '?';
  };
  const mv = (mvField: string, cond: string): string =>
    `EXISTS (SELECT 1 FROM ${mvTable(def.name)} mv WHERE mv.f = '${mvField.replace(/'/g, "''")}' AND mv.id = ${alias}._id${cond ? ` AND ${cond}` : ''})`;
  const sub = (e: Expr): string => compileExpr(e, def, alias, ctx);
  /**
   * The rows whose lookup field (schema.ts `LOOKUP_FIELDS`) may hold one of `values`, from its
   * lookup table; the caller still compares the column. Undefined when not a lookup field, or
   * for a value that is not a string (none is stored as a token: that filter reads the table).
   */
  const lookup = (field: string, values: readonly unknown[]): string | undefined => {
    if (!isLookupField(def, field) || !values.every((v) => typeof v === 'string')) return undefined;
    const x = lookupTable(def.name, field);
    const tokens = [...new Set((values as string[]).map(lookupToken))];
    // one MATCH per token, driven by json_each: linear in the tokens (an FTS5 "a OR b OR …"
    // query merges its terms in O(terms × rows): 20,000 values took 1.5 s, against 0.13 s here)
    const n = ++ctx.aliasCounter.n;
    return `${alias}.rid IN (SELECT l${n}.rowid FROM json_each(${p(JSON.stringify(tokens))}) j${n}, ${x} l${n} WHERE l${n}.${x} MATCH j${n}.value)`;
  };

  const visitors: { [K in ExprKind]: (e: Extract<Expr, { kind: K }>) => string } = {
    true: () => '1',
    false: () => '0',
    and: (e) => `(${e.items.map(sub).join(' AND ')})`,
    or: (e) => `(${e.items.map(sub).join(' OR ')})`,
    // `IS NOT 1` rather than NOT: a comparison with a missing (NULL) value must count as false, so its negation is true
    not: (e) => `((${sub(e.item)}) IS NOT 1)`,
    compare: (e) => {
      const ref = resolveField(def, alias, e.field);
      const v = coerce(ref.def, e.value, e.field);
      if (ref.kind === 'multi') {
        if (v === null) return e.op === 'eq' ? `(NOT ${mv(ref.mvField, '')})` : e.op === 'ne' ? mv(ref.mvField, '') : '0';
        if (e.op === 'ne') return `(NOT ${mv(ref.mvField, typedCond('mv.v', '=', v, p))})`;
        return mv(ref.mvField, typedCond('mv.v', SQL_OP[e.op], v, p));
      }
      if (v === null) return e.op === 'eq' ? `${ref.sql} IS NULL` : e.op === 'ne' ? `${ref.sql} IS NOT NULL` : '0';
      // a string never equals or orders against a number (and SQLite would rank every text above it)
      if (isTextField(ref.def) && typeof v === 'number' && e.op !== 'ne') return '0';
      const rows = e.op === 'eq' ? lookup(e.field, [v]) : undefined;
      return rows ? `(${rows} AND ${ref.sql} = ${p(v)})` : `${ref.sql} ${SQL_OP[e.op]} ${p(v)}`;
    },
    between: (e) => {
      const ref = resolveField(def, alias, e.field);
      const from = coerce(ref.def, e.from, e.field);
      const to = coerce(ref.def, e.to, e.field);
      if (ref.kind === 'multi') return mv(ref.mvField, typedRange('mv.v', from, to, p));
      if (from === null || to === null || (isTextField(ref.def) && (typeof from === 'number' || typeof to === 'number'))) return '0';
      return `(${ref.sql} >= ${p(from)} AND ${ref.sql} < ${p(to)})`;
    },
    in: (e) => {
      if (e.values.length === 0) return '0';
      const ref = resolveField(def, alias, e.field);
      const coerced = e.values.map((v) => coerce(ref.def, v, e.field));
      if (ref.kind === 'multi') {
        const strs = coerced.filter((v): v is string => typeof v === 'string');
        const nums = coerced.filter(isNumeric).map(Number);
        const parts: string[] = [];
        if (strs.length) parts.push(`(${IS_TEXT('mv.v')} AND mv.v IN (${strs.map((v) => p(v)).join(', ')}))`);
        if (nums.length) parts.push(`(${IS_NUM('mv.v')} AND mv.v IN (${nums.map((v) => p(v)).join(', ')}))`);
        return parts.length ? mv(ref.mvField, `(${parts.join(' OR ')})`) : '0';
      }
      const rows = lookup(e.field, coerced);
      const inList = `${ref.sql} IN (${coerced.map((v) => p(v)).join(', ')})`;
      return rows ? `(${rows} AND ${inList})` : inList;
    },
    like: (e) => {
      const ref = resolveField(def, alias, e.field);
      const v = escapeLike(e.value);
      const pattern = e.mode === 'contains' ? `%${v}%` : e.mode === 'startsWith' ? `${v}%` : `%${v}`;
      if (ref.kind === 'multi') return mv(ref.mvField, `mv.v LIKE ${p(pattern)} ESCAPE '\\'`);
      return `${ref.sql} LIKE ${p(pattern)} ESCAPE '\\'`;
    },
    match: (e) => {
      const ref = resolveField(def, alias, e.field);
      const words = e.value.split(/\s+/).filter(Boolean);
      if (words.length === 0) return ref.kind === 'multi' ? mv(ref.mvField, '') : `${ref.sql} IS NOT NULL`;
      const conds = words.map((w) => `LIKE ${p(`%${escapeLike(w)}%`)} ESCAPE '\\'`);
      // every word in one and the same value
      if (ref.kind === 'multi') return mv(ref.mvField, conds.map((c) => `mv.v ${c}`).join(' AND '));
      return `(${conds.map((c) => `${ref.sql} ${c}`).join(' AND ')})`;
    },
    has: (e) => {
      const ref = resolveField(def, alias, e.field);
      if (ref.kind === 'multi') return mv(ref.mvField, '');
      return `${ref.sql} IS NOT NULL`;
    },
    parentId: (e) => {
      if (!def.parents.includes(e.relation)) throw new SearchError(`${def.apiType} has no parent ${e.relation}`);
      if (e.ids.length === 0) return '0';
      return `${alias}.${parentColumn(e.relation)} IN (${e.ids.map((id) => p(id)).join(', ')})`;
    },
    parent: (e) => {
      if (!def.parents.includes(e.relation)) throw new SearchError(`${def.apiType} has no parent ${e.relation}`);
      const pdef = entityDef(e.parentType);
      const a = `t${++ctx.aliasCounter.n}`;
      return `${alias}.${parentColumn(e.relation)} IN (SELECT ${a}._id FROM ${table(pdef.name)} ${a} WHERE ${compileExpr(e.where, pdef, a, ctx)})`;
    },
    child: (e) => {
      const cdef = entityDef(e.childType);
      if (!cdef.parents.includes(e.relation)) throw new SearchError(`${cdef.apiType} has no parent ${e.relation}`);
      const a = `t${++ctx.aliasCounter.n}`;
      return `EXISTS (SELECT 1 FROM ${table(cdef.name)} ${a} WHERE ${a}.${parentColumn(e.relation)} = ${alias}._id AND ${compileExpr(e.where, cdef, a, ctx)})`;
    },
    visible: (e) => {
      const orgs = [...e.orgIds, ALL_ORGS];
      // Most documents belong to one organisation and are not restricted: their `v_org` column
      // answers without the side table (see schema.ts soleOrg); the others (shared, restricted) have it NULL.
      const sole = `${alias}.${ORG_COLUMN} IN (${orgs.map((o) => p(o)).join(', ')})`;
      const byOrg = `EXISTS (SELECT 1 FROM ${mvTable(def.name)} vis WHERE vis.f = '_orgs' AND vis.v IN (${orgs.map((o) => p(o)).join(', ')}) AND vis.id = ${alias}._id)`;
      const viaSideTable = (cond: string): string => `(${sole} OR (${alias}.${ORG_COLUMN} IS NULL AND ${cond}))`;
      if (!e.principals) return viaSideTable(byOrg);
      const restricted = `EXISTS (SELECT 1 FROM ${mvTable(def.name)} rst WHERE rst.f = '${RESTRICTED_TO}' AND rst.id = ${alias}._id)`;
      if (e.principals.length === 0) return viaSideTable(`${byOrg} AND NOT ${restricted}`);
      const allowed = `EXISTS (SELECT 1 FROM ${mvTable(def.name)} rst WHERE rst.f = '${RESTRICTED_TO}' AND rst.v IN (${e.principals.map((x) => p(x)).join(', ')}) AND rst.id = ${alias}._id)`;
      return viaSideTable(`${byOrg} AND (NOT ${restricted} OR ${allowed})`);
    },
  };
  return (visitors[expr.kind] as (e: Expr) => string)(expr);
}

function compileSort(sort: readonly SortKey[], def: EntityDef, alias: string): string {
  const parts = sort.map((k) => {
    const fd = fieldDef(def, k.field);
    if (!fd) throw new SearchError(`Unknown sort field "${k.field}" for ${def.apiType}`);
    let sql: string;
    if (k.field === '_id') sql = `${alias}._id`;
    else if (fd.indexed && fd.type !== 'string[]') sql = `${alias}.${fieldColumn(k.field)}`;
    else if (k.field.startsWith('customFields.')) {
      const name = k.field.slice('customFields.'.length);
      if (!/^[A-Za-z0-9_\-.]+$/.test(name)) throw new SearchError(`Invalid custom field name "${name}"`);
      sql = `(SELECT min(v) FROM ${mvTable(def.name)} s WHERE s.f = 'cf.${name}' AND s.id = ${alias}._id)`;
    } else if (fd.type === 'string[]') sql = `json_extract(${docOf(def.name, alias)}, ${jsonPath(k.field)}||'[0]')`;
    else sql = `json_extract(${docOf(def.name, alias)}, ${jsonPath(k.field)})`;
    return `${sql} ${k.dir === 'asc' ? 'ASC' : 'DESC'}`;
  });
  if (!sort.some((k) => k.field === '_id')) parts.push(`${alias}._id ${sort[0]?.dir === 'asc' ? 'ASC' : 'DESC'}`);
  return parts.join(', ');
}

/** The WHERE clause of `q` for alias `t0`, with its parameters. */
export function compileWhere(q: Pick<Query, 'entity' | 'where'>, params: unknown[]): string {
  const def = entityDef(q.entity);
  return compileExpr(q.where, def, 't0', { params, aliasCounter: { n: 0 } });
}

const DEFAULT_SORT: readonly SortKey[] = [{ field: '_createdAt', dir: 'desc' }];

/**
 * The leading sort keys of a rows query that an index serves in order: the first key when it
 * is a typed column (its own index), or the first two when a two-field sort index exists and
 * both go downwards (the bound on a pair is exact only where NULLs come last).
 */
export interface SortWindow {
  columns: string[];
  index: string;
  dir: 'asc' | 'desc';
}

/** The window a rows query may walk (see `compileQuery`'s `bound`), if its leading sort keys have an index. */
export function sortWindow(q: Query): SortWindow | undefined {
  const def = entityDef(q.entity);
  const sort = q.sort.length ? q.sort : DEFAULT_SORT;
  const first = sort[0]!;
  const second = sort[1];
  if (first.dir === 'desc' && second?.dir === 'desc') {
    const pair = sortIndexes(def).find((x) => x.fields[0] === first.field && x.fields[1] === second.field);
    if (pair) return { columns: [fieldColumn(first.field), fieldColumn(second.field)], index: pair.index, dir: 'desc' };
  }
  const fd = fieldDef(def, first.field);
  // a partial index (sparse field) lacks the rows without a value: it cannot give the order
  // a lookup field (schema.ts LOOKUP_FIELDS) has no index that leads with it: leadingIndex is undefined
  if (!fd?.indexed || fd.type === 'string[]' || fd.type === 'customFields' || first.field === '_id' || isSparseField(def, first.field)) return undefined;
  // the field's own index, or a covering index that leads with it (schema.ts OWN_INDEX_LEFT_OUT)
  const index = leadingIndex(def, first.field);
  return index ? { columns: [fieldColumn(first.field)], index, dir: first.dir } : undefined;
}

/** Rows per value assumed for a lookup field, which has no planner statistics (observable data: about 2 on the benchmark seed). */
const LOOKUP_ROWS_PER_VALUE = 4;

/**
 * An upper estimate of the rows a query's best index term matches, from the planner's
 * statistics (`avgRows(index)`: rows per key of an index, from sqlite_stat1), or undefined
 * when no term is known. Only conjuncts are considered: equality and IN on typed columns, ids,
 * parent ids, and parent traversals whose own filter is estimated (a case's observables).
 * A small estimate means the plain query sorts few rows, so walking the sort index is useless.
 */
export function estimateRows(entity: string, where: Expr, avgRows: (index: string) => number | undefined): number | undefined {
  const def = entityDef(entity);
  const terms = where.kind === 'and' ? where.items : [where];
  let best: number | undefined;
  const keep = (n: number | undefined): void => {
    if (n !== undefined && (best === undefined || n < best)) best = n;
  };
  for (const t of terms) {
    if (t.kind === 'false') return 0;
    if ((t.kind === 'compare' && t.op === 'eq' && t.value !== null) || t.kind === 'in') {
      const n = t.kind === 'in' ? t.values.length : 1;
      if (t.field === '_id') keep(n);
      else {
        const fd = fieldDef(def, t.field);
        // statistics of the index that leads with the field: the second figure of sqlite_stat1 is rows per first-column value
        const index = !isLookupField(def, t.field) && fd?.indexed && fd.type !== 'string[]' ? leadingIndex(def, t.field) : undefined;
        const avg = isLookupField(def, t.field) ? LOOKUP_ROWS_PER_VALUE : index ? avgRows(index.slice(1, -1)) : undefined;
        if (avg !== undefined) keep(n * avg);
      }
    } else if (t.kind === 'parentId') {
      const avg = avgRows(`i_${def.name}_p_${t.relation}`);
      if (avg !== undefined) keep(t.ids.length * avg);
    } else if (t.kind === 'parent') {
      const parents = estimateRows(t.parentType, t.where, avgRows);
      const avg = avgRows(`i_${def.name}_p_${t.relation}`);
      if (parents !== undefined && avg !== undefined) keep(parents * avg);
    }
  }
  return best;
}

/**
 * Compiles a rows or count query. A rows query selects `rid` and `v` (version) of the page, in
 * order; the adapter reads the documents of those rows afterwards.
 *
 * With `bound`, the rows query only considers the rows whose first sort key is at or before
 * `bound.value` in sort order, walking that key's index: a page of a large result is then
 * found without sorting every match. The page is exact whenever it comes back full (every row
 * before the bound, ties included, was considered); the adapter falls back to the unbounded
 * query otherwise.
 */
export function compileQuery(q: Query, bound?: { window: SortWindow; values: unknown[] }): Compiled {
  const def = entityDef(q.entity);
  const params: unknown[] = [];
  const where = compileWhere(q, params);
  if (q.output.kind === 'count') return { sql: `SELECT count(*) AS n FROM ${table(def.name)} t0 WHERE ${where}`, params };
  if (q.output.kind === 'rows') {
    const order = compileSort(q.sort.length ? q.sort : DEFAULT_SORT, def, 't0');
    const limit = Math.max(0, q.output.to - q.output.from);
    let from = `FROM ${table(def.name)} t0 WHERE ${where}`;
    if (bound) {
      const w = bound.window;
      const cols = w.columns.map((c) => `t0.${c}`);
      const key = cols.length === 1 ? cols[0]! : `(${cols.join(', ')})`;
      const at = cols.length === 1 ? '?' : `(${cols.map(() => '?').join(', ')})`;
      from = `FROM ${table(def.name)} t0 INDEXED BY ${w.index} WHERE ${key} ${w.dir === 'desc' ? '>=' : '<='} ${at} AND ${where}`;
      params.unshift(...bound.values);
    }
    params.push(limit, q.output.from);
    return { sql: `SELECT t0.rid AS rid, t0._version AS v ${from} ORDER BY ${order} LIMIT ? OFFSET ?`, params };
  }
  throw new SearchError('Aggregations are compiled separately');
}
