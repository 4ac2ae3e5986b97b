/**
 * SQLite schema generated from the entity registry. Per entity type:
 * - `e_<type>`: the narrow row every filter, sort and count reads: `rid` (integer key), `_id`,
 *   `_version`, `v_org` (see `soleOrg`), and one plain column per indexed field (`f_<field>`)
 *   and per parent relation (`p_<relation>`), each with an index (or, for the fields of
 *   `OWN_INDEX_LEFT_OUT`, read through a covering index). The adapter writes these
 *   columns from the document (`columnValues`) with the values `json_extract` would give;
 * - `d_<type>`: the JSON document, keyed by the same `rid`. Queries read it only for the rows
 *   they return (and for filters on fields that have no column);
 * - `m_<type>`: multi-valued values (tags, `_orgs`, custom field values) as (f, v, o, d, id) rows,
 *   `o` and `d` being the document's `v_org` ('' for NULL) and `_createdAt` (see `mvScope`).
 * Keeping the documents out of the filtered table keeps scans on small rows (a case document
 * is a few kB, its `e_case` row about 150 bytes) and spares a JSON parse per row and column.
 * Adding an indexed field to the registry rebuilds that type's `e_` table at the next start.
 */
import type { EntityDef } from '../../entities/registry.js';
import { RESTRICTED_TO, SYSTEM_FIELDS, systemFieldDef } from '../../entities/registry.js';

export const table = (type: string): string => `"e_${type}"`;
export const docTable = (type: string): string => `"d_${type}"`;
export const mvTable = (type: string): string => `"m_${type}"`;
export const fieldColumn = (field: string): string => `"f_${field}"`;
export const parentColumn = (rel: string): string => `"p_${rel}"`;
/** The organisation column: the only organisation of an unrestricted document, else NULL. */
export const ORG_COLUMN = 'v_org';

/** A JSON path literal for json_extract, quoting every segment. */
export function jsonPath(field: string): string {
  const segs = field.split('.');
  return `'$${segs.map((s) => `."${s.replace(/'/g, "''").replace(/"/g, '')}"`).join('')}'`;
}

/** The JSON text of the document of the `e_` row aliased `alias` (one integer-key lookup). */
export const docOf = (type: string, alias: string): string => `(SELECT doc FROM ${docTable(type)} WHERE rid = ${alias}.rid)`;

/** Field names that the registry declares as indexed columns (system and entity). */
export function indexedFields(def: EntityDef): string[] {
  return memo(indexedCache, def, () => computeIndexedFields(def));
}

/** Per-definition memo: the column lists are asked for on every write. */
function memo<T>(cache: WeakMap<EntityDef, T>, def: EntityDef, make: () => T): T {
  let v = cache.get(def);
  if (v === undefined) cache.set(def, (v = make()));
  return v;
}
const indexedCache = new WeakMap<EntityDef, string[]>();
const multiCache = new WeakMap<EntityDef, string[]>();
const typedCache = new WeakMap<EntityDef, TypedColumn[]>();

function computeIndexedFields(def: EntityDef): string[] {
  const sys = Object.keys(SYSTEM_FIELDS).filter((n) => n !== '_id' && systemFieldDef(def, n)?.indexed);
  const own = Object.entries(def.fields)
    .filter(([, f]) => f.indexed && f.type !== 'string[]' && f.type !== 'customFields')
    .map(([n]) => n);
  return [...sys, ...own];
}

/** Fields stored in the multi-valued side table. */
export function multiValuedFields(def: EntityDef): string[] {
  return memo(multiCache, def, () =>
    Object.entries(def.fields)
      .filter(([, f]) => f.type === 'string[]')
      .map(([n]) => n),
  );
}

/** The declared type of the side tables' `v` column: none (BLOB affinity). Tables with another one are rebuilt at start. */
export const MV_VALUE_UNTYPED = '';

/** A typed column of `e_<type>`: its name and the document path it holds. */
export interface TypedColumn {
  name: string;
  path: readonly string[];
}

