/**
 * Compiles the query IR to the OpenSearch query DSL, over the projection of `projection.ts`.
 * The visitor is a `Record<ExprKind, …>` (like `storage/sqlite/compile.ts`), so a new IR kind
 * fails the build here until it is handled. Traversals (`parent`, `child`) run a first query
 * on the related index and continue with the ids it returns (`Resolver`).
 */
import type { Expr, ExprKind, Scalar, SortKey } from '@waggle/server/src/query/ir.js';
import type { EntityDef, FieldDef } from '@waggle/server/src/entities/registry.js';
import type { ClusterDeps } from '../deps.js';
import { cfKey } from './projection.js';

export type Dsl = Record<string, unknown>;

/** Runs a sub-query on another entity's index and returns the values of one keyword field. */
export type Resolver = (entity: string, query: Dsl, field: string) => Promise<string[]>;

export const MATCH_ALL: Dsl = { match_all: {} };
export const MATCH_NONE: Dsl = { match_none: {} };

const bool = (b: Dsl): Dsl => ({ bool: b });
const not = (q: Dsl): Dsl => bool({ must_not: [q] });
const or = (qs: Dsl[]): Dsl => (qs.length === 0 ? MATCH_NONE : qs.length === 1 ? qs[0]! : bool({ should: qs, minimum_should_match: 1 }));
const and = (qs: Dsl[]): Dsl => (qs.length === 0 ? MATCH_ALL : qs.length === 1 ? qs[0]! : bool({ filter: qs }));

const isNumeric = (v: unknown): boolean => typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
const escapeWildcard = (s: string): string => s.replace(/[\\*?]/g, (c) => `\\${c}`);

/** Where a field's values live in the index. */
export interface FieldRef {
  def: FieldDef;
  /** Path prefix of the typed values: `f.title` or `cf.score`. */
  path: string;
  /** Nested values for per-value text matching: `{ path, key? }` (custom fields carry a key). */
  nested?: { path: string; key?: string };
  date: boolean;
}

export function resolveField(def: EntityDef, field: string, deps: ClusterDeps, derived = false): FieldRef {
  const { SearchError } = deps.errors;
  if (
    derived &&
    !Object.hasOwn(def.fields, field) &&
    deps.registry.DERIVED_FIELDS?.[def.name] &&
    Object.hasOwn(deps.registry.DERIVED_FIELDS[def.name]!, field)
  ) {
    return { def: { type: 'integer' }, path: `f.${field}`, date: false };
  }
  const fd = deps.registry.fieldDef(def, field);
  if (!fd) throw new SearchError(`Unknown field "${field}" for ${def.apiType}`);
  if (field.startsWith('customFields.') && !Object.hasOwn(def.fields, field)) {
    const name = field.slice('customFields.'.length);
    if (!/^[A-Za-z0-9_\-.]+$/.test(name)) throw new SearchError(`Invalid custom field name "${name}"`);
    return { def: fd, path: `cf.${cfKey(name)}`, nested: { path: 'cfm', key: name }, date: false };
  }
  return { def: fd, path: `f.${field}`, ...(fd.type === 'string[]' ? { nested: { path: `mv.${field}` } } : {}), date: fd.type === 'date' };
}

const NUMERIC_TYPES = new Set(['integer', 'float', 'date']);

