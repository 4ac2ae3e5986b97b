/**
 * The OpenSearch side of a document: one index per entity type, whose explicit mapping is
 * derived from the entity registry, and the projection of a document into it.
 *
 * The query IR compares values by their JSON type (numbers with numbers or numeric strings,
 * strings with strings, see `query/evaluate.ts`), whatever the field's declared type. So every
 * queryable field is indexed as a small object of typed values rather than one typed field:
 *
 * - `f.<field>.n` (double): numeric values, booleans as 1/0;
 * - `f.<field>.s` (keyword): string values (exact, case-sensitive);
 * - `f.<field>.l` (keyword): every scalar value as lower-cased text, for `like` and `match`;
 * - `f.<field>.d` (date, epoch millis): numeric values of numeric, date, boolean, derived and
 *   custom fields, for time-zone histograms (OpenSearch refuses time zones on numeric fields);
 * - `f.<field>.x` (boolean): the field has a value (`has`, `eq null`).
 *
 * Custom fields go to `cf.<name>.*` (dynamic templates give the same subfields). Multi-valued
 * fields (`string[]`, custom fields) are also indexed as nested values (`mv.<field>`, `cfm`) so
 * that `match` finds every word in one and the same value. System fields: `_wid` (id), `_ns`
 * (store namespace), `_orgs`, `_restricted`/`_restrictedTo`, `_parents.<relation>`.
 *
 * Strings longer than `MAX_TERM_CHARS` are not indexed as keywords (Lucene's term limit is
 * 32 KiB): `like`, `match`, equality and sorting do not see them.
 */
import type { Doc } from '@waggle/server/src/storage/entity-store.js';
import type { EntityDef, FieldDef } from '@waggle/server/src/entities/registry.js';
import type { ClusterDeps } from '../deps.js';

export const MAX_TERM_CHARS = 8000;
/** Declared types whose numeric values are also indexed as dates. */
export const DATED = new Set(['integer', 'float', 'date', 'boolean']);
/** Beyond this (year 275760), a number is not indexed as a date. */
const MAX_DATE_MS = 8.64e15;

/** Custom field names may hold dots (`^[A-Za-z0-9_\-.]+$`), which OpenSearch reads as objects. */
export const cfKey = (name: string): string => name.replace(/\./g, '%2E');

const keyword = { type: 'keyword', ignore_above: MAX_TERM_CHARS };
const valueProps = (date: boolean): Record<string, unknown> => ({
  n: { type: 'double' },
  s: keyword,
  l: keyword,
  x: { type: 'boolean' },
  ...(date ? { d: { type: 'date', format: 'epoch_millis' } } : {}),
});

/** Queryable fields of a type: system fields plus the non-internal registry fields. */
export function queryableFields(def: EntityDef, deps: ClusterDeps): Array<[string, FieldDef]> {
  const out: Array<[string, FieldDef]> = [];
  for (const name of Object.keys(deps.registry.SYSTEM_FIELDS)) {
    const fd = deps.registry.fieldDef(def, name);
    if (fd) out.push([name, fd]);
  }
  for (const [name, fd] of Object.entries(def.fields)) if (!fd.internal && fd.type !== 'customFields') out.push([name, fd]);
  return out;
}

/** Derived fields of a type (`duration` = `endDate - startDate`), indexed as numbers for aggregations. */
export function derivedFields(def: EntityDef, deps: ClusterDeps): Array<[string, { end: string; start: string }]> {
  return Object.entries(deps.registry.DERIVED_FIELDS?.[def.name] ?? {}).filter(([name]) => !Object.hasOwn(def.fields, name));
}

/** Every parent relation any registered type has (the `_parents` mapping is shared). */
function allRelations(deps: ClusterDeps): string[] {
  return [...new Set([...deps.registry.ENTITIES.values()].flatMap((d) => d.parents))].sort();
}

