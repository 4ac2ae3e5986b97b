/**
 * Turning alerts into case content: promotion to a new case, merge and import into an
 * existing case, bulk merge, and unlinking. Everything one call changes (the case, its new
 * or merged observables, procedures, attachments, and the alerts) is written in ONE atomic
 * batch. Merging never duplicates an observable already in the case: same dataType and data
 * (or file hash) are merged, tags united and `ioc`/`sighted` ORed.
 */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { AttachmentService } from './attachment.service.js';
import type { CaseInput, CaseService, ChildOps } from './case.service.js';
import type { CaseTemplateService } from './case-template.service.js';
import type { CustomFieldsInput, StoredCustomField } from './custom-fields.js';
import type { AlertService } from './alert.service.js';
import { BadRequestError, ConflictError, NotFoundError } from '../errors/errors.js';
import { childAccess, inheritAccess, requirePermission } from './policy.js';
import { q } from '../query/ir.js';
import { dedupe, observableKey } from './case.service.js';
import { observableScope } from './observable.service.js';

/** InputPromoteAlert: overrides of the case made from an alert. */
export interface PromoteInput {
  title?: string;
  description?: string;
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
  caseTemplate?: string;
  tasks?: unknown[];
  pages?: unknown[];
  sharingParameters?: unknown[];
  taskRule?: string;
  observableRule?: string;
}

/** Creates a case with extra child ops in the same batch (`Services.caseCreator`). */
export type CaseCreator = (actor: Actor, body: Record<string, unknown> & CaseInput, more?: ChildOps, extra?: Record<string, unknown>) => Promise<Doc>;

export interface AlertImportLimits {
  /** `alert.maxBulkMerge`: most alerts one bulk merge may take. */
  maxBulkMerge: number;
}

type Mode = 'promote' | 'merge' | 'import';

const ROWS = (to: number) => ({ kind: 'rows' as const, from: 0, to });
const ATTEMPTS = 5;

/** Observables reaching a case: new copies, or merges into what the case already has. */
class ObservablePlan {
  private readonly created = new Map<string, NewDoc>();
  private readonly merged = new Map<string, { doc: Doc; tags: string[]; ioc: boolean; sighted: boolean }>();
  readonly inserts: BatchOp[] = [];

  constructor(
    private readonly caseDoc: Pick<Doc, '_id' | '_orgs'> & Record<string, unknown>,
    private readonly existing: Map<string, Doc>,
    private readonly copy: (src: Doc) => { doc: NewDoc; extra: BatchOp[] },
  ) {}

  add(src: Doc): void {
    const key = observableKey(src);
    const srcTags = (src.tags as string[]) ?? [];
    const fresh = this.created.get(key);
    if (fresh) {
      fresh.tags = dedupe([...((fresh.tags as string[]) ?? []), ...srcTags]);
      fresh.ioc = fresh.ioc === true || src.ioc === true;
      fresh.sighted = fresh.sighted === true || src.sighted === true;
      return;
    }
    const old = this.existing.get(key);
    if (old) {
      const m = this.merged.get(key) ?? { doc: old, tags: (old.tags as string[]) ?? [], ioc: old.ioc === true, sighted: old.sighted === true };
      m.tags = dedupe([...m.tags, ...srcTags]);
      m.ioc ||= src.ioc === true;
      m.sighted ||= src.sighted === true;
      this.merged.set(key, m);
      return;
    }
    const { doc, extra } = this.copy(src);
    this.created.set(key, doc);
    this.inserts.push({ op: 'claim', scope: observableScope('case', this.caseDoc._id), key, owner: doc._id }, { op: 'insert', doc }, ...extra);
  }

  /** Updates of existing case observables that changed (guarded by their version). */
  updates(by: string): BatchOp[] {
    const ops: BatchOp[] = [];
    for (const m of this.merged.values()) {
      const patch: Record<string, unknown> = {};
      const before = (m.doc.tags as string[]) ?? [];
      if (m.tags.length !== before.length) patch.tags = m.tags;
      if (m.ioc !== (m.doc.ioc === true)) patch.ioc = m.ioc;
      if (m.sighted !== (m.doc.sighted === true)) patch.sighted = m.sighted;
      if (Object.keys(patch).length) ops.push({ op: 'update', type: 'observable', id: m.doc._id, patch, by, expectedVersion: m.doc._version });
    }
    return ops;
  }

  get createdDocs(): NewDoc[] {
    return [...this.created.values()];
  }
}