/** Coerces a filter value to what the field stores (as the SQLite backend does), so `"2"` finds severity 2. */
function coerce(ref: FieldRef, value: Scalar, field: string, deps: ClusterDeps): Scalar {
  const { SearchError } = deps.errors;
  if (value === null) return null;
  if (NUMERIC_TYPES.has(ref.def.type)) {
    if (typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (!isNumeric(value)) throw new SearchError(`Field "${field}" is numeric; "${value}" is not a number`);
    return Number(value);
  }
  if (ref.def.type === 'boolean') {
    if (typeof value === 'boolean' || typeof value === 'number') return value ? 1 : 0;
    if (value.toLowerCase() === 'true') return 1;
    if (value.toLowerCase() === 'false') return 0;
    throw new SearchError(`Field "${field}" is a boolean; "${value}" is not`);
  }
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

type RangeOp = 'gt' | 'gte' | 'lt' | 'lte';

/** Values of the field that compare to `v` with `op` (`eq` or a range), by the value's JSON type. */
function typedCond(ref: FieldRef, op: 'eq' | RangeOp, v: Scalar): Dsl {
  const onNum = (n: number): Dsl => (op === 'eq' ? { term: { [`${ref.path}.n`]: n } } : { range: { [`${ref.path}.n`]: { [op]: n } } });
  const onStr = (s: string): Dsl => (op === 'eq' ? { term: { [`${ref.path}.s`]: s } } : { range: { [`${ref.path}.s`]: { [op]: s } } });
  if (typeof v === 'number') return onNum(v);
  if (typeof v !== 'string') return MATCH_NONE;
  return isNumeric(v) ? or([onStr(v), onNum(Number(v))]) : onStr(v);
}

function typedRange(ref: FieldRef, from: Scalar, to: Scalar): Dsl {
  const parts: Dsl[] = [];
  if (typeof from === 'string' && typeof to === 'string') parts.push({ range: { [`${ref.path}.s`]: { gte: from, lt: to } } });
  if (isNumeric(from) && isNumeric(to)) parts.push({ range: { [`${ref.path}.n`]: { gte: Number(from), lt: Number(to) } } });
  return or(parts);
}

const has = (ref: FieldRef): Dsl => ({ term: { [`${ref.path}.x`]: true } });

export interface CompileCtx {
  deps: ClusterDeps;
  resolve: Resolver;
}

/** Compiles `expr` on entity `def` to a DSL query (without the namespace filter). */
export async function compileExpr(expr: Expr, def: EntityDef, ctx: CompileCtx): Promise<Dsl> {
  const { deps } = ctx;
  const { SearchError } = deps.errors;
  const field = (name: string): FieldRef => resolveField(def, name, deps);
  const sub = (e: Expr): Promise<Dsl> => compileExpr(e, def, ctx);
  const relationOf = (d: EntityDef, relation: string): void => {
    if (!d.parents.includes(relation)) throw new SearchError(`${d.apiType} has no parent ${relation}`);
  };

  const visitors: { [K in ExprKind]: (e: Extract<Expr, { kind: K }>) => Promise<Dsl> | Dsl } = {
    true: () => MATCH_ALL,
    false: () => MATCH_NONE,
    and: async (e) => and(await Promise.all(e.items.map(sub))),
    or: async (e) => or(await Promise.all(e.items.map(sub))),
    not: async (e) => not(await sub(e.item)),
    compare: (e) => {
      const ref = field(e.field);
      const v = coerce(ref, e.value, e.field, deps);
      if (v === null) return e.op === 'eq' ? not(has(ref)) : e.op === 'ne' ? has(ref) : MATCH_NONE;
      if (e.op === 'ne') return not(typedCond(ref, 'eq', v));
      return typedCond(ref, e.op, v);
    },
    between: (e) => {
      const ref = field(e.field);
      const from = coerce(ref, e.from, e.field, deps);
      const to = coerce(ref, e.to, e.field, deps);
      if (from === null || to === null) return MATCH_NONE;
      return typedRange(ref, from, to);
    },
    in: (e) => {
      const ref = field(e.field);
      return or(
        e.values.map((v) => {
          const c = coerce(ref, v, e.field, deps);
          return c === null ? MATCH_NONE : typedCond(ref, 'eq', c);
        }),
      );
    },
    like: (e) => {
      const ref = field(e.field);
      const v = escapeWildcard(e.value.toLowerCase());
      const pattern = e.mode === 'contains' ? `*${v}*` : e.mode === 'startsWith' ? `${v}*` : `*${v}`;
      return { wildcard: { [`${ref.path}.l`]: { value: pattern } } };
    },
    match: (e) => {
      const ref = field(e.field);
      const words = e.value.toLowerCase().split(/\s+/).filter(Boolean);
      if (words.length === 0) return has(ref);
      if (!ref.nested || words.length === 1) return and(words.map((w) => ({ wildcard: { [`${ref.path}.l`]: { value: `*${escapeWildcard(w)}*` } } })));
      // every word in one and the same value of a multi-valued field
      const np = ref.nested.path;
      const conds: Dsl[] = words.map((w) => ({ wildcard: { [`${np}.l`]: { value: `*${escapeWildcard(w)}*` } } }));
      if (ref.nested.key !== undefined) conds.push({ term: { [`${np}.k`]: ref.nested.key } });
      return { nested: { path: np, query: and(conds) } };
    },
    has: (e) => has(field(e.field)),
    parentId: (e) => {
      relationOf(def, e.relation);
      const path = `_parents.${e.relation}`;
      const ids = e.ids.filter((id) => id !== '');
      const parts: Dsl[] = ids.length ? [{ terms: { [path]: ids } }] : [];
      if (ids.length !== e.ids.length) parts.push(not({ exists: { field: path } }));
      return or(parts);
    },
    parent: async (e) => {
      relationOf(def, e.relation);
      const pdef = deps.registry.entityDef(e.parentType);
      const ids = await ctx.resolve(pdef.name, await compileExpr(e.where, pdef, ctx), '_wid');
      return ids.length ? { terms: { [`_parents.${e.relation}`]: ids } } : MATCH_NONE;
    },
    child: async (e) => {
      const cdef = deps.registry.entityDef(e.childType);
      relationOf(cdef, e.relation);
      const ids = await ctx.resolve(cdef.name, await compileExpr(e.where, cdef, ctx), `_parents.${e.relation}`);
      return ids.length ? { terms: { _wid: ids } } : MATCH_NONE;
    },
    visible: (e) => {
      const orgs = { terms: { _orgs: [...e.orgIds, deps.registry.ALL_ORGS] } };
      if (!e.principals) return orgs;
      const unrestricted = not({ term: { _restricted: true } });
      if (e.principals.length === 0) return and([orgs, unrestricted]);
      return and([orgs, or([unrestricted, { terms: { _restrictedTo: [...e.principals] } }])]);
    },
  };
  return (visitors[expr.kind] as (e: Expr) => Promise<Dsl> | Dsl)(expr);
}

/** The sort clause: typed values by the field's declared type, ties broken by id. */
export function compileSort(sort: readonly SortKey[], def: EntityDef, deps: ClusterDeps): Dsl[] {
  const out: Dsl[] = [];
  for (const k of sort) {
    const ref = resolveField(def, k.field, deps);
    const t = ref.def.type;
    const numeric = NUMERIC_TYPES.has(t) || t === 'boolean';
    const textual = t === 'string' || t === 'text' || t === 'string[]';
    if (numeric || !textual) out.push({ [`${ref.path}.n`]: { order: k.dir, missing: k.dir === 'asc' ? '_last' : '_first', unmapped_type: 'double' } });
    if (textual || !numeric) out.push({ [`${ref.path}.s`]: { order: k.dir, missing: k.dir === 'asc' ? '_last' : '_first', unmapped_type: 'keyword' } });
  }
  out.push({ _wid: { order: 'asc' } });
  return out;
}
