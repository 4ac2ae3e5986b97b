/**
 * Alerts: creation (with embedded observables and procedures, in one atomic batch), triage
 * (update, status and stage, follow, read, assignee, tags), deletion, and the children added
 * later (observables, comments, procedures, attachments).
 *
 * (type, source, sourceRef) is unique per organisation: a claim in scope `alert.<orgId>`
 * written in the same batch as the alert, so concurrent duplicates lose atomically.
 * Promotion, merge and import live in `alert-import.service.ts`; similarity in
 * `alert-similarity.service.ts`.
 */
import type { Readable } from 'node:stream';
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { AttachmentService, StoredFile } from './attachment.service.js';
import type { ObservableInput, ObservableService } from './observable.service.js';
import type { ProcedureInput, ProcedureService } from './procedure.service.js';
import type { CommentService } from './comment.service.js';
import type { CreateObservablesResult } from './observable.service.js';
import { observableScope } from './observable.service.js';
import { AttributeCheckingError, BadRequestError, ConflictError, CreateError, NotFoundError } from '../errors/errors.js';
import { assertCan, assertVisible, requirePermission } from './policy.js';
import { q } from '../query/ir.js';
import { pick, systemFields, withLabels } from './render.js';
import { customFieldDefinitions, normaliseCustomFields, renderCustomFields, type CustomFieldsInput, type StoredCustomField } from './custom-fields.js';
import { dedupe, observableKey } from './case.service.js';
import { uniqueName } from './attachment-access.service.js';
import { ALERT_STATUSES, alertStageOf, alertStatusDates, alertStatusPatch } from './alert-status.js';

export interface AlertInput {
  type: string;
  source: string;
  sourceRef: string;
  title: string;
  description: string;
  externalLink?: string;
  severity?: number;
  date?: number;
  tags?: string[];
  flag?: boolean;
  tlp?: number;
  pap?: number;
  customFields?: CustomFieldsInput;
  summary?: string;
  status?: string;
  assignee?: string;
  caseTemplate?: string;
  observables?: ObservableInput[];
  procedures?: ProcedureInput[];
}

export interface AlertUpdate {
  type?: string;
  source?: string;
  sourceRef?: string;
  externalLink?: string | null;
  title?: string;
  description?: string;
  severity?: number;
  date?: number;
  lastSyncDate?: number;
  tags?: string[];
  flag?: boolean;
  tlp?: number;
  pap?: number;
  follow?: boolean;
  customFields?: CustomFieldsInput;
  status?: string;
  summary?: string | null;
  assignee?: string | null;
  caseTemplate?: string | null;
  addTags?: string[];
  removeTags?: string[];
}

export interface AlertLimits {
  /** `alert.maxObservables`: most observables one alert may be created with. */
  maxObservables: number;
}

/** The claim scope of (type, source, sourceRef) in an organisation. */
export function alertScope(orgId: string): string {
  return `alert.${orgId}`;
}

/** What makes an alert unique in its organisation. */
export interface Triple {
  type?: unknown;
  source?: unknown;
  sourceRef?: unknown;
}

/** The uniqueness key of an alert; JSON so that separators inside values cannot collide. */
export function alertKey(d: Triple): string {
  return JSON.stringify([String(d.type), String(d.source), String(d.sourceRef)]);
}

const ROWS = (to: number) => ({ kind: 'rows' as const, from: 0, to });

