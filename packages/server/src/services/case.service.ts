/** Cases: create, read, update (with status and stage rules), bulk update and delete. */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import { AttributeCheckingError, BadRequestError, NotFoundError } from '../errors/errors.js';
import { assertCan, assertVisible, requirePermission, visibleTo } from './policy.js';
import { q } from '../query/ir.js';
import { pick, systemFields, withLabels } from './render.js';
import {
  checkMandatory,
  customFieldDefinitions,
  normaliseCustomFields,
  renderCustomFields,
  type CustomFieldsInput,
  type StoredCustomField,
} from './custom-fields.js';

export const CASE_OPEN_STATUSES = ['New', 'InProgress'] as const;
export const CASE_CLOSED_STATUSES = ['Indeterminate', 'FalsePositive', 'TruePositive', 'Other', 'Duplicated'] as const;
export const IMPACT_STATUSES = ['NotApplicable', 'WithImpact', 'NoImpact'] as const;

export function stageOf(status: string): 'New' | 'InProgress' | 'Closed' {
  if (status === 'New') return 'New';
  if (status === 'InProgress') return 'InProgress';
  return 'Closed';
}

export interface CaseInput {
  title: string;
  description: string;
  severity?: number;
  startDate?: number;
  endDate?: number;
  tags?: string[];
  flag?: boolean;
  tlp?: number;
  pap?: number;
  status?: string;
  summary?: string;
  assignee?: string;
  customFields?: CustomFieldsInput;
  taskRule?: string;
  observableRule?: string;
}

export type CaseUpdate = Partial<Omit<CaseInput, 'summary' | 'assignee'>> & {
  summary?: string | null;
  assignee?: string | null;
  impactStatus?: string | null;
  addTags?: string[];
  removeTags?: string[];
};

/** Extra ops a caller adds to the create batch (tasks, pages from a template...), built once the case id is known. */
export type ChildOps = (caseDoc: NewDoc) => BatchOp[] | Promise<BatchOp[]>;

const ALL_STATUSES: ReadonlySet<string> = new Set([...CASE_OPEN_STATUSES, ...CASE_CLOSED_STATUSES]);

