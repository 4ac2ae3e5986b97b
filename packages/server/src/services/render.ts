/** Shared pieces of TheHive's output format. Entities render the same from create, GET and query. */
import type { Doc } from '../storage/entity-store.js';
import { entityDef } from '../entities/registry.js';

export const SEVERITY_LABELS: Record<number, string> = { 1: 'LOW', 2: 'MEDIUM', 3: 'HIGH', 4: 'CRITICAL' };
export const TLP_LABELS: Record<number, string> = { 0: 'CLEAR', 1: 'GREEN', 2: 'AMBER', 3: 'AMBER+STRICT', 4: 'RED' };
export const PAP_LABELS: Record<number, string> = { 0: 'CLEAR', 1: 'GREEN', 2: 'AMBER', 3: 'RED' };

/** `_id`, `_type`, `_createdBy`, `_createdAt`, and `_updatedBy`/`_updatedAt` once modified. */
export function systemFields(doc: Doc): Record<string, unknown> {
  const out: Record<string, unknown> = {
    _id: doc._id,
    _type: entityDef(doc._type).apiType,
    _createdBy: doc._createdBy,
  };
  if (doc._updatedBy !== undefined) out._updatedBy = doc._updatedBy;
  out._createdAt = doc._createdAt;
  if (doc._updatedAt !== undefined) out._updatedAt = doc._updatedAt;
  return out;
}

/** Copies the listed fields that are defined. */
export function pick(doc: Doc, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (doc[f] !== undefined && doc[f] !== null) out[f] = doc[f];
  return out;
}

export function withLabels(out: Record<string, unknown>): Record<string, unknown> {
  if (typeof out.severity === 'number') out.severityLabel = SEVERITY_LABELS[out.severity] ?? String(out.severity);
  if (typeof out.tlp === 'number') out.tlpLabel = TLP_LABELS[out.tlp] ?? String(out.tlp);
  if (typeof out.pap === 'number') out.papLabel = PAP_LABELS[out.pap] ?? String(out.pap);
  return out;
}