export class AlertService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly limits: AlertLimits,
    private readonly observables: ObservableService,
    private readonly procedures: ProcedureService,
    private readonly comments: CommentService,
    private readonly attachments: AttachmentService,
  ) {}

  /** The alert `id` (`~123`) visible to the actor; NotFoundError otherwise. */
  async resolve(actor: Actor, id: string): Promise<Doc> {
    const doc = id.startsWith('~') ? await this.store.get('alert', id) : undefined;
    return assertVisible(actor, doc?._type === 'alert' ? doc : undefined, 'Alert', id);
  }

  async get(actor: Actor, id: string): Promise<Doc> {
    return this.resolve(actor, id);
  }

  private async checkAssignee(actor: Actor, login: string | null | undefined): Promise<void> {
    if (login === undefined || login === null) return;
    const owner = await this.store.uniqueOwner('user.login', login.toLowerCase());
    const user = owner ? await this.store.get('user', owner) : undefined;
    if (!user || !((user.orgIds as string[]) ?? []).includes(actor.orgId)) throw new BadRequestError(`User ${login} is not a member of ${actor.orgName}`);
  }

  private duplicateError(actor: Actor, d: Triple): CreateError {
    return new CreateError(`Alert ${String(d.type)}:${String(d.source)}:${String(d.sourceRef)} already exists in organisation ${actor.orgName}`);
  }

  /**
   * Creates an alert with its observables and procedures in ONE atomic batch, or nothing.
   * `files` are the multipart parts referenced by file observables (`attachment: "<part>"`).
   * Throws AuthorizationError, CreateError (duplicate triple), BadRequestError (too many
   * observables, unknown data type, duplicate observables, missing file part), AttributeCheckingError.
   */
  async create(actor: Actor, input: AlertInput, files: StoredFile[] = []): Promise<{ doc: Doc; observableCount: number }> {
    requirePermission(actor, 'manageAlert/create');
    const status = input.status ?? 'New';
    if (!ALERT_STATUSES.includes(status) || status === 'Imported') throw new AttributeCheckingError(`Invalid alert status "${status}"`);
    const inputs = input.observables ?? [];
    const max = this.limits.maxObservables;
    if (inputs.length > max) throw new BadRequestError(`An alert may have at most ${max} observables (setting alert.maxObservables); got ${inputs.length}`);
    const scope = alertScope(actor.orgId);
    const key = alertKey(input);
    if (await this.store.uniqueOwner(scope, key)) throw this.duplicateError(actor, input);
    await this.checkAssignee(actor, input.assignee);
    const customFields =
      input.customFields === undefined ? [] : normaliseCustomFields(input.customFields, await customFieldDefinitions(this.store), () => this.store.newId());

    const now = Date.now();
    const date = input.date ?? now;
    const stage = alertStageOf(status);
    const doc: NewDoc = {
      _id: this.store.newId(),
      _type: 'alert',
      _createdAt: now,
      _createdBy: actor.login,
      _orgs: [actor.orgId],
      _parents: {},
      type: input.type,
      source: input.source,
      sourceRef: input.sourceRef,
      ...(input.externalLink !== undefined ? { externalLink: input.externalLink } : {}),
      title: input.title,
      description: input.description,
      severity: input.severity ?? 2,
      date,
      tags: dedupe(input.tags ?? []),
      flag: input.flag ?? false,
      tlp: input.tlp ?? 2,
      pap: input.pap ?? 2,
      customFields,
      ...(input.summary !== undefined ? { summary: input.summary } : {}),
      status,
      stage,
      ...(input.assignee ? { assignee: input.assignee.toLowerCase() } : {}),
      ...(input.caseTemplate ? { caseTemplate: input.caseTemplate } : {}),
      follow: true,
      read: false,
      newDate: now,
      timeToDetect: Math.max(0, now - date),
      ...alertStatusDates(stage, now, now),
    };

    const childOps = await this.embeddedObservableOps(actor, doc, inputs, files);
    const observableCount = childOps.count;
    for (const p of input.procedures ?? []) {
      const proc = await this.procedures.build(actor, doc, p);
      childOps.ops.push({ op: 'insert', doc: proc });
    }
    // TheHive answers the create without _updatedAt/_updatedBy but a later GET has them when
    // observables were added (the alert is touched once its children are in). The alert is
    // stored touched, in the same batch, and the answer leaves those two fields out.
    if (observableCount > 0) Object.assign(doc, { observableCount, _updatedAt: now, _updatedBy: actor.login });
    const ops: BatchOp[] = [
      { op: 'claim', scope, key, owner: doc._id },
      { op: 'insert', doc },
      this.audit.op(actor, 'create', doc, { title: doc.title, type: doc.type, source: doc.source, sourceRef: doc.sourceRef, observableCount }, now),
      ...childOps.ops,
    ];
    let results: Array<Doc | boolean>;
    try {
      results = await this.audit.commit(ops);
    } catch (e) {
      if (e instanceof ConflictError) throw this.duplicateError(actor, input);
      throw e;
    }
    const { _updatedAt: _a, _updatedBy: _b, ...created } = results[1] as Doc;
    return { doc: created, observableCount };
  }

  /**
   * Insert ops for the observables an alert is created with. Per-observable audit records are
   * left out (the alert's own record counts them) to keep ingestion lean. Any problem refuses
   * the whole alert with a 400 naming the observable.
   */
  private async embeddedObservableOps(actor: Actor, alert: NewDoc, inputs: ObservableInput[], files: StoredFile[]): Promise<{ ops: BatchOp[]; count: number }> {
    if (inputs.length === 0) return { ops: [], count: 0 };
    // Creating an alert with observables is one act: manageAlert/create covers its observables.
    const creator: Actor = actor.permissions.has('manageAlert/update')
      ? actor
      : { ...actor, permissions: new Set([...actor.permissions, 'manageAlert/update']) };
    const parent = { relation: 'alert' as const, doc: { ...alert, _version: 1 } as Doc };
    const ops: BatchOp[] = [];
    const seen = new Map<string, number>();
    let count = 0;
    for (const [i, input] of inputs.entries()) {
      const where = `observables[${i}] (${input.dataType}${typeof input.data === 'string' ? ` ${JSON.stringify(input.data.slice(0, 100))}` : ''})`;
      let prepared;
      try {
        prepared = await this.observables.prepare(creator, parent, input, files);
      } catch (e) {
        if (e instanceof BadRequestError || e instanceof AttributeCheckingError) throw new BadRequestError(`The alert was not created: ${where}: ${e.message}`);
        throw e;
      }
      if (prepared.failure.length) throw new BadRequestError(`The alert was not created: ${where}: ${prepared.failure[0]!.message}`);
      for (const item of prepared.items) {
        const k = observableKey(item.doc);
        const first = seen.get(k);
        if (first !== undefined) throw new BadRequestError(`The alert was not created: ${where} duplicates observables[${first}] (same dataType and data)`);
        seen.set(k, i);
        count++;
        if (count > this.limits.maxObservables) {
          throw new BadRequestError(`An alert may have at most ${this.limits.maxObservables} observables (setting alert.maxObservables)`);
        }
        // No claim row per observable: duplicates inside the payload are refused above, and no
        // other writer can add to an alert that does not exist yet; later additions check these
        // observables by query (ObservableService.keysTakenInAlert) and claim their own keys.
        for (const op of item.ops) if (op.op !== 'claim' && !(op.op === 'insert' && op.doc._type === 'audit')) ops.push(op);
      }
    }
    return { ops, count };
  }

  /** Computes the patch of an update (status dates, tags, custom fields, uniqueness). */
  async patchFor(actor: Actor, doc: Doc, input: AlertUpdate): Promise<{ patch: Record<string, unknown>; ops: BatchOp[] }> {
    const patch: Record<string, unknown> = {};
    const ops: BatchOp[] = [];
    for (const f of ['type', 'source', 'sourceRef', 'title', 'description', 'severity', 'date', 'lastSyncDate', 'flag', 'tlp', 'pap', 'follow'] as const) {
      if (input[f] !== undefined) patch[f] = input[f];
    }
    for (const f of ['externalLink', 'summary', 'assignee', 'caseTemplate'] as const) {
      const v = input[f];
      if (v === null) patch[f] = null;
      else if (v !== undefined) patch[f] = f === 'assignee' ? v.toLowerCase() : v;
    }
    if (input.assignee) await this.checkAssignee(actor, input.assignee);
    let tags = (doc.tags as string[]) ?? [];
    if (input.tags !== undefined) tags = dedupe(input.tags);
    if (input.addTags) tags = dedupe([...tags, ...input.addTags]);
    if (input.removeTags) tags = tags.filter((t) => !input.removeTags!.includes(t));
    if (input.tags !== undefined || input.addTags || input.removeTags) patch.tags = tags;
    if (input.customFields !== undefined) {
      patch.customFields = normaliseCustomFields(
        input.customFields,
        await customFieldDefinitions(this.store),
        () => this.store.newId(),
        (doc.customFields as StoredCustomField[]) ?? [],
      );
    }
    if (input.status !== undefined && input.status !== doc.status) Object.assign(patch, alertStatusPatch(actor, doc, input.status));
    const next = { type: patch.type ?? doc.type, source: patch.source ?? doc.source, sourceRef: patch.sourceRef ?? doc.sourceRef };
    if (alertKey(next) !== alertKey(doc as Triple)) {
      const scope = alertScope(owningOrg(doc));
      ops.push({ op: 'release', scope, key: alertKey(doc as Triple) }, { op: 'claim', scope, key: alertKey(next), owner: doc._id });
    }
    return { patch, ops };
  }

  private async commitUpdates(ops: BatchOp[]): Promise<Array<Doc | boolean>> {
    try {
      return await this.audit.commit(ops);
    } catch (e) {
      if (e instanceof ConflictError) throw new CreateError(`Another alert of this organisation already has this type, source and sourceRef`);
      throw e;
    }
  }

  /** Updates an alert (manageAlert/update). Throws NotFoundError, AuthorizationError, 400s. */
  async update(actor: Actor, id: string, input: AlertUpdate): Promise<Doc> {
    const doc = assertCan(actor, await this.resolve(actor, id), 'Alert', id, 'manageAlert/update');
    const { patch, ops } = await this.patchFor(actor, doc, input);
    if (Object.keys(patch).length === 0) return doc;
    const results = await this.commitUpdates([
      ...ops,
      { op: 'update', type: 'alert', id: doc._id, patch, by: actor.login },
      this.audit.op(actor, 'update', doc, patch),
    ]);
    return results[ops.length] as Doc;
  }

  /** Updates several alerts, all or none. */
  async bulkUpdate(actor: Actor, ids: string[], input: AlertUpdate): Promise<void> {
    requirePermission(actor, 'manageAlert/update');
    const ops: BatchOp[] = [];
    // Giving several alerts the same (type, source, sourceRef) fails on the claims, atomically.
    for (const id of new Set(ids)) {
      const doc = await this.resolve(actor, id);
      const { patch, ops: claimOps } = await this.patchFor(actor, doc, input);
      if (Object.keys(patch).length === 0) continue;
      ops.push(...claimOps, { op: 'update', type: 'alert', id: doc._id, patch, by: actor.login }, this.audit.op(actor, 'update', doc, patch));
    }
    if (ops.length) await this.commitUpdates(ops);
  }

  /** Sets one field without other rules (follow, read). */
  private async setFlag(actor: Actor, id: string, patch: Record<string, unknown>): Promise<void> {
    const doc = assertCan(actor, await this.resolve(actor, id), 'Alert', id, 'manageAlert/update');
    await this.audit.commit([{ op: 'update', type: 'alert', id: doc._id, patch, by: actor.login }, this.audit.op(actor, 'update', doc, patch)]);
  }

  async follow(actor: Actor, id: string, follow: boolean): Promise<void> {
    await this.setFlag(actor, id, { follow });
  }

  async markRead(actor: Actor, id: string, read: boolean): Promise<void> {
    await this.setFlag(actor, id, { read });
  }

  /** Delete ops for an alert and everything under it, and the release of its claims. */
  async deleteOps(doc: Doc): Promise<BatchOp[]> {
    const ops: BatchOp[] = [];
    const obs = await this.store.query({ entity: 'observable', where: q.parentId('alert', doc._id), sort: [], output: ROWS(1_000_000) });
    const obsDocs = obs.kind === 'rows' ? obs.rows : [];
    const scope = observableScope('alert', doc._id);
    for (const o of obsDocs) ops.push({ op: 'delete', type: 'observable', id: o._id }, { op: 'release', scope, key: observableKey(o) });
    const fileIds = obsDocs.filter((o) => o.attachment !== undefined).map((o) => o._id);
    for (let i = 0; i < fileIds.length; i += 500) {
      const atts = await this.store.query({
        entity: 'attachment',
        where: q.parentId('observable', ...fileIds.slice(i, i + 500)),
        sort: [],
        output: ROWS(1_000_000),
      });
      for (const a of atts.kind === 'rows' ? atts.rows : []) ops.push({ op: 'delete', type: 'attachment', id: a._id });
    }
    for (const type of ['comment', 'procedure', 'attachment'] as const) {
      const r = await this.store.query({ entity: type, where: q.parentId('alert', doc._id), sort: [], output: ROWS(1_000_000) });
      for (const d of r.kind === 'rows' ? r.rows : []) ops.push({ op: 'delete', type, id: d._id });
    }
    ops.push({ op: 'release', scope: alertScope(owningOrg(doc)), key: alertKey(doc as Triple) }, { op: 'delete', type: 'alert', id: doc._id });
    return ops;
  }

  /** Deletes an alert and its children (manageAlert/delete). */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.bulkDelete(actor, [id]);
  }

  /** Deletes every listed alert, or none when one is missing or not visible. */
  async bulkDelete(actor: Actor, ids: readonly string[]): Promise<void> {
    requirePermission(actor, 'manageAlert/delete');
    const ops: BatchOp[] = [];
    for (const id of new Set(ids)) {
      const doc = await this.resolve(actor, id);
      ops.push(...(await this.deleteOps(doc)), this.audit.op(actor, 'delete', doc, { title: doc.title }));
    }
    if (ops.length === 0) throw new BadRequestError('No alert to delete');
    await this.audit.commit(ops);
  }

  // ---- children added later ----

  /**
   * Adds observables to an alert (manageAlert/update). `readInput` runs only once the alert
   * and the permission are checked. Each observable is written on its own (201 or 207).
   */
  async addObservables(actor: Actor, id: string, readInput: () => Promise<{ input: ObservableInput; files: StoredFile[] }>): Promise<CreateObservablesResult> {
    const doc = assertCan(actor, await this.resolve(actor, id), 'Alert', id, 'manageAlert/update');
    const { input, files } = await readInput();
    return this.observables.createMany(actor, { relation: 'alert', doc }, input, files);
  }

  async addComment(actor: Actor, id: string, message: string): Promise<Doc> {
    return this.comments.create(actor, { relation: 'alert', doc: await this.resolve(actor, id) }, message);
  }

  async addProcedures(actor: Actor, id: string, inputs: ProcedureInput[]): Promise<Doc[]> {
    await this.resolve(actor, id);
    return this.procedures.createIn(actor, 'alert', id, inputs);
  }

  /**
   * Adds files to an alert (manageAlert/update). With `canRename`, a name already used by
   * another attachment of the alert gets a ` (n)` suffix. `readFiles` runs after the checks.
   */
  async addAttachments(actor: Actor, id: string, readFiles: () => Promise<{ files: StoredFile[]; canRename: boolean }>): Promise<Doc[]> {
    const doc = assertCan(actor, await this.resolve(actor, id), 'Alert', id, 'manageAlert/update');
    const { files, canRename } = await readFiles();
    if (files.length === 0) throw new BadRequestError('No file: send one or more multipart file parts named "attachments"');
    let named = files;
    if (canRename) {
      const taken = new Set((await this.childrenOf('attachment', doc._id)).map((d) => String(d.name)));
      named = files.map((f) => {
        const filename = uniqueName(f.filename, taken);
        taken.add(filename);
        return { ...f, filename };
      });
    }
    return this.attachments.attach(actor, { relation: 'alert', doc: { _id: doc._id, _orgs: doc._orgs, _parents: {} } }, named);
  }

  /** An attachment of a visible alert; NotFoundError otherwise. */
  async attachment(actor: Actor, id: string, attachmentId: string): Promise<Doc> {
    const alert = await this.resolve(actor, id);
    const att = attachmentId.startsWith('~') ? await this.store.get('attachment', attachmentId) : undefined;
    if (!att || att._type !== 'attachment' || att._parents.alert !== alert._id) throw new NotFoundError(`Attachment ${attachmentId} not found`);
    return att;
  }

  async openAttachment(actor: Actor, id: string, attachmentId: string): Promise<{ doc: Doc; stream: Readable }> {
    const doc = await this.attachment(actor, id, attachmentId);
    return { doc, stream: await this.attachments.openBlob(String(doc.id)) };
  }

  async deleteAttachment(actor: Actor, id: string, attachmentId: string): Promise<void> {
    const att = await this.attachment(actor, id, attachmentId);
    requirePermission(actor, 'manageAlert/update');
    await this.attachments.delete(actor, att);
  }

  /** Documents of `type` directly under the alert. */
  async childrenOf(type: 'observable' | 'procedure' | 'attachment' | 'comment', alertId: string): Promise<Doc[]> {
    const r = await this.store.query({
      entity: type,
      where: q.parentId('alert', alertId),
      sort: [{ field: '_createdAt', dir: 'asc' }],
      output: ROWS(1_000_000),
    });
    return r.kind === 'rows' ? r.rows : [];
  }

  /** The number of observables of one alert (indexed count). */
  async observableCount(alertId: string): Promise<number> {
    const r = await this.store.query({ entity: 'observable', where: q.parentId('alert', alertId), sort: [], output: { kind: 'count' } });
    return r.kind === 'count' ? r.count : 0;
  }

  /** Renders an alert, counting its observables. */
  async render(doc: Doc): Promise<Record<string, unknown>> {
    return this.renderWith(doc, await this.observableCount(doc._id));
  }

  /** Renders an alert with a known observable count. */
  renderWith(doc: Doc, observableCount: number): Record<string, unknown> {
    return withLabels({
      ...systemFields(doc),
      type: doc.type,
      source: doc.source,
      sourceRef: doc.sourceRef,
      ...pick(doc, ['externalLink']),
      title: doc.title,
      description: doc.description,
      severity: doc.severity,
      date: doc.date,
      tags: doc.tags ?? [],
      flag: doc.flag === true,
      tlp: doc.tlp,
      pap: doc.pap,
      follow: doc.follow !== false,
      read: doc.read === true,
      customFields: renderCustomFields(doc.customFields),
      ...pick(doc, ['caseTemplate']),
      observableCount,
      ...pick(doc, ['caseId']),
      status: doc.status,
      stage: doc.stage ?? alertStageOf(String(doc.status)),
      ...pick(doc, ['assignee', 'summary', 'lastSyncDate']),
      extraData: {},
      newDate: doc.newDate ?? doc._createdAt,
      ...pick(doc, ['inProgressDate', 'closedDate', 'importedDate']),
      timeToDetect: doc.timeToDetect ?? 0,
      ...pick(doc, ['timeToTriage', 'timeToQualify', 'timeToAcknowledge']),
    });
  }
}

/** The organisation that owns an alert (alerts are never shared). */
export function owningOrg(doc: Pick<Doc, '_orgs'>): string {
  return doc._orgs[0] ?? '';
}
