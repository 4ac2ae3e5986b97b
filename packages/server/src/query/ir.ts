/**
 * The query IR: an immutable tree, every node with a literal `kind`. The Query API parser
 * (`thehive-parser.ts`) and services build it; each storage backend compiles it with a visitor
 * keyed by kind (`Record<Expr['kind'], …>`), so a new kind fails the build until handled.
 *
 * Field names are document paths: `title`, `tags`, `_createdAt`, `customFields.<name>`.
 */

export type Scalar = string | number | boolean | null;

export type CompareOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte';

export type Expr =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'and'; readonly items: readonly Expr[] }
  | { readonly kind: 'or'; readonly items: readonly Expr[] }
  | { readonly kind: 'not'; readonly item: Expr }
  /**
   * Compares the field's values (any of them, for multi-valued fields) with `value`: numbers
   * with numbers or numeric strings, strings with strings; other pairs never match (`ne`: never
   * equal). `null` means "no value": `eq null` matches documents without the field, `ne null`
   * those with it, and the other operators match nothing.
   */
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly field: string; readonly value: Scalar }
  /** from inclusive, to exclusive */
  | { readonly kind: 'between'; readonly field: string; readonly from: Scalar; readonly to: Scalar }
  | { readonly kind: 'in'; readonly field: string; readonly values: readonly Scalar[] }
  /** String match: `contains`, `startsWith`, `endsWith`; case-insensitive when `ci`. */
  | { readonly kind: 'like'; readonly field: string; readonly mode: 'contains' | 'startsWith' | 'endsWith'; readonly value: string; readonly ci: boolean }
  /** Full-text: every word of `value` appears in the field (case-insensitive). */
  | { readonly kind: 'match'; readonly field: string; readonly value: string }
  /** The field is defined and not null. */
  | { readonly kind: 'has'; readonly field: string }
  /** The document's parent of relation `relation` (e.g. `case`) is one of `ids`. */
  | { readonly kind: 'parentId'; readonly relation: string; readonly ids: readonly string[] }
  /** The document's parent of relation `relation`, an entity of type `parentType`, matches `where`. */
  | { readonly kind: 'parent'; readonly relation: string; readonly parentType: string; readonly where: Expr }
  /** Some child of type `childType`, linked by its relation `relation`, matches `where`. */
  | { readonly kind: 'child'; readonly childType: string; readonly relation: string; readonly where: Expr }
  /**
   * Visible to at least one of these organisations (added by the service layer, never by routes).
   * With `principals`, documents restricted to named users (`_restrictedTo`, see policy.ts) also
   * need one of these principals in their restriction list; without it, restrictions are ignored.
   */
  | { readonly kind: 'visible'; readonly orgIds: readonly string[]; readonly principals?: readonly string[] };

export type ExprKind = Expr['kind'];

export interface SortKey {
  readonly field: string;
  readonly dir: 'asc' | 'desc';
}

export type Agg =
  | { readonly kind: 'count'; readonly name: string }
  | {
      readonly kind: 'terms';
      readonly name: string;
      readonly field: string;
      readonly size: number;
      readonly order: 'count' | 'key';
      readonly dir: 'asc' | 'desc';
      readonly aggs: readonly Agg[];
    }
  | {
      readonly kind: 'histogram';
      readonly name: string;
      readonly field: string;
      readonly intervalMs: number;
      readonly interval?: 'day' | 'week' | 'month' | 'year';
      readonly timeZone: string;
      readonly from?: number;
      readonly to?: number;
      readonly aggs: readonly Agg[];
    }
  | { readonly kind: 'metric'; readonly name: string; readonly fn: 'sum' | 'avg' | 'min' | 'max'; readonly field: string }
  | { readonly kind: 'filter'; readonly name: string; readonly where: Expr; readonly aggs: readonly Agg[] };

export type AggKind = Agg['kind'];

export type Output =
  | { readonly kind: 'rows'; readonly from: number; readonly to: number }
  | { readonly kind: 'count' }
  | { readonly kind: 'aggregate'; readonly aggs: readonly Agg[] };

export interface Query {
  readonly entity: string;
  readonly where: Expr;
  readonly sort: readonly SortKey[];
  readonly output: Output;
}

/** Aggregation results: one entry per agg name. */
export interface AggBucket {
  key: string | number | boolean | null;
  count: number;
  aggs?: AggResult;
}
export type AggValue = number | null | { buckets: AggBucket[] } | { count: number; aggs: AggResult };
export type AggResult = Record<string, AggValue>;

import type { Doc } from '../storage/entity-store.js';

export type QueryResult =
  | { readonly kind: 'rows'; readonly rows: Doc[] }
  | { readonly kind: 'count'; readonly count: number }
  | { readonly kind: 'aggregate'; readonly result: AggResult };

/** Builders that keep trees flat and simple. */
export const q = {
  true: (): Expr => ({ kind: 'true' }),
  and: (...items: Expr[]): Expr => {
    const flat = items.flatMap((i) => (i.kind === 'and' ? i.items : [i])).filter((i) => i.kind !== 'true');
    if (flat.some((i) => i.kind === 'false')) return { kind: 'false' };
    if (flat.length === 0) return { kind: 'true' };
    if (flat.length === 1) return flat[0]!;
    return { kind: 'and', items: flat };
  },
  or: (...items: Expr[]): Expr => {
    const flat = items.flatMap((i) => (i.kind === 'or' ? i.items : [i])).filter((i) => i.kind !== 'false');
    if (flat.some((i) => i.kind === 'true')) return { kind: 'true' };
    if (flat.length === 0) return { kind: 'false' };
    if (flat.length === 1) return flat[0]!;
    return { kind: 'or', items: flat };
  },
  not: (item: Expr): Expr => ({ kind: 'not', item }),
  eq: (field: string, value: Scalar): Expr => ({ kind: 'compare', op: 'eq', field, value }),
  in: (field: string, values: readonly Scalar[]): Expr => ({ kind: 'in', field, values }),
  parentId: (relation: string, ...ids: string[]): Expr => ({ kind: 'parentId', relation, ids }),
  visible: (orgIds: readonly string[], principals?: readonly string[]): Expr =>
    principals ? { kind: 'visible', orgIds, principals } : { kind: 'visible', orgIds },
};
