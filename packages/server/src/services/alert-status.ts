/**
 * Alert statuses and stages. The stage is hard-coded per status: New, InProgress, Imported
 * (linked to a case by promotion, merge or import) and Closed (Ignored, FalsePositive,
 * Duplicated, Other). Status changes set the stage dates and TheHive's durations.
 */
import type { Actor } from './actor.js';
import type { Doc } from '../storage/entity-store.js';
import { AttributeCheckingError } from '../errors/errors.js';
import { requirePermission } from './policy.js';

export const ALERT_OPEN_STATUSES = ['New', 'InProgress'] as const;
export const ALERT_CLOSED_STATUSES = ['Ignored', 'FalsePositive', 'Duplicated', 'Other'] as const;
export const ALERT_STATUSES: readonly string[] = [...ALERT_OPEN_STATUSES, 'Imported', ...ALERT_CLOSED_STATUSES];

export type AlertStage = 'New' | 'InProgress' | 'Imported' | 'Closed';

/** The hard-coded stage of an alert status. */
export function alertStageOf(status: string): AlertStage {
  if (status === 'New' || status === 'InProgress' || status === 'Imported') return status;
  return 'Closed';
}

/** The fields a status change sets (stage, dates, durations). Reopening a closed alert needs manageAlert/reopen. */
export function alertStatusPatch(actor: Actor, doc: Doc, status: string, now = Date.now()): Record<string, unknown> {
  if (!ALERT_STATUSES.includes(status)) throw new AttributeCheckingError(`Invalid alert status "${status}"; expected one of ${ALERT_STATUSES.join(', ')}`);
  if (status === 'Imported' && !doc.caseId) throw new AttributeCheckingError('Only an alert linked to a case can have the status Imported');
  const from = alertStageOf(String(doc.status));
  const to = alertStageOf(status);
  if (from === 'Closed' && to !== 'Closed') requirePermission(actor, 'manageAlert/reopen');
  const patch: Record<string, unknown> = { status, stage: to };
  const newDate = Number(doc.newDate ?? doc._createdAt);
  if (to !== 'New' && doc.timeToTriage === undefined) patch.timeToTriage = Math.max(0, now - newDate);
  if (to === 'InProgress' && !doc.inProgressDate) {
    patch.inProgressDate = now;
    patch.timeToAcknowledge = Math.max(0, now - newDate);
  }
  if (to === 'Closed' && from !== 'Closed') {
    patch.closedDate = now;
    patch.timeToQualify = Math.max(0, now - newDate);
  }
  if (to !== 'Closed' && from === 'Closed') {
    patch.closedDate = null;
    patch.timeToQualify = null;
  }
  return patch;
}

/** Dates set by creating an alert directly in a stage other than New. */
export function alertStatusDates(stage: AlertStage, now: number, newDate: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (stage === 'New') return out;
  out.timeToTriage = now - newDate;
  if (stage === 'InProgress') {
    out.inProgressDate = now;
    out.timeToAcknowledge = now - newDate;
  }
  if (stage === 'Closed') {
    out.closedDate = now;
    out.timeToQualify = now - newDate;
  }
  return out;
}