/** The typed columns of `e_<type>`, in table order. */
export function typedColumns(def: EntityDef): TypedColumn[] {
  return memo(typedCache, def, () => [
    ...indexedFields(def).map((f) => ({ name: `f_${f}`, path: f.split('.') })),
    ...def.parents.map((rel) => ({ name: `p_${rel}`, path: ['_parents', rel] })),
  ]);
}

/**
 * The SQL value `json_extract(doc, path)` gives for a JS value: text, integer (booleans as
 * 1/0), real, NULL, and JSON text for objects and arrays. Integers are bound as BigInt, since
 * better-sqlite3 binds every JS number as REAL.
 */
export function sqlScalar(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 1n : 0n;
    case 'number':
      if (!Number.isFinite(v)) return null;
      return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v) : v;
    case 'bigint':
      return v;
    default:
      return JSON.stringify(v);
  }
}

function at(doc: Record<string, unknown>, path: readonly string[]): unknown {
  let cur: unknown = doc;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/**
 * `v_org`: the organisation of a document visible to exactly one organisation and not
 * restricted to named users; NULL otherwise. The `visible` node reads it first and falls back
 * to the side table only when it is NULL, so it must agree with what `writeMv` stores:
 * the distinct string values of `_orgs`, and the string values of `_restrictedTo`.
 */
export function soleOrg(doc: Record<string, unknown>): string | null {
  const orgs = doc._orgs;
  if (!Array.isArray(orgs)) return null;
  let only: string | null = null;
  for (const o of orgs) {
    if (typeof o !== 'string') continue;
    if (only !== null && o !== only) return null;
    only = o;
  }
  const restricted = doc[RESTRICTED_TO];
  if (Array.isArray(restricted) && restricted.some((r) => typeof r === 'string')) return null;
  return only;
}

/** The values of `v_org` and of the typed columns of a document, in `typedColumns` order. */
export function columnValues(def: EntityDef, doc: Record<string, unknown>): unknown[] {
  return [soleOrg(doc), ...typedColumns(def).map((c) => sqlScalar(at(doc, c.path)))];
}

/** The columns `e_<type>` must have. */
export function expectedColumns(def: EntityDef): string[] {
  return ['rid', '_id', '_version', ORG_COLUMN, ...typedColumns(def).map((c) => c.name)];
}

/** DDL creating `e_<type>` under `name` (default the real name); the columns are untyped (values keep their type). */
export function createEntityTable(def: EntityDef, name = table(def.name)): string {
  const cols = typedColumns(def).map((c) => `"${c.name}"`);
  return `CREATE TABLE ${name} (rid INTEGER PRIMARY KEY, _id TEXT NOT NULL UNIQUE, _version INTEGER NOT NULL, ${ORG_COLUMN}${cols.map((c) => `, ${c}`).join('')})`;
}

/**
 * Two-field sort orders that get their own index, so that a page in that order is found by
 * walking it (see compile.ts `sortWindow`) even though the first field has few values:
 * TheHive's case list sorts by flag, then start date.
 */
export const SORT_INDEXES: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  case: [['flag', 'startDate']],
};

/** The two-field sort indexes of `def` whose fields both have columns. */
export function sortIndexes(def: EntityDef): Array<{ fields: readonly [string, string]; index: string }> {
  const have = new Set(indexedFields(def));
  return (SORT_INDEXES[def.name] ?? []).filter((f) => have.has(f[0]) && have.has(f[1])).map((f) => ({ fields: f, index: `"i_${def.name}_${f[0]}_${f[1]}"` }));
}

/**
 * Covering indexes for dashboard widgets (issue 6): the field widgets group by (or the date their
 * period bounds), then the fields they filter on, then `v_org` and `_id` for the visibility
 * filter. A widget grouping the last 30 days of a million alerts by type reads index entries only,
 * already in type order (a skip-scan seeks the period within each type), instead of one table row
 * per alert and a sort of them all; counts, tags and per-day histograms seek the period in the
 * date-led one. Each costs every insert of the type one more b-tree entry.
 */
