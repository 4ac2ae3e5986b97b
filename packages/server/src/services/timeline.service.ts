/**
 * The case timeline: case lifecycle events read from the audit trail (closed, reopened,
 * merged), the creation of the case, tasks started and completed, observables added, alerts
 * merged into the case, custom events and task logs flagged with `includeInTimeline`.
 * Entity events come from the entities themselves, so a deleted entity leaves the timeline.
 */
import type { Actor } from './actor.js';
import type { Doc, EntityStore } from '../storage/entity-store.js';
import type { CaseService } from './case.service.js';
import type { Expr } from '../query/ir.js';
import { q } from '../query/ir.js';
import { visibleTo } from './policy.js';

export interface TimelineEvent {
  date: number;
  kind: string;
  entity: string;
  entityId: string;
  details: Record<string, unknown>;
  endDate?: number;
}

/** Upper bound of rows read per entity type for one timeline. */
const MAX_ROWS = 10_000;

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export class TimelineService {
  constructor(
    private readonly store: EntityStore,
    private readonly cases: CaseService,
  ) {}

  private async rows(entity: string, where: Expr): Promise<Doc[]> {
    const r = await this.store.query({ entity, where, sort: [{ field: '_createdAt', dir: 'asc' }], output: { kind: 'rows', from: 0, to: MAX_ROWS } });
    return r.kind === 'rows' ? r.rows : [];
  }

  /** The events of a visible case, oldest first. */
  async get(actor: Actor, caseIdOrNumber: string): Promise<{ events: TimelineEvent[] }> {
    const c = await this.cases.resolve(actor, caseIdOrNumber);
    const under = q.and(q.parentId('case', c._id), visibleTo(actor));
    const [audits, tasks, observables, alerts, customEvents, logs] = await Promise.all([
      this.rows('audit', q.and(under, q.eq('objectId', c._id))),
      this.rows('task', under),
      this.rows('observable', under),
      this.rows('alert', under),
      this.rows('customEvent', under),
      this.rows('log', q.and(under, { kind: 'has', field: 'includeInTimeline' })),
    ]);
    const events: TimelineEvent[] = [
      { date: c._createdAt, kind: 'CaseCreated', entity: 'Case', entityId: c._id, details: defined({ title: c.title, number: c.number }) },
    ];

    for (const a of audits) {
      const d = (a.details as Record<string, unknown> | undefined) ?? {};
      if (a.operation === 'update' && d.stage === 'Closed') {
        events.push({
          date: num(d.closedDate) ?? a._createdAt,
          kind: 'CaseClosed',
          entity: 'Case',
          entityId: c._id,
          details: defined({ status: d.status, impactStatus: d.impactStatus, summary: d.summary }),
        });
      } else if (a.operation === 'update' && d.closedDate === null && typeof d.stage === 'string') {
        events.push({ date: a._createdAt, kind: 'CaseReopened', entity: 'Case', entityId: c._id, details: defined({ status: d.status }) });
      } else if (a.operation === 'merge') {
        events.push({ date: a._createdAt, kind: 'CaseMerged', entity: 'Case', entityId: c._id, details: d });
      }
    }
    for (const t of tasks) {
      const details = defined({ title: t.title, group: t.group, assignee: t.assignee });
      const start = num(t.startDate);
      if (start !== undefined && t.status !== 'Waiting') events.push({ date: start, kind: 'TaskStarted', entity: 'Task', entityId: t._id, details });
      const end = num(t.endDate);
      if (t.status === 'Completed') events.push({ date: end ?? t._updatedAt ?? t._createdAt, kind: 'TaskCompleted', entity: 'Task', entityId: t._id, details });
    }
    for (const o of observables) {
      const att = o.attachment as { name?: string } | undefined;
      events.push({
        date: o._createdAt,
        kind: 'ObservableAdded',
        entity: 'Observable',
        entityId: o._id,
        details: defined({ dataType: o.dataType, data: o.data ?? att?.name, ioc: o.ioc === true, message: o.message }),
      });
    }
    for (const a of alerts) {
      events.push({
        date: num(a.importedDate) ?? a._updatedAt ?? a._createdAt,
        kind: 'AlertMerged',
        entity: 'Alert',
        entityId: a._id,
        details: defined({ title: a.title, type: a.type, source: a.source, sourceRef: a.sourceRef }),
      });
    }
    for (const e of customEvents) {
      const endDate = num(e.endDate);
      events.push({
        date: Number(e.date),
        kind: 'CustomEvent',
        entity: 'CustomEvent',
        entityId: e._id,
        details: defined({ title: e.title, description: e.description }),
        ...(endDate !== undefined ? { endDate } : {}),
      });
    }
    for (const l of logs) {
      const date = num(l.includeInTimeline);
      if (date === undefined) continue;
      events.push({
        date,
        kind: 'LogAdded',
        entity: 'Log',
        entityId: l._id,
        details: defined({ message: l.message, taskId: l._parents.task, owner: l.owner }),
      });
    }
    events.sort((x, y) => x.date - y.date);
    return { events };
  }
}
