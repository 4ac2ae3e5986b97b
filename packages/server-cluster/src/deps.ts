/**
 * What the cluster adapters need from `@waggle/server` at run time, passed in by the composition
 * root rather than imported: the server is bundled, so importing its modules here would load a
 * second copy (and `instanceof` on its error classes would fail). Types are imported type-only.
 */
import type { EntityDef, FieldDef } from '@waggle/server/src/entities/registry.js';
import type { Agg } from '@waggle/server/src/query/ir.js';

type ErrorCtor = new (message: string) => Error;

export interface ClusterDeps {
  /** The entity registry (`entities/registry.ts`). */
  registry: {
    ENTITIES: ReadonlyMap<string, EntityDef>;
    entityDef(type: string): EntityDef;
    fieldDef(def: EntityDef, field: string): FieldDef | undefined;
    SYSTEM_FIELDS: Record<string, FieldDef>;
    ALL_ORGS: string;
    RESTRICTED_TO: string;
    /** Derived numeric fields aggregations accept (`query/derived-fields.ts`): `end - start`. */
    DERIVED_FIELDS?: Readonly<Record<string, Readonly<Record<string, { end: string; start: string }>>>>;
  };
  /**
   * The reference bucket of a histogram value (`query/aggregate-docs.ts` `bucketStart`). Fixed
   * intervals are aligned on the local wall clock, so the two local hours 02:00 of an autumn DST
   * change are one bucket; OpenSearch keeps them apart, and the adapter merges them with this.
   */
  bucketStart?: (ms: number, agg: Extract<Agg, { kind: 'histogram' }>) => number;
  /**
   * Typed errors (`errors/errors.ts`). `ServiceUnavailableError` (503) reports a query that OpenSearch
   * cannot answer (down, or its shards not yet allocated after a restart); without it such a query
   * fails with the client's own error (a 500).
   */
  errors: { ConflictError: ErrorCtor; NotFoundError: ErrorCtor; SearchError: ErrorCtor; ServiceUnavailableError?: ErrorCtor };
}