export class AlertImportService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly alerts: AlertService,
    private readonly cases: CaseService,
    private readonly caseTemplates: CaseTemplateService,
    private readonly attachments: AttachmentService,
    private readonly limits: AlertImportLimits,
    private readonly creator: () => CaseCreator | undefined,
  ) {}

  /** Per case id, the end of the last merge queued in this process. */
  private readonly caseQueues = new Map<string, Promise<void>>();

  private assertNotImported(alert: Doc): void {
    if (alert.caseId) throw new BadRequestError(`Alert ${alert._id} is already imported in case ${String(alert.caseId)}`);
  }

  /** Retries `run` when a concurrent change (version or claim) made its batch fail. */
  private async retrying<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (e) {
        if (!(e instanceof ConflictError) || attempt >= ATTEMPTS) throw e;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
  }

  /**
   * Runs `run` after the previous changes of the same case made through this process, so that
   * concurrent merges into one case queue instead of colliding (retries still cover other nodes).
   */
  private async queued<T>(caseId: string, run: () => Promise<T>): Promise<T> {
    const previous = this.caseQueues.get(caseId) ?? Promise.resolve();
    const mine = previous.then(run, run);
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.caseQueues.set(caseId, tail);
    try {
      return await mine;
    } finally {
      if (this.caseQueues.get(caseId) === tail) this.caseQueues.delete(caseId);
    }
  }

  /**
   * Creates a case from an alert (manageAlert/import and manageCase/create). The case gets the
   * alert's fields (overridden by `input`), observables, procedures, attachments and custom
   * fields; the alert becomes Imported with `caseId`. One batch. Throws NotFoundError,
   * AuthorizationError, BadRequestError (already imported, unknown explicit template).
   */
  async promote(actor: Actor, alertId: string, input: PromoteInput = {}): Promise<Doc> {
    requirePermission(actor, 'manageAlert/import');
    requirePermission(actor, 'manageCase/create');
    return this.retrying(async () => {
      const alert = await this.alerts.resolve(actor, alertId);
      this.assertNotImported(alert);
      let caseTemplate = input.caseTemplate;
      if (caseTemplate === undefined && typeof alert.caseTemplate === 'string' && alert.caseTemplate) {
        // An alert may name a template that does not exist (TheHive tolerates it): then none is used.
        const found = await this.caseTemplates.resolve(actor, alert.caseTemplate).catch(() => undefined);
        if (found) caseTemplate = String(found.name);
      }
      const alertFields = ((alert.customFields as StoredCustomField[]) ?? []).map((c) => ({ name: c.name, value: c.value, order: c.order }));
      const overrides = toEntries(input.customFields);
      const customFields = [...alertFields.filter((c) => !overrides.some((o) => o.name === c.name)), ...overrides];
      const { customFields: _cf, caseTemplate: _ct, ...rest } = input;
      const body: Record<string, unknown> & CaseInput = {
        ...rest,
        title: input.title ?? String(alert.title),
        description: input.description ?? String(alert.description ?? ''),
        severity: input.severity ?? (alert.severity as number),
        tags: input.tags ?? (alert.tags as string[]) ?? [],
        flag: input.flag ?? alert.flag === true,
        tlp: input.tlp ?? (alert.tlp as number),
        pap: input.pap ?? (alert.pap as number),
        ...((input.summary ?? alert.summary) ? { summary: input.summary ?? String(alert.summary) } : {}),
        ...(customFields.length ? { customFields } : {}),
        ...(caseTemplate ? { caseTemplate } : {}),
      };
      const now = Date.now();
      const extra: Record<string, unknown> = {
        alertDate: alert.date,
        alertNewDate: alert.newDate ?? alert._createdAt,
        ...(alert.inProgressDate ? { alertInProgressDate: alert.inProgressDate } : {}),
        alertImportedDate: now,
        timeToDetect: alert.timeToDetect ?? 0,
      };
      const more: ChildOps = async (caseDoc) => (await this.linkOps(actor, 'promote', [alert], caseDoc, new Map(), now)).ops;
      const creator = this.creator();
      return creator ? creator(actor, body, more, extra) : this.cases.create(actor, body, more, extra);
    });
  }

  /** Merges an alert into a case: content, tags and a description section (manageAlert/import). */
  async merge(actor: Actor, alertId: string, caseIdOrNumber: string): Promise<Doc> {
    return this.intoCase(actor, 'merge', [alertId], caseIdOrNumber);
  }

  /** Imports an alert's content into a case, without touching the case's own fields. */
  async import(actor: Actor, alertId: string, caseIdOrNumber: string): Promise<Doc> {
    return this.intoCase(actor, 'import', [alertId], caseIdOrNumber);
  }

  /**
   * Merges many alerts into one case in one batch. At most `alert.maxBulkMerge` alerts;
   * all must be visible and not yet imported, or nothing changes.
   */
  async bulkMerge(actor: Actor, caseIdOrNumber: string, alertIds: readonly string[]): Promise<Doc> {
    const ids = [...new Set(alertIds)];
    if (ids.length === 0) throw new BadRequestError('alertIds is empty');
    if (ids.length > this.limits.maxBulkMerge) {
      throw new BadRequestError(`At most ${this.limits.maxBulkMerge} alerts can be merged at once (setting alert.maxBulkMerge); got ${ids.length}`);
    }
    return this.intoCase(actor, 'merge', ids, caseIdOrNumber);
  }

  private async intoCase(actor: Actor, mode: 'merge' | 'import', alertIds: string[], caseIdOrNumber: string): Promise<Doc> {
    requirePermission(actor, 'manageAlert/import');
    const caseId = (await this.cases.resolve(actor, caseIdOrNumber))._id;
    return this.queued(caseId, () => this.retrying(() => this.intoCaseOnce(actor, mode, alertIds, caseId)));
  }

  private async intoCaseOnce(actor: Actor, mode: 'merge' | 'import', alertIds: string[], caseId: string): Promise<Doc> {
    const caseDoc = await this.cases.resolve(actor, caseId);
    requirePermission(actor, 'manageCase/update', caseDoc);
    const alerts: Doc[] = [];
    for (const id of alertIds) {
      const a = await this.alerts.resolve(actor, id);
      this.assertNotImported(a);
      alerts.push(a);
    }
    const existing = await this.existingObservables(caseDoc._id, alerts);
    const { ops, casePatch } = await this.linkOps(actor, mode, alerts, caseDoc, existing, Date.now());
    const all: BatchOp[] = [];
    if (Object.keys(casePatch).length) {
      all.push({ op: 'update', type: 'case', id: caseDoc._id, patch: casePatch, by: actor.login, expectedVersion: caseDoc._version });
      all.push(this.audit.op(actor, 'update', caseDoc, { ...casePatch, alerts: alerts.map((a) => a._id) }));
    }
    all.push(...ops);
    const results = await this.audit.commit(all);
    return Object.keys(casePatch).length ? (results[0] as Doc) : caseDoc;
  }

  /** The case's observables sharing a key with the alerts' ones (indexed IN queries). */
  private async existingObservables(caseId: string, alerts: Doc[]): Promise<Map<string, Doc>> {
    const obs = await this.observablesOf(alerts.map((a) => a._id));
    const datas = [...new Set(obs.filter((o) => typeof o.data === 'string').map((o) => String(o.data)))];
    const hashes = [...new Set(obs.filter((o) => o.data === undefined && typeof o.attachmentHash === 'string').map((o) => String(o.attachmentHash)))];
    const out = new Map<string, Doc>();
    for (const [field, values] of [
      ['data', datas],
      ['attachmentHash', hashes],
    ] as const) {
      for (let i = 0; i < values.length; i += 500) {
        const r = await this.store.query({
          entity: 'observable',
          where: q.and(q.parentId('case', caseId), q.in(field, values.slice(i, i + 500))),
          sort: [],
          output: ROWS(1_000_000),
        });
        for (const d of r.kind === 'rows' ? r.rows : []) out.set(observableKey(d), d);
      }
    }
    return out;
  }

  private async observablesOf(alertIds: string[]): Promise<Doc[]> {
    const out: Doc[] = [];
    for (let i = 0; i < alertIds.length; i += 500) {
      const r = await this.store.query({
        entity: 'observable',
        where: q.parentId('alert', ...alertIds.slice(i, i + 500)),
        sort: [{ field: '_createdAt', dir: 'asc' }],
        output: ROWS(10_000_000),
      });
      if (r.kind === 'rows') out.push(...r.rows);
    }
    return out;
  }

  private async childrenUnder(type: 'procedure' | 'attachment', relation: 'alert' | 'case', ids: string[]): Promise<Doc[]> {
    const out: Doc[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const r = await this.store.query({
        entity: type,
        where: q.parentId(relation, ...ids.slice(i, i + 500)),
        sort: [{ field: '_createdAt', dir: 'asc' }],
        output: ROWS(10_000_000),
      });
      if (r.kind === 'rows') out.push(...r.rows);
    }
    return out;
  }

  /**
   * Every op that links `alerts` to `caseDoc`: observables (copied or merged), procedures,
   * attachments, the alerts' new state and the audit records; and the patch of the case itself.
   */
  private async linkOps(
    actor: Actor,
    mode: Mode,
    alerts: Doc[],
    caseDoc: Pick<Doc, '_id' | '_orgs' | '_parents'> & Record<string, unknown>,
    existing: Map<string, Doc>,
    now: number,
  ): Promise<{ ops: BatchOp[]; casePatch: Record<string, unknown> }> {
    const alertIds = alerts.map((a) => a._id);
    const isNew = mode === 'promote';
    const plan = new ObservablePlan(caseDoc, existing, (src) => this.copyObservable(actor, src, caseDoc, now));
    for (const o of await this.observablesOf(alertIds)) plan.add(o);

    const ops: BatchOp[] = [...plan.inserts, ...plan.updates(actor.login)];
    for (const d of plan.createdDocs) {
      ops.push(this.audit.op(actor, 'create', d, { dataType: d.dataType, ...(d.data !== undefined ? { data: d.data } : {}) }, now));
    }

    const procKey = (p: Record<string, unknown>) => `${String(p.patternId)}|${String(p.occurDate)}`;
    const haveProcs = new Set(isNew ? [] : (await this.childrenUnder('procedure', 'case', [caseDoc._id])).map(procKey));
    for (const p of await this.childrenUnder('procedure', 'alert', alertIds)) {
      if (haveProcs.has(procKey(p))) continue;
      haveProcs.add(procKey(p));
      const doc: NewDoc = {
        _id: this.store.newId(),
        _type: 'procedure',
        _createdAt: now,
        _createdBy: actor.login,
        ...childAccess(caseDoc, 'other'),
        _parents: { case: caseDoc._id },
        ...copyFields(p, ['occurDate', 'patternId', 'patternName', 'tactic', 'tacticLabel', 'description']),
      };
      ops.push({ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { patternId: doc.patternId }, now));
    }

    const attKey = (a: Record<string, unknown>) => `${String(a.id)}|${String(a.name)}`;
    const haveAtts = new Set(isNew ? [] : (await this.childrenUnder('attachment', 'case', [caseDoc._id])).map(attKey));
    for (const a of await this.childrenUnder('attachment', 'alert', alertIds)) {
      if (haveAtts.has(attKey(a))) continue;
      haveAtts.add(attKey(a));
      const doc: NewDoc = {
        ...this.attachments.buildDoc(actor, { relation: 'case', doc: { _id: caseDoc._id, _orgs: caseDoc._orgs, _parents: {} } }, storedFileOf(a)),
        ...childAccess(caseDoc, 'other'),
        _createdAt: now,
      };
      ops.push({ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { name: doc.name }, now));
    }

    for (const alert of alerts) {
      const patch: Record<string, unknown> = {
        caseId: caseDoc._id,
        _parents: { case: caseDoc._id },
        status: 'Imported',
        stage: 'Imported',
        importedDate: now,
        read: true,
      };
      const newDate = Number(alert.newDate ?? alert._createdAt);
      if (alert.timeToTriage === undefined) patch.timeToTriage = Math.max(0, now - newDate);
      if (alert.timeToQualify === undefined) patch.timeToQualify = Math.max(0, now - newDate);
      ops.push({ op: 'update', type: 'alert', id: alert._id, patch, by: actor.login, at: now, expectedVersion: alert._version });
      ops.push(this.audit.op(actor, mode === 'promote' ? 'import' : mode, { ...alert, _parents: { case: caseDoc._id } }, { caseId: caseDoc._id }, now));
    }

    const casePatch: Record<string, unknown> = {};
    if (!isNew) {
      const cfs = (caseDoc.customFields as StoredCustomField[]) ?? [];
      const added: StoredCustomField[] = [];
      for (const alert of alerts) {
        for (const cf of (alert.customFields as StoredCustomField[]) ?? []) {
          if (cf.value === null || cf.value === undefined) continue;
          if ([...cfs, ...added].some((c) => c.name === cf.name && c.value !== null && c.value !== undefined)) continue;
          added.push({ ...cf, _id: this.store.newId(), order: cfs.length + added.length });
        }
      }
      if (added.length) casePatch.customFields = [...cfs.filter((c) => !added.some((a) => a.name === c.name)), ...added];
    }
    if (mode === 'merge') {
      const tags = dedupe([...((caseDoc.tags as string[]) ?? []), ...alerts.flatMap((a) => (a.tags as string[]) ?? [])]);
      if (tags.length !== ((caseDoc.tags as string[]) ?? []).length) casePatch.tags = tags;
      const sections = alerts.map((a) => `#### Merged with alert #${String(a.sourceRef)} ${String(a.title)}\n\n${String(a.description ?? '').trim()}`);
      casePatch.description = [String(caseDoc.description ?? ''), ...sections].join('\n  \n');
    }
    return { ops, casePatch };
  }

  /** A case copy of an alert observable (and of its file's attachment document). */
  private copyObservable(
    actor: Actor,
    src: Doc,
    caseDoc: Pick<Doc, '_id' | '_orgs'> & Record<string, unknown>,
    now: number,
  ): { doc: NewDoc; extra: BatchOp[] } {
    const doc: NewDoc = {
      _id: this.store.newId(),
      _type: 'observable',
      _createdAt: now,
      _createdBy: actor.login,
      ...childAccess(caseDoc, 'observable'),
      _parents: { case: caseDoc._id },
      ...copyFields(src, ['dataType', 'data', 'message', 'startDate', 'tlp', 'pap', 'sightedAt', 'attachmentHash']),
      tags: [...((src.tags as string[]) ?? [])],
      ioc: src.ioc === true,
      sighted: src.sighted === true,
      ignoreSimilarity: src.ignoreSimilarity === true,
      reports: {},
    };
    const extra: BatchOp[] = [];
    const att = src.attachment as Record<string, unknown> | undefined;
    if (att && typeof att.id === 'string') {
      const attDoc: NewDoc = {
        ...this.attachments.buildDoc(actor, { relation: 'observable', doc: { _id: doc._id, _orgs: doc._orgs, _parents: {} } }, storedFileOf(att)),
        ...inheritAccess(doc),
        _createdAt: now,
      };
      doc.attachment = this.attachments.render({ ...attDoc, _version: 1 });
      extra.push({ op: 'insert', doc: attDoc });
    }
    return { doc, extra };
  }

  /**
   * Unlinks an alert from a case (`DELETE /api/v1/case/{caseId}/alert/{alertId}`): the alert
   * loses `caseId` and goes back to New. What was copied into the case stays there.
   */
  async unlink(actor: Actor, caseIdOrNumber: string, alertId: string): Promise<void> {
    const caseDoc = await this.cases.resolve(actor, caseIdOrNumber);
    const alert = await this.alerts.resolve(actor, alertId);
    if (alert.caseId !== caseDoc._id) throw new NotFoundError(`Alert ${alertId} is not linked to case ${caseIdOrNumber}`);
    requirePermission(actor, 'manageCase/update', caseDoc);
    requirePermission(actor, 'manageAlert/update');
    const patch: Record<string, unknown> = { caseId: null, _parents: {}, importedDate: null };
    if (alert.status === 'Imported') Object.assign(patch, { status: 'New', stage: 'New' });
    await this.audit.commit([
      { op: 'update', type: 'alert', id: alert._id, patch, by: actor.login, expectedVersion: alert._version },
      this.audit.op(actor, 'update', { ...alert, _parents: {} }, { caseId: null, unlinkedFrom: caseDoc._id }),
    ]);
  }
}

function copyFields(src: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (src[f] !== undefined && src[f] !== null) out[f] = src[f];
  return out;
}

function storedFileOf(a: Record<string, unknown>): { field: string; filename: string; contentType: string; sha256: string; size: number } {
  return {
    field: 'attachment',
    filename: String(a.name ?? 'file'),
    contentType: String(a.contentType ?? 'application/octet-stream'),
    sha256: String(a.id),
    size: Number(a.size ?? 0),
  };
}

function toEntries(input: CustomFieldsInput | undefined): Array<{ name: string; value: unknown; order?: number }> {
  if (input === undefined || input === null) return [];
  if (Array.isArray(input)) return input.map((e) => ({ name: e.name, value: e.value ?? null, ...(typeof e.order === 'number' ? { order: e.order } : {}) }));
  return Object.entries(input).map(([name, value]) => ({ name, value }));
}