export const COVERING_INDEXES: Readonly<Record<string, ReadonlyArray<readonly string[]>>> = {
  // observables (see OWN_INDEX_LEFT_OUT): the dashboard widgets over a period (by type, IOC,
  // sighted, sighted IOCs), the default date order of every list (sort-window walk) with a type,
  // sighted or `ioc = false` filter read from the index, and "is this data type used"
  observable: [['_createdAt', 'dataType', 'ioc', 'sighted']],
  alert: [
    ['_createdAt', 'stage', 'type', 'source'],
    ['type', '_createdAt', 'stage'],
    ['source', '_createdAt', 'stage'],
  ],
  case: [
    // impactStatus: the "closed cases by impact over time" widget groups the period's closed cases by it
    ['status', '_createdAt', 'stage', 'impactStatus'],
    ['assignee', 'stage', '_createdAt'],
  ],
};

/** The covering indexes of `def` whose fields all have columns. */
export function coveringIndexes(def: EntityDef): Array<{ fields: readonly string[]; index: string }> {
  const have = new Set(indexedFields(def));
  return (COVERING_INDEXES[def.name] ?? []).filter((f) => f.every((x) => have.has(x))).map((f) => ({ fields: f, index: `"i_${def.name}_cov_${f.join('_')}"` }));
}

/**
 * Indexed fields that get a typed column but no single-field index: a covering index of the type
 * holds them (each must be listed in one of `COVERING_INDEXES`), and every query shape on them is
 * served by it. Each index costs every insert of the type one more b-tree entry: for observables
 * (20 per ingested alert) one covering index instead of three single ones (`sighted` had none and
 * was read from the documents).
 * Giving `v_org` the same treatment for observables would save about as much again (measured in
 * docs/benchmarks.md, round 5), but the adapter's statistics upkeep analyzes `i_<type>_v_org` of
 * every type by name.
 *
 * The query shapes on observables, and what serves each (`EXPLAIN QUERY PLAN` checked in
 * sqlite-layout.test.ts and dashboard-layout.test.ts):
 * - by id (get, `_id` filters): the `_id` UNIQUE index;
 * - children of a case or alert (lists, counts, similarity totals with `ioc = true`, deletes,
 *   merges, exports, the case/alert `observables` traversal): `p_case` / `p_alert` (partial);
 * - by value: `data = ?` / `IN` (Query API search, similarity, case links, additions to a case or
 *   alert, alone or with a parent): the lookup table of `data` (`LOOKUP_FIELDS`); files by
 *   `attachmentHash` (partial);
 * - dashboard widgets over a period (terms on `dataType`, `ioc`, `sighted`, count of sighted IOCs):
 *   the covering `(_createdAt, dataType, ioc, sighted, v_org, _id)`, index entries only;
 * - Query API lists (`listObservable` with filters on `dataType`, `sighted`, `ioc = false`, default
 *   order `_createdAt` desc): the sort-window walk of that covering index, the filter read from its entries;
 * - IOCs (`ioc = true`: lists newest first, counts): `i_observable_ioc_true` (`TRUE_ROWS_INDEXES`);
 * - top tags over a period: the side table (`mvScope`);
 * - "is this data type used" (`dataType = ?`, one row, no visibility): a scan of the covering
 *   index up to the first match (the whole index, about 40 MB per million observables, when unused);
 * - visibility: `v_org` (its own index, which the planner statistics read per organisation).
 */
export const OWN_INDEX_LEFT_OUT: Readonly<Record<string, readonly string[]>> = {
  observable: ['_createdAt', 'dataType', 'ioc', 'sighted'],
};