export class CaseService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
  ) {}

  /** Resolves a case by id (`~123`) or number, visible to the actor. */
  async resolve(actor: Actor, idOrNumber: string): Promise<Doc> {
    let doc: Doc | undefined;
    if (idOrNumber.startsWith('~')) doc = await this.store.get('case', idOrNumber);
    else if (/^\d+$/.test(idOrNumber)) {
      const r = await this.store.query({
        entity: 'case',
        where: q.and(q.eq('number', Number(idOrNumber)), visibleTo(actor)),
        sort: [{ field: 'owningOrganisation', dir: 'asc' }],
        output: { kind: 'rows', from: 0, to: 10 },
      });
      const rows = r.kind === 'rows' ? r.rows : [];
      doc = rows.find((d) => d.owningOrganisation === actor.orgId) ?? rows[0];
    }
    return assertVisible(actor, doc, 'Case', idOrNumber);
  }

  private async checkAssignee(actor: Actor, login: string | null | undefined): Promise<void> {
    if (login === undefined || login === null) return;
    const owner = await this.store.uniqueOwner('user.login', login.toLowerCase());
    const user = owner ? await this.store.get('user', owner) : undefined;
    if (!user || !((user.orgIds as string[]) ?? []).includes(actor.orgId)) throw new BadRequestError(`User ${login} is not a member of ${actor.orgName}`);
  }

  /** Builds the new case document (without writing it). */
  async build(actor: Actor, input: CaseInput, extra: Record<string, unknown> = {}): Promise<NewDoc> {
    requirePermission(actor, 'manageCase/create');
    const status = input.status ?? 'New';
    if (!ALL_STATUSES.has(status)) throw new AttributeCheckingError(`Invalid case status "${status}"`);
    await this.checkAssignee(actor, input.assignee);
    const defs = await customFieldDefinitions(this.store);
    const customFields = normaliseCustomFields(input.customFields, defs, () => this.store.newId());
    const now = Date.now();
    const number = await this.store.nextSequence(`case.number.${actor.orgId}`);
    const stage = stageOf(status);
    return {
      _id: this.store.newId(),
      _type: 'case',
      _createdAt: now,
      _createdBy: actor.login,
      _orgs: [actor.orgId],
      _parents: {},
      number,
      owningOrganisation: actor.orgId,
      title: input.title,
      description: input.description,
      severity: input.severity ?? 2,
      startDate: input.startDate ?? now,
      ...(input.endDate !== undefined ? { endDate: input.endDate } : {}),
      tags: dedupe(input.tags ?? []),
      flag: input.flag ?? false,
      tlp: input.tlp ?? 2,
      pap: input.pap ?? 2,
      status,
      stage,
      ...(input.summary !== undefined ? { summary: input.summary } : {}),
      ...(input.assignee ? { assignee: input.assignee.toLowerCase() } : {}),
      customFields,
      access: { _kind: 'OrganisationAccessKind' },
      taskRule: input.taskRule ?? 'manual',
      observableRule: input.observableRule ?? 'manual',
      newDate: now,
      ...(stage !== 'New' ? { inProgressDate: now } : {}),
      ...(stage === 'Closed' ? { closedDate: now, endDate: input.endDate ?? now } : {}),
      timeToDetect: 0,
      ...extra,
    };
  }

  async create(actor: Actor, input: CaseInput, children?: ChildOps, extra: Record<string, unknown> = {}): Promise<Doc> {
    const doc = await this.build(actor, input, extra);
    const more = children ? await children(doc) : [];
    const [created] = await this.audit.commit([{ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { title: doc.title }), ...more]);
    return created as Doc;
  }

  async get(actor: Actor, idOrNumber: string): Promise<Doc> {
    return this.resolve(actor, idOrNumber);
  }

  /** Computes the patch for an update, with status/stage dates and tag operations. */
  async patchFor(actor: Actor, doc: Doc, input: CaseUpdate): Promise<Record<string, unknown>> {
    const patch: Record<string, unknown> = {};
    const fields = ['title', 'description', 'severity', 'startDate', 'endDate', 'flag', 'tlp', 'pap', 'taskRule', 'observableRule'] as const;
    for (const f of fields) if (input[f] !== undefined) patch[f] = input[f];
    for (const f of ['summary', 'assignee', 'impactStatus'] as const) {
      if (input[f] === null) patch[f] = null;
      else if (input[f] !== undefined) patch[f] = f === 'assignee' ? String(input[f]).toLowerCase() : input[f];
    }
    if (input.assignee) await this.checkAssignee(actor, input.assignee);
    if (input.impactStatus && !(IMPACT_STATUSES as readonly string[]).includes(input.impactStatus)) {
      throw new AttributeCheckingError(`Invalid impactStatus "${input.impactStatus}"`);
    }
    let tags = (doc.tags as string[]) ?? [];
    if (input.tags !== undefined) tags = dedupe(input.tags);
    if (input.addTags) tags = dedupe([...tags, ...input.addTags]);
    if (input.removeTags) tags = tags.filter((t) => !input.removeTags!.includes(t));
    if (input.tags !== undefined || input.addTags || input.removeTags) patch.tags = tags;
    const defs = await customFieldDefinitions(this.store);
    if (input.customFields !== undefined) {
      patch.customFields = normaliseCustomFields(input.customFields, defs, () => this.store.newId(), (doc.customFields as StoredCustomField[]) ?? []);
    }
    if (input.status !== undefined && input.status !== doc.status) {
      if (!ALL_STATUSES.has(input.status)) throw new AttributeCheckingError(`Invalid case status "${input.status}"`);
      const now = Date.now();
      const from = stageOf(String(doc.status));
      const to = stageOf(input.status);
      patch.status = input.status;
      patch.stage = to;
      if (to === 'Closed' && from !== 'Closed') {
        requirePermission(actor, 'manageCase/update', doc);
        checkMandatory((patch.customFields as StoredCustomField[]) ?? (doc.customFields as StoredCustomField[]) ?? [], defs);
        patch.closedDate = now;
        if (input.endDate === undefined) patch.endDate = now;
        patch.timeToResolve = now - Number(doc._createdAt);
        patch.handlingDuration = now - Number(doc.startDate ?? doc._createdAt);
        if (!doc.inProgressDate) patch.inProgressDate = now;
      } else if (to !== 'Closed' && from === 'Closed') {
        requirePermission(actor, 'manageCase/reopen', doc);
        patch.closedDate = null;
        patch.endDate = input.endDate ?? null;
        patch.timeToResolve = null;
        patch.handlingDuration = null;
        patch.impactStatus = input.impactStatus ?? null;
      }
      if (to === 'InProgress' && !doc.inProgressDate) patch.inProgressDate = now;
    }
    return patch;
  }

  async update(actor: Actor, idOrNumber: string, input: CaseUpdate): Promise<Doc> {
    const doc = assertCan(actor, await this.resolve(actor, idOrNumber), 'Case', idOrNumber, 'manageCase/update');
    const patch = await this.patchFor(actor, doc, input);
    if (Object.keys(patch).length === 0) return doc;
    const [updated] = await this.audit.commit([
      { op: 'update', type: 'case', id: doc._id, patch, by: actor.login },
      this.audit.op(actor, 'update', doc, patch),
    ]);
    return updated as Doc;
  }

  async bulkUpdate(actor: Actor, ids: string[], input: CaseUpdate): Promise<void> {
    requirePermission(actor, 'manageCase/update');
    const ops: BatchOp[] = [];
    for (const id of new Set(ids)) {
      const doc = assertCan(actor, await this.resolve(actor, id), 'Case', id, 'manageCase/update');
      const patch = await this.patchFor(actor, doc, input);
      ops.push({ op: 'update', type: 'case', id: doc._id, patch, by: actor.login }, this.audit.op(actor, 'update', doc, patch));
    }
    await this.audit.commit(ops);
  }

  /** Deletes a case and everything under it (tasks, logs, observables, pages...). */
  async delete(actor: Actor, idOrNumber: string): Promise<void> {
    const doc = assertCan(actor, await this.resolve(actor, idOrNumber), 'Case', idOrNumber, 'manageCase/delete');
    if (doc.owningOrganisation !== actor.orgId) throw new NotFoundError(`Case ${idOrNumber} not found`);
    await this.audit.commit([
      ...(await this.cascadeDeleteOps(doc._id)),
      { op: 'delete', type: 'case', id: doc._id },
      this.audit.op(actor, 'delete', doc, { title: doc.title }),
    ]);
  }

  /** Delete ops for every child of a case. */
  async cascadeDeleteOps(caseId: string): Promise<BatchOp[]> {
    const ops: BatchOp[] = [];
    for (const type of ['task', 'log', 'observable', 'comment', 'procedure', 'page', 'attachment', 'customEvent', 'share', 'analyzerJob', 'action'] as const) {
      const r = await this.store.query({ entity: type, where: q.parentId('case', caseId), sort: [], output: { kind: 'rows', from: 0, to: 1_000_000 } });
      for (const d of r.kind === 'rows' ? r.rows : []) {
        ops.push({ op: 'delete', type, id: d._id });
        if (type === 'observable' && d.dataType !== undefined) ops.push({ op: 'release', scope: `observable.case.${caseId}`, key: observableKey(d) });
      }
    }
    // files of file observables hang under the observable, not the case
    const observableIds = ops.filter((o): o is Extract<BatchOp, { op: 'delete' }> => o.op === 'delete' && o.type === 'observable').map((o) => o.id);
    for (let i = 0; i < observableIds.length; i += 500) {
      const r = await this.store.query({
        entity: 'attachment',
        where: q.parentId('observable', ...observableIds.slice(i, i + 500)),
        sort: [],
        output: { kind: 'rows', from: 0, to: 1_000_000 },
      });
      for (const d of r.kind === 'rows' ? r.rows : []) {
        if (!ops.some((o) => o.op === 'delete' && o.id === d._id)) ops.push({ op: 'delete', type: 'attachment', id: d._id });
      }
    }
    const alerts = await this.store.query({ entity: 'alert', where: q.parentId('case', caseId), sort: [], output: { kind: 'rows', from: 0, to: 1_000_000 } });
    for (const a of alerts.kind === 'rows' ? alerts.rows : []) {
      ops.push({ op: 'update', type: 'alert', id: a._id, patch: { caseId: null, _parents: {} }, by: 'system@thehive.local' });
    }
    return ops;
  }

  render(doc: Doc): Record<string, unknown> {
    const out = {
      ...systemFields(doc),
      number: doc.number,
      title: doc.title,
      description: doc.description,
      severity: doc.severity,
      startDate: doc.startDate,
      ...pick(doc, ['endDate']),
      tags: doc.tags ?? [],
      flag: doc.flag === true,
      tlp: doc.tlp,
      pap: doc.pap,
      status: doc.status,
      stage: doc.stage,
      ...pick(doc, ['summary', 'impactStatus', 'assignee']),
      access: doc.access ?? { _kind: 'OrganisationAccessKind' },
      customFields: renderCustomFields(doc.customFields),
      extraData: {},
      newDate: doc.newDate ?? doc._createdAt,
      ...pick(doc, ['inProgressDate', 'closedDate', 'alertDate', 'alertNewDate', 'alertInProgressDate', 'alertImportedDate']),
      timeToDetect: doc.timeToDetect ?? 0,
      ...pick(doc, ['timeToTriage', 'timeToQualify', 'timeToAcknowledge', 'timeToResolve', 'handlingDuration']),
    };
    return withLabels(out);
  }
}

export function dedupe(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
}

/** The uniqueness key of an observable inside its case or alert. */
export function observableKey(d: Record<string, unknown>): string {
  return `${String(d.dataType)}|${String(d.data ?? d.attachmentHash ?? '')}`;
}
