/**
 * Queries answered from Cassandra, the source of truth, while OpenSearch is down (issue 7, fault
 * tests: reads by id and creates must keep working without the index). Only two shapes are
 * answered, the ones the create, read-by-id and update paths run:
 * - the children of given parents (`parentId` at the top of the filter: an alert's observables
 *   and their count, a case's tasks...), read from the `children` relation table;
 * - any filter on a small definition type (custom fields, observable types, profiles,
 *   organisations, case templates, the ATT&CK patterns), read by a scan of its table.
 * The filter, sort, window and aggregations are then evaluated in memory with the server's own
 * reference semantics (`query/evaluate.ts`, `query/aggregate-docs.ts`). Traversals (`parent`,
 * `child`) and every other query (lists, search, dashboards) still need OpenSearch: 503.
 */
import type { Agg, Expr, Query, QueryResult, SortKey } from '@waggle/server/src/query/ir.js';
import type { Doc } from '@waggle/server/src/storage/entity-store.js';
import { evaluate, fieldValues } from '@waggle/server/src/query/evaluate.js';
import { aggregateDocs } from '@waggle/server/src/query/aggregate-docs.js';

/**
 * Definition types small enough to be read whole from Cassandra; `pattern` is the MITRE ATT&CK
 * catalog (about 800 techniques), read at every start.
 */
export const SMALL_TYPES: ReadonlySet<string> = new Set(['customField', 'observableType', 'profile', 'organisation', 'caseTemplate', 'pattern']);

/** More candidates than this are not evaluated in memory (the query answers 503 as before). */
export const MAX_SOURCE_CANDIDATES = 20_000;

export type SourcePlan = { kind: 'children'; relation: string; parentIds: readonly string[] } | { kind: 'scan' };

function hasTraversal(e: Expr): boolean {
  switch (e.kind) {
    case 'parent':
    case 'child':
      return true;
    case 'and':
    case 'or':
      return e.items.some(hasTraversal);
    case 'not':
      return hasTraversal(e.item);
    default:
      return false;
  }
}

function aggsHaveTraversal(aggs: readonly Agg[]): boolean {
  return aggs.some((a) => (a.kind === 'filter' && hasTraversal(a.where)) || ('aggs' in a && aggsHaveTraversal(a.aggs)));
}

/** How Cassandra can answer `q`, or `undefined` when only OpenSearch can. */
export function sourcePlan(q: Query): SourcePlan | undefined {
  if (hasTraversal(q.where) || (q.output.kind === 'aggregate' && aggsHaveTraversal(q.output.aggs))) return undefined;
  const top = q.where.kind === 'and' ? q.where.items : [q.where];
  const parent = top.find((e): e is Extract<Expr, { kind: 'parentId' }> => e.kind === 'parentId');
  if (parent) return { kind: 'children', relation: parent.relation, parentIds: parent.ids };
  return SMALL_TYPES.has(q.entity) ? { kind: 'scan' } : undefined;
}

/** Missing values sort last ascending and first descending, as the index sorts them; ties by id. */
function compareDocs(sort: readonly SortKey[]): (a: Doc, b: Doc) => number {
  const cmp = (x: unknown, y: unknown): number => {
    if (x === undefined && y === undefined) return 0;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    const nx = typeof x === 'boolean' ? Number(x) : x;
    const ny = typeof y === 'boolean' ? Number(y) : y;
    if (typeof nx === 'number' && typeof ny === 'number') return nx - ny;
    const sx = String(nx);
    const sy = String(ny);
    return sx < sy ? -1 : sx > sy ? 1 : 0;
  };
  return (a, b) => {
    for (const k of sort) {
      const c = cmp(fieldValues(a, k.field)[0], fieldValues(b, k.field)[0]);
      if (c !== 0) return k.dir === 'asc' ? c : -c;
    }
    return a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
  };
}

/** The query's answer over `candidates` (a superset of the matching documents). */
export function answerFromDocs(q: Query, candidates: readonly Doc[]): QueryResult {
  const docs = candidates.filter((d) => evaluate(q.where, d));
  switch (q.output.kind) {
    case 'count':
      return { kind: 'count', count: docs.length };
    case 'rows': {
      const from = Math.max(0, Math.trunc(q.output.from));
      const to = Math.max(from, Math.trunc(q.output.to));
      return { kind: 'rows', rows: [...docs].sort(compareDocs(q.sort)).slice(from, to) };
    }
    case 'aggregate':
      return { kind: 'aggregate', result: aggregateDocs(docs, q.output.aggs) };
  }
}