/**
 * Boolean fields whose `true` rows (only those) get an index in creation order, with the field,
 * `v_org` and `_id` (SQLite still reads the field to check the filter): a partial index
 * (`WHERE f_<field> = 1`) that costs an insert only where the flag is set.
 * It serves `field = true` alone: a count of a type's IOCs (index entries only) and a list of
 * them newest first (walked in order), which the covering index serves only by reading every
 * newer observable. The compiled filter is `f_<field> = ?` bound to 1, which SQLite matches with
 * the index's condition (it re-prepares when another value is bound).
 */
export const TRUE_ROWS_INDEXES: Readonly<Record<string, readonly string[]>> = {
  observable: ['ioc'],
};

/** The true-rows indexes of `def` (`TRUE_ROWS_INDEXES`) whose field and `_createdAt` have columns. */
export function trueRowsIndexes(def: EntityDef): Array<{ field: string; index: string }> {
  const have = new Set(indexedFields(def));
  if (!have.has('_createdAt')) return [];
  return (TRUE_ROWS_INDEXES[def.name] ?? []).filter((f) => have.has(f)).map((field) => ({ field, index: `"i_${def.name}_${field}_true"` }));
}

/** Whether an indexed field has its own single-column index: not when a covering index or a lookup table (`LOOKUP_FIELDS`) serves it. */
const hasOwnIndex = (def: EntityDef, field: string): boolean => !(OWN_INDEX_LEFT_OUT[def.name]?.includes(field) ?? false) && !isLookupField(def, field);

/**
 * The index that leads with `field`, for walks in its order and row estimates: its own index, or
 * else a covering index whose first field it is; undefined when there is none.
 */
export function leadingIndex(def: EntityDef, field: string): string | undefined {
  if (!indexedFields(def).includes(field)) return undefined;
  if (hasOwnIndex(def, field)) return `"i_${def.name}_${field}"`;
  return coveringIndexes(def).find((c) => c.fields[0] === field)?.index;
}

/**
 * Indexed fields that most documents of the type leave empty: their index holds only the rows
 * that have a value (`WHERE col IS NOT NULL`, a partial index), so that an insert without one
 * adds no entry (alert ingestion: no file observable carries `attachmentHash`). Equality, IN,
 * ranges and LIKE on the field imply `IS NOT NULL`, so SQLite still uses the index for them; an
 * `IS NULL` filter or a sort on the field does not (a sort walks no partial index: `sortWindow`).
 */
export const SPARSE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  observable: ['attachmentHash'],
};

/**
 * Indexed fields found by exact value only (equality and IN), through a **lookup table** instead
 * of a b-tree index on the column: a contentless FTS5 table `x_<type>_<field>` whose rows are
 * (rowid = the document's `rid`, one token = `lookupToken(value)`). Observable `data` is the
 * case: similarity, search by value and duplicate checks look values up, and ingestion adds 20
 * random values per alert. In a b-tree each new value lands on its own leaf page, so every
 * COMMIT rewrote about one 2 kB page per observable (21 of the 40 WAL pages of an alert on the
 * 1M-observable seed); FTS5 buffers a transaction's tokens and writes them as one sorted segment,
 * merged into larger ones in the background of later writes (an LSM tree), so the values of a
 * group commit take a few pages. Equality and IN compile (compile.ts `lookup`) to `rid IN` the
 * rowids of one MATCH per token (driven by `json_each`, linear in the values) AND the column
 * compared as before: hash collisions cost a row read, never a wrong answer. What a lookup field loses: its b-tree, so LIKE/startsWith, ranges and sorting on
 * it read the table (contains-searches, TheHive's usual `_like`, did anyway).
 */
export const LOOKUP_FIELDS: Readonly<Record<string, readonly string[]>> = {
  observable: ['data'],
};

/** Whether `field` of `def` is looked up through its lookup table (see `LOOKUP_FIELDS`). */
export const isLookupField = (def: EntityDef, field: string): boolean => LOOKUP_FIELDS[def.name]?.includes(field) ?? false;