/** The index body (settings and explicit mappings) of an entity type. */
export function indexBody(def: EntityDef, deps: ClusterDeps, refreshInterval = '1s'): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  const mv: Record<string, unknown> = {};
  for (const [name, fd] of queryableFields(def, deps)) {
    f[name] = { properties: valueProps(DATED.has(fd.type)) };
    if (fd.type === 'string[]') mv[name] = { type: 'nested', properties: { l: keyword } };
  }
  for (const [name] of derivedFields(def, deps)) f[name] = { properties: valueProps(true) };
  return {
    settings: {
      number_of_shards: 1,
      number_of_replicas: 0,
      // the Query API pages with from/size and resolves traversals with terms
      max_result_window: 1_000_000,
      max_terms_count: 1_000_000,
      refresh_interval: refreshInterval,
    },
    mappings: {
      dynamic: false,
      dynamic_templates: [
        { cf_n: { path_match: 'cf.*.n', mapping: { type: 'double' } } },
        { cf_s: { path_match: 'cf.*.s', mapping: keyword } },
        { cf_l: { path_match: 'cf.*.l', mapping: keyword } },
        { cf_x: { path_match: 'cf.*.x', mapping: { type: 'boolean' } } },
        { cf_d: { path_match: 'cf.*.d', mapping: { type: 'date', format: 'epoch_millis' } } },
      ],
      properties: {
        _wid: { type: 'keyword' },
        _ns: { type: 'keyword' },
        _orgs: { type: 'keyword' },
        _restricted: { type: 'boolean' },
        _restrictedTo: { type: 'keyword' },
        _parents: { properties: Object.fromEntries(allRelations(deps).map((r) => [r, { type: 'keyword' }])) },
        f: { properties: f },
        cf: { type: 'object', dynamic: true },
        mv: { properties: mv },
        cfm: { type: 'nested', properties: { k: { type: 'keyword' }, l: keyword } },
      },
    },
  };
}

interface Values {
  n?: number[];
  s?: string[];
  l?: string[];
  d?: number[];
  x: boolean;
}

function valuesOf(raw: unknown, date: boolean): Values | undefined {
  if (raw === undefined || raw === null) return undefined;
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) return undefined;
  const n: number[] = [];
  const s: string[] = [];
  const l: string[] = [];
  for (const v of list) {
    if (typeof v === 'number' && Number.isFinite(v)) n.push(v);
    else if (typeof v === 'boolean') n.push(v ? 1 : 0);
    else if (typeof v === 'string') s.push(v);
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') l.push(String(v).toLowerCase());
  }
  const out: Values = { x: true };
  if (n.length) out.n = n;
  if (s.length) out.s = s;
  if (l.length) out.l = l;
  const d = date ? n.filter((x) => Math.abs(x) < MAX_DATE_MS).map(Math.trunc) : [];
  if (d.length) out.d = d;
  return out;
}

/** The indexed projection of a stored document. */
export function project(doc: Doc, ns: string, def: EntityDef, deps: ClusterDeps): Record<string, unknown> {
  const f: Record<string, Values> = {};
  const mv: Record<string, Array<{ l: string }>> = {};
  for (const [name, fd] of queryableFields(def, deps)) {
    const v = valuesOf(doc[name], DATED.has(fd.type));
    if (!v) continue;
    f[name] = v;
    if (fd.type === 'string[]' && v.l) mv[name] = v.l.map((l) => ({ l }));
  }
  for (const [name, d] of derivedFields(def, deps)) {
    const end = doc[d.end];
    const start = doc[d.start];
    if (typeof end === 'number' && typeof start === 'number') f[name] = valuesOf(end - start, true)!;
  }
  const cf: Record<string, Values> = {};
  const cfm: Array<{ k: string; l: string }> = [];
  if (def.fields.customFields?.type === 'customFields' && Array.isArray(doc.customFields)) {
    const byName = new Map<string, unknown[]>();
    for (const c of doc.customFields as Array<{ name?: unknown; value?: unknown }>) {
      if (typeof c?.name !== 'string' || c.value === null || c.value === undefined) continue;
      const list = byName.get(c.name) ?? [];
      list.push(c.value);
      byName.set(c.name, list);
    }
    for (const [name, list] of byName) {
      const v = valuesOf(list, true);
      if (!v) continue;
      cf[cfKey(name)] = v;
      for (const l of v.l ?? []) cfm.push({ k: name, l });
    }
  }
  const restricted = doc[deps.registry.RESTRICTED_TO];
  return {
    _wid: doc._id,
    _ns: ns,
    _orgs: doc._orgs,
    _restricted: Array.isArray(restricted),
    ...(Array.isArray(restricted) ? { _restrictedTo: restricted.map(String) } : {}),
    _parents: doc._parents ?? {},
    f,
    cf,
    mv,
    cfm,
  };
}
