/**
 * Derived numeric fields that aggregations (metrics, histograms, terms) accept besides the
 * stored ones: `duration` is `endDate - startDate` of a document that has both (a closed
 * case, a finished task or job). Time to detect is TheHive's stored `timeToDetect` field
 * (alert: creation time minus the alert's `date`, i.e. how long the event took to reach
 * Waggle; case: copied from the alert it was imported from, 0 for a case opened directly),
 * so it needs no derivation.
 */
import type { EntityDef } from '../entities/registry.js';

export interface DerivedField {
  /** The value is `end - start` when both are numbers; documents missing either have none. */
  end: string;
  start: string;
}

const DURATION: DerivedField = { end: 'endDate', start: 'startDate' };

/** Derived fields per entity type. */
export const DERIVED_FIELDS: Readonly<Record<string, Readonly<Record<string, DerivedField>>>> = {
  case: { duration: DURATION },
  task: { duration: DURATION },
  job: { duration: DURATION },
  analyzerJob: { duration: DURATION },
  action: { duration: DURATION },
};

/** The derived field `field` of `def`, if any. */
export function derivedField(def: Pick<EntityDef, 'name'>, field: string): DerivedField | undefined {
  const own = DERIVED_FIELDS[def.name];
  return own && Object.hasOwn(own, field) ? own[field] : undefined;
}