/** The lookup fields of `def` that have a column, in declaration order. */
export function lookupFields(def: EntityDef): readonly string[] {
  return memo(lookupCache, def, () => (LOOKUP_FIELDS[def.name] ?? []).filter((f) => indexedFields(def).includes(f)));
}
const lookupCache = new WeakMap<EntityDef, readonly string[]>();

/** The lookup table of a field. */
export const lookupTable = (type: string, field: string): string => `"x_${type}_${field}"`;

/** DDL of a lookup table (idempotent): contentless, so a token costs its place in the FTS index only. */
export const createLookupTable = (type: string, field: string): string =>
  `CREATE VIRTUAL TABLE IF NOT EXISTS ${lookupTable(type, field)} USING fts5(t, content='', contentless_delete=1, detail=none)`;

/**
 * The token a lookup table stores for a string value: "h" and 16 hex digits of a 64-bit hash
 * (two 32-bit multiply-xorshift lanes over the UTF-16 code units, cyrb53's mixing). Part of the
 * file format: changing it requires rebuilding the lookup tables. Not a security boundary:
 * colliding values only make their lookups read a few more rows, which the column check drops.
 */
export function lookupToken(value: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `h${hex32(h1)}${hex32(h2)}`;
}

const HEX_BYTES = Array.from({ length: 256 }, (_x, i) => i.toString(16).padStart(2, '0'));
/** 8 lower-case hex digits of a 32-bit value (no number-to-string conversion: 20 tokens per alert). */
const hex32 = (h: number): string => HEX_BYTES[h >>> 24]! + HEX_BYTES[(h >>> 16) & 255]! + HEX_BYTES[(h >>> 8) & 255]! + HEX_BYTES[h & 255]!;

/** The lookup tokens of a document, per `lookupFields(def)` (null: no string value, no row). */
export function lookupTokens(def: EntityDef, doc: Record<string, unknown>): Array<string | null> {
  return lookupFields(def).map((f) => {
    const v = doc[f];
    return typeof v === 'string' ? lookupToken(v) : null;
  });
}

/** Whether the index of `field` is partial (sparse fields; parent relations are always partial). */
export const isSparseField = (def: EntityDef, field: string): boolean => SPARSE_FIELDS[def.name]?.includes(field) ?? false;

/**
 * DDL of the indexes of `e_<type>` (idempotent). Parent relation indexes are partial: an
 * observable has either a case or an alert, a task a case or a template, an alert a case only
 * once imported, and parent filters (`p_<rel> = ?`, `IN (...)`, `IN (SELECT ...)`) all imply a value.
 */
export function entityIndexes(def: EntityDef): string[] {
  const t = table(def.name);
  const nn = (col: string): string => ` WHERE ${col} IS NOT NULL`;
  return [
    `CREATE INDEX IF NOT EXISTS "i_${def.name}_${ORG_COLUMN}" ON ${t} (${ORG_COLUMN})`,
    ...indexedFields(def)
      .filter((f) => hasOwnIndex(def, f))
      .map((f) => `CREATE INDEX IF NOT EXISTS "i_${def.name}_${f}" ON ${t} (${fieldColumn(f)})${isSparseField(def, f) ? nn(fieldColumn(f)) : ''}`),
    ...def.parents.map((rel) => `CREATE INDEX IF NOT EXISTS "i_${def.name}_p_${rel}" ON ${t} (${parentColumn(rel)})${nn(parentColumn(rel))}`),
    ...sortIndexes(def).map((x) => `CREATE INDEX IF NOT EXISTS ${x.index} ON ${t} (${fieldColumn(x.fields[0])}, ${fieldColumn(x.fields[1])})`),
    ...coveringIndexes(def).map((x) => `CREATE INDEX IF NOT EXISTS ${x.index} ON ${t} (${x.fields.map(fieldColumn).join(', ')}, ${ORG_COLUMN}, _id)`),
    ...trueRowsIndexes(def).map(
      (x) =>
        `CREATE INDEX IF NOT EXISTS ${x.index} ON ${t} (${fieldColumn('_createdAt')}, ${fieldColumn(x.field)}, ${ORG_COLUMN}, _id) WHERE ${fieldColumn(x.field)} = 1`,
    ),
  ];
}

/**
 * The side-table columns every row of a document repeats: `o`, its `v_org` ('' when NULL: primary
 * key columns of a WITHOUT ROWID table cannot be NULL), and `d`, its `_createdAt` (0 if missing).
 * With them in the key after (f, v), a count of one value over a period for one organisation
 * (top tags of the last 30 days, compile-aggs.ts `sideTableTerms`) is one range of the primary key
 * and never reads `e_<type>`; they cost no extra index entry per row, a few bytes each.
 */
export function mvScope(doc: Record<string, unknown>): [string, number] {
  const at = doc._createdAt;
  return [soleOrg(doc) ?? '', typeof at === 'number' && Number.isFinite(at) ? Math.trunc(at) : 0];
}

/** Columns a side table must have (older ones without `o`/`d` are rebuilt at start). */
export const MV_SCOPE_COLUMNS = ['o', 'd'] as const;

/**
 * The indexes whose definition changed since they were created (a full index that became
 * partial, or back): `existing` maps index names to their `sqlite_master.sql`. They are
 * dropped, then created again from `entityIndexes`. Covering indexes no longer in
 * `COVERING_INDEXES` (their name lists their fields) are dropped too, and so are the own indexes
 * of fields in `OWN_INDEX_LEFT_OUT`.
 */
export function changedIndexes(def: EntityDef, existing: ReadonlyMap<string, string | null>): string[] {
  const covering = new Set(coveringIndexes(def).map((c) => c.index.slice(1, -1)));
  const leftOut = new Set(
    indexedFields(def)
      .filter((f) => !hasOwnIndex(def, f))
      .map((f) => `i_${def.name}_${f}`),
  );
  const out: string[] = [...existing.keys()].filter((n) => (n.startsWith(`i_${def.name}_cov_`) && !covering.has(n)) || leftOut.has(n));
  for (const ddl of entityIndexes(def)) {
    const name = /^CREATE INDEX IF NOT EXISTS "([^"]+)"/.exec(ddl)![1]!;
    const sql = existing.get(name);
    if (sql && sql !== ddl.replace('CREATE INDEX IF NOT EXISTS ', 'CREATE INDEX ')) out.push(name);
  }
  return out;
}

/** DDL of the document and side tables (idempotent). */
export function companionTables(def: EntityDef): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${docTable(def.name)} (rid INTEGER PRIMARY KEY, doc TEXT NOT NULL)`,
    // `v` has no declared type (BLOB affinity): values keep their type, so the tag "007" stays text
    // and never equals "7" (a declared type such as ANY gives NUMERIC affinity, which converts it)
    `CREATE TABLE IF NOT EXISTS ${mvTable(def.name)} (f TEXT NOT NULL, v, o TEXT NOT NULL, d INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY (f, v, o, d, id)) WITHOUT ROWID`,
    `CREATE INDEX IF NOT EXISTS "i_m_${def.name}_id" ON ${mvTable(def.name)} (id)`,
    ...lookupFields(def).map((f) => createLookupTable(def.name, f)),
  ];
}

/** What to do with `e_<type>` given its existing columns: create it, rebuild it (older layout or a new indexed field), or nothing. */
export function tableAction(def: EntityDef, existing: ReadonlySet<string> | undefined): 'create' | 'rebuild' | 'none' {
  if (!existing) return 'create';
  if (existing.has('doc')) return 'rebuild';
  const expected = new Set(expectedColumns(def));
  const stale = [...existing].some((c) => /^[fp]_/.test(c) && !expected.has(c)); // an index the registry dropped
  return !stale && [...expected].every((c) => existing.has(c)) ? 'none' : 'rebuild';
}
