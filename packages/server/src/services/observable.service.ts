/**
 * Observables of cases and alerts. One creation path serves both parents: `createMany`
 * validates the data type, expands `data` lists, turns files into attachment documents and
 * writes each observable in its own atomic batch (claim + insert + audit), so one duplicate
 * does not sink the others. Uniqueness of (dataType, data) per parent is a claim in scope
 * `observable.<relation>.<parentId>` keyed by `observableKey(doc)`; case deletion releases it.
 */
import type { Readable } from 'node:stream';
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { AttachmentService, StoredFile } from './attachment.service.js';
import type { ObservableTypeService } from './observable-type.service.js';
import type { CaseService } from './case.service.js';
import type { Permission } from '../auth/permissions.js';
import { AttributeCheckingError, BadRequestError, ConflictError, NotFoundError, WaggleError } from '../errors/errors.js';
import { assertVisible, canSee, childAccess, inheritAccess, requirePermission, visibleTo } from './policy.js';
import { q } from '../query/ir.js';
import { pick, systemFields, withLabels } from './render.js';
import { dedupe, observableKey } from './case.service.js';
import { safeFileName } from './attachment.service.js';

export interface ObservableInput {
  dataType: string;
  /** One observable per element when a list. Absent for file observables. */
  data?: string | string[];
  message?: string;
  startDate?: number;
  tlp?: number;
  pap?: number;
  tags?: string[];
  ioc?: boolean;
  sighted?: boolean;
  sightedAt?: number;
  ignoreSimilarity?: boolean;
  /**
   * File observables: the name of a multipart part, an existing attachment
   * `{name, contentType, id}` (id = content hash), or a list of those. Absent: every file given.
   */
  attachment?: unknown;
  isZip?: boolean;
  zipPassword?: unknown;
}

export interface ObservableUpdate {
  dataType?: string;
  message?: string | null;
  tlp?: number;
  pap?: number;
  tags?: string[];
  ioc?: boolean;
  sighted?: boolean;
  sightedAt?: number | null;
  ignoreSimilarity?: boolean;
  addTags?: string[];
  removeTags?: string[];
}

export type ObservableRelation = 'case' | 'alert';

/** Where observables are created: a case or an alert document already resolved for the actor. */
export interface ObservableParent {
  relation: ObservableRelation;
  doc: Doc;
}

export interface ObservableFailure {
  type: string;
  message: string;
  object: Record<string, unknown>;
}

export interface CreateObservablesResult {
  success: Doc[];
  failure: ObservableFailure[];
}

/** One observable ready to be written: its ops are claim, inserts, then audit. */
export interface PreparedObservable {
  doc: NewDoc;
  attachment?: NewDoc;
  ops: BatchOp[];
  /** What a failure reports as `object`. */
  object: Record<string, unknown>;
}

export interface CreateOptions {
  /** Extra ops written in the same batch as each observable (e.g. an alert counter). */
  extraOps?: (doc: NewDoc) => BatchOp[];
}

/** The claim scope that keeps (dataType, data) unique under a case or an alert. */
export function observableScope(relation: ObservableRelation, parentId: string): string {
  return `observable.${relation}.${parentId}`;
}

/** The permission needed to change observables under `relation`. */
export function observablePermission(relation: ObservableRelation): Permission {
  return relation === 'case' ? 'manageObservable' : 'manageAlert/update';
}

const DUPLICATE = 'Observable already exists';

function relationOf(doc: Pick<Doc, '_parents'>): { relation: ObservableRelation; id: string } | undefined {
  if (doc._parents.case) return { relation: 'case', id: doc._parents.case };
  if (doc._parents.alert) return { relation: 'alert', id: doc._parents.alert };
  return undefined;
}

interface FileSource {
  file?: StoredFile;
  failure?: ObservableFailure;
}

export class ObservableService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly attachments: AttachmentService,
    private readonly types: ObservableTypeService,
    private readonly cases: CaseService,
  ) {}

  /** Tenant check on the parent, then the permission to add observables under it. */
  private checkParent(actor: Actor, parent: ObservableParent): void {
    const what = parent.relation === 'case' ? 'Case' : 'Alert';
    assertVisible(actor, parent.doc, what, parent.doc._id);
    requirePermission(actor, observablePermission(parent.relation), parent.doc);
  }

  /**
   * Validates `input` and builds the observables it describes (nothing is written).
   * Throws (whole request) on an invisible parent (NotFoundError), a missing permission
   * (AuthorizationError), an unknown data type, missing data or file (400); per-item
   * problems (bad file reference...) come back in `failure`.
   */
  async prepare(
    actor: Actor,
    parent: ObservableParent,
    input: ObservableInput,
    files: StoredFile[] = [],
  ): Promise<{ items: PreparedObservable[]; failure: ObservableFailure[] }> {
    this.checkParent(actor, parent);
    if (input.isZip === true) throw new BadRequestError('Zipped observables (isZip) are not supported; upload the file itself');
    const type = await this.types.findByName(input.dataType);
    if (!type) throw new BadRequestError(`Observable type "${input.dataType}" not found`);
    const items: PreparedObservable[] = [];
    const failure: ObservableFailure[] = [];
    if (type.isAttachment === true) {
      const sources = await this.fileSources(actor, input, files);
      if (sources.length === 0) throw new AttributeCheckingError(`An observable of type ${input.dataType} needs a file (multipart part "attachment")`);
      for (const s of sources) {
        if (s.failure) failure.push(s.failure);
        else if (s.file) items.push(this.build(actor, parent, input, { file: s.file }));
      }
    } else {
      const datas = input.data === undefined ? [] : Array.isArray(input.data) ? input.data : [input.data];
      if (datas.length === 0) throw new AttributeCheckingError(`An observable of type ${input.dataType} needs data`);
      for (const data of datas) {
        if (typeof data !== 'string' || data.length === 0) {
          failure.push({ type: 'AttributeCheckingError', message: 'data must be a non-empty string', object: { data: String(data) } });
          continue;
        }
        items.push(this.build(actor, parent, input, { data }));
      }
    }
    return { items, failure };
  }

  /** The files a file observable is made of: multipart parts, existing attachments or `name;type;base64` data. */
  private async fileSources(actor: Actor, input: ObservableInput, files: StoredFile[]): Promise<FileSource[]> {
    const refs = input.attachment === undefined ? [] : Array.isArray(input.attachment) ? (input.attachment as unknown[]) : [input.attachment];
    const out: FileSource[] = [];
    if (input.attachment === undefined) out.push(...files.map((file) => ({ file })));
    for (const ref of refs) {
      if (typeof ref === 'string') {
        const parts = files.filter((f) => f.field === ref);
        if (parts.length === 0) {
          out.push({
            failure: { type: 'AttributeCheckingError', message: `No file part named "${ref}"`, object: { data: `file:${ref}`, attachment: { name: ref } } },
          });
        } else out.push(...parts.map((file) => ({ file })));
      } else if (ref && typeof ref === 'object' && typeof (ref as { id?: unknown }).id === 'string') {
        out.push(await this.existingFile(actor, ref as { id: string; name?: unknown; contentType?: unknown }));
      } else {
        out.push({
          failure: { type: 'AttributeCheckingError', message: 'Invalid attachment reference', object: { data: 'file:', attachment: { name: 'no name' } } },
        });
      }
    }
    const datas = input.data === undefined ? [] : Array.isArray(input.data) ? input.data : [input.data];
    for (const d of datas) if (typeof d === 'string') out.push(await this.inlineFile(d));
    return out;
  }

  /** An attachment the actor can already see, referenced by its content hash. */
  private async existingFile(actor: Actor, ref: { id: string; name?: unknown; contentType?: unknown }): Promise<FileSource> {
    const r = await this.store.query({
      entity: 'attachment',
      where: q.and(q.eq('id', ref.id), visibleTo(actor)),
      sort: [],
      output: { kind: 'rows', from: 0, to: 1 },
    });
    const att = r.kind === 'rows' ? r.rows[0] : undefined;
    const name = typeof ref.name === 'string' ? ref.name : String(att?.name ?? 'no name');
    if (!att) return { failure: { type: 'NotFoundError', message: `Attachment ${ref.id} not found`, object: { data: `file:${name}`, attachment: { name } } } };
    return {
      file: {
        field: 'attachment',
        filename: safeFileName(name),
        contentType: typeof ref.contentType === 'string' && ref.contentType ? ref.contentType : String(att.contentType ?? 'application/octet-stream'),
        sha256: String(att.id),
        size: Number(att.size ?? 0),
      },
    };
  }

  /** TheHive's inline file format in JSON: `filename;contentType;base64` (or `filename;contentType`). */
  private async inlineFile(data: string): Promise<FileSource> {
    const parts = data.split(';');
    const name = parts.length > 1 ? (parts[0] ?? 'no name') : 'no name';
    const object = { data: `file:${name}`, attachment: { name } };
    if (parts.length !== 2 && parts.length !== 3) {
      return { failure: { type: 'AttributeCheckingError', message: 'File data must be "filename;contentType;base64value"', object } };
    }
    const b64 = (parts[2] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return { failure: { type: 'AttributeCheckingError', message: 'File data is not valid base64', object } };
    const info = await this.attachments.putBlob(Buffer.from(b64, 'base64'));
    return {
      file: { field: 'attachment', filename: safeFileName(name), contentType: parts[1] || 'application/octet-stream', sha256: info.sha256, size: info.size },
    };
  }

  private build(actor: Actor, parent: ObservableParent, input: ObservableInput, what: { data?: string; file?: StoredFile }): PreparedObservable {
    const now = Date.now();
    const doc: NewDoc = {
      _id: this.store.newId(),
      _type: 'observable',
      _createdAt: now,
      _createdBy: actor.login,
      ...(parent.relation === 'case' ? childAccess(parent.doc, 'observable') : inheritAccess(parent.doc)),
      _parents: { [parent.relation]: parent.doc._id },
      dataType: input.dataType,
      ...(what.data !== undefined ? { data: what.data } : {}),
      ...(input.message !== undefined ? { message: input.message } : {}),
      startDate: input.startDate ?? now,
      tlp: input.tlp ?? 2,
      pap: input.pap ?? 2,
      tags: dedupe(input.tags ?? []),
      ioc: input.ioc ?? false,
      sighted: input.sighted ?? false,
      ...(input.sightedAt !== undefined ? { sightedAt: input.sightedAt } : {}),
      ignoreSimilarity: input.ignoreSimilarity ?? false,
      reports: {},
    };
    let attachment: NewDoc | undefined;
    let object: Record<string, unknown> = { data: what.data };
    if (what.file) {
      attachment = {
        ...this.attachments.buildDoc(actor, { relation: 'observable', doc: { _id: doc._id, _orgs: doc._orgs, _parents: {} } }, what.file),
        ...inheritAccess(doc),
        _createdAt: now,
      };
      doc.attachment = this.attachments.render({ ...attachment, _version: 1 });
      doc.attachmentHash = what.file.sha256;
      object = { data: `file:${String(attachment.name)}`, attachment: { name: attachment.name } };
    }
    const ops: BatchOp[] = [
      { op: 'claim', scope: observableScope(parent.relation, parent.doc._id), key: observableKey(doc), owner: doc._id },
      { op: 'insert', doc },
      ...(attachment ? [{ op: 'insert' as const, doc: attachment }] : []),
      this.audit.op(actor, 'create', doc, { dataType: doc.dataType, ...(doc.data !== undefined ? { data: doc.data } : { attachment: attachment?.name }) }, now),
    ];
    return { doc, ...(attachment ? { attachment } : {}), ops, object };
  }

  /**
   * The keys (dataType and data or file hash) of `candidates` that observables of alert
   * `alertId` already have, apart from `except`. The observables an alert is created with hold
   * no claim rows (see AlertService.create), so additions and type changes check them here;
   * observables added later hold claims, which settle races between additions.
   */
  private async keysTakenInAlert(alertId: string, candidates: ReadonlyArray<Record<string, unknown>>, except?: string): Promise<Set<string>> {
    const wanted = new Set(candidates.map(observableKey));
    const datas = [...new Set(candidates.flatMap((c) => (typeof c.data === 'string' ? [c.data] : [])))];
    const hashes = [...new Set(candidates.flatMap((c) => (c.data === undefined && typeof c.attachmentHash === 'string' ? [c.attachmentHash] : [])))];
    const taken = new Set<string>();
    for (const [field, values] of [['data', datas] as const, ['attachmentHash', hashes] as const]) {
      for (let i = 0; i < values.length; i += 500) {
        const r = await this.store.query({
          entity: 'observable',
          where: q.and(q.parentId('alert', alertId), q.in(field, values.slice(i, i + 500))),
          sort: [],
          output: { kind: 'rows', from: 0, to: 100_000 },
        });
        for (const d of r.kind === 'rows' ? r.rows : []) if (d._id !== except && wanted.has(observableKey(d))) taken.add(observableKey(d));
      }
    }
    return taken;
  }

  private failureOf(e: unknown, object: Record<string, unknown>): ObservableFailure {
    if (e instanceof ConflictError) return { type: 'CreateError', message: DUPLICATE, object };
    if (e instanceof WaggleError) return { type: e.type, message: e.message, object };
    throw e;
  }

  /**
   * Creates the observables `input` describes under `parent` (a case or an alert the caller
   * resolved). Each is written atomically on its own; duplicates and per-item problems are
   * reported in `failure` (`CreateError` "Observable already exists"). Throws like `prepare`.
   */
  async createMany(
    actor: Actor,
    parent: ObservableParent,
    input: ObservableInput,
    files: StoredFile[] = [],
    opts: CreateOptions = {},
  ): Promise<CreateObservablesResult> {
    const prepared = await this.prepare(actor, parent, input, files);
    const { failure } = prepared;
    let items = prepared.items;
    if (parent.relation === 'alert') {
      const taken = await this.keysTakenInAlert(
        parent.doc._id,
        items.map((i) => i.doc),
      );
      for (const i of items) if (taken.has(observableKey(i.doc))) failure.push(this.failureOf(new ConflictError(DUPLICATE), i.object));
      items = items.filter((i) => !taken.has(observableKey(i.doc)));
    }
    const success: Doc[] = [];
    if (items.length > 1 && !opts.extraOps) {
      // Fast path: one atomic batch for the whole list; on any conflict nothing was written
      // and each observable is retried on its own below to report the duplicates.
      try {
        const results = await this.audit.commit(items.flatMap((i) => i.ops));
        let at = 0;
        for (const item of items) {
          success.push(results[at + 1] as Doc);
          at += item.ops.length;
        }
        return { success, failure };
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
      }
    }
    for (const item of items) {
      try {
        const results = await this.audit.commit([...item.ops, ...(opts.extraOps?.(item.doc) ?? [])]);
        success.push(results[1] as Doc);
      } catch (e) {
        failure.push(this.failureOf(e, item.object));
      }
    }
    return { success, failure };
  }

  /**
   * Creates observables in a case (id or number). `readInput` is called once the case and the
   * permission are checked, so refused uploads are never stored. Throws like `prepare`.
   */
  async createInCase(
    actor: Actor,
    caseIdOrNumber: string,
    readInput: () => Promise<{ input: ObservableInput; files: StoredFile[] }>,
  ): Promise<CreateObservablesResult> {
    const doc = await this.cases.resolve(actor, caseIdOrNumber);
    const parent: ObservableParent = { relation: 'case', doc };
    this.checkParent(actor, parent);
    const { input, files } = await readInput();
    return this.createMany(actor, parent, input, files);
  }

  /** An observable visible to the actor (and whose case or alert is visible). Throws NotFoundError. */
  async get(actor: Actor, id: string): Promise<Doc> {
    const doc = assertVisible(actor, await this.store.get('observable', id), 'Observable', id);
    const rel = relationOf(doc);
    if (rel) {
      const parent = await this.store.get(rel.relation, rel.id);
      if (!parent || !canSee(actor, parent)) throw new NotFoundError(`Observable ${id} not found`);
    }
    return doc;
  }

  /** Observables under a parent (by relation), up to `limit`. No visibility check: callers resolved the parent. */
  async listUnder(relation: ObservableRelation, parentId: string, limit = 100_000): Promise<Doc[]> {
    const r = await this.store.query({
      entity: 'observable',
      where: q.parentId(relation, parentId),
      sort: [{ field: '_createdAt', dir: 'asc' }],
      output: { kind: 'rows', from: 0, to: limit },
    });
    return r.kind === 'rows' ? r.rows : [];
  }

  private async updateOps(actor: Actor, doc: Doc, input: ObservableUpdate): Promise<BatchOp[]> {
    const rel = relationOf(doc);
    requirePermission(actor, observablePermission(rel?.relation ?? 'case'), doc);
    const patch: Record<string, unknown> = {};
    for (const f of ['tlp', 'pap', 'ioc', 'sighted', 'ignoreSimilarity'] as const) if (input[f] !== undefined) patch[f] = input[f];
    for (const f of ['message', 'sightedAt'] as const) if (input[f] !== undefined) patch[f] = input[f];
    let tags = (doc.tags as string[]) ?? [];
    if (input.tags !== undefined) tags = dedupe(input.tags);
    if (input.addTags) tags = dedupe([...tags, ...input.addTags]);
    if (input.removeTags) tags = tags.filter((t) => !input.removeTags!.includes(t));
    if (input.tags !== undefined || input.addTags || input.removeTags) patch.tags = tags;
    const ops: BatchOp[] = [];
    if (input.dataType !== undefined && input.dataType !== doc.dataType) {
      const type = await this.types.findByName(input.dataType);
      if (!type) throw new BadRequestError(`Observable type "${input.dataType}" not found`);
      const isFile = doc.attachment !== undefined && doc.data === undefined;
      if ((type.isAttachment === true) !== isFile) {
        throw new BadRequestError(`Cannot change dataType from ${String(doc.dataType)} to ${input.dataType}: isAttachment does not match`);
      }
      patch.dataType = input.dataType;
      if (rel?.relation === 'alert') {
        const renamed = { ...doc, dataType: input.dataType };
        const taken = await this.keysTakenInAlert(rel.id, [renamed], doc._id);
        if (taken.has(observableKey(renamed))) throw new BadRequestError(DUPLICATE);
      }
      if (rel) {
        const scope = observableScope(rel.relation, rel.id);
        ops.push(
          { op: 'release', scope, key: observableKey(doc) },
          { op: 'claim', scope, key: observableKey({ ...doc, dataType: input.dataType }), owner: doc._id },
        );
      }
    }
    if (Object.keys(patch).length === 0) return [];
    ops.push({ op: 'update', type: 'observable', id: doc._id, patch, by: actor.login }, this.audit.op(actor, 'update', doc, patch));
    return ops;
  }

  private async commitUpdate(ops: BatchOp[]): Promise<void> {
    if (ops.length === 0) return;
    try {
      await this.audit.commit(ops);
    } catch (e) {
      if (e instanceof ConflictError) throw new BadRequestError(DUPLICATE);
      throw e;
    }
  }

  /** Updates one observable. Throws NotFoundError, AuthorizationError, BadRequestError (type, duplicate). */
  async update(actor: Actor, id: string, input: ObservableUpdate): Promise<void> {
    const doc = await this.get(actor, id);
    await this.commitUpdate(await this.updateOps(actor, doc, input));
  }

  /** Updates several observables, all or none. */
  async bulkUpdate(actor: Actor, ids: string[], input: ObservableUpdate): Promise<void> {
    const ops: BatchOp[] = [];
    for (const id of new Set(ids)) ops.push(...(await this.updateOps(actor, await this.get(actor, id), input)));
    await this.commitUpdate(ops);
  }

  /** Delete ops for an observable: the document, its uniqueness claim and its attachment documents. */
  async deleteOps(doc: Doc): Promise<BatchOp[]> {
    const ops: BatchOp[] = [{ op: 'delete', type: 'observable', id: doc._id }];
    const rel = relationOf(doc);
    if (rel) ops.push({ op: 'release', scope: observableScope(rel.relation, rel.id), key: observableKey(doc) });
    const atts = await this.store.query({
      entity: 'attachment',
      where: q.parentId('observable', doc._id),
      sort: [],
      output: { kind: 'rows', from: 0, to: 10_000 },
    });
    for (const a of atts.kind === 'rows' ? atts.rows : []) ops.push({ op: 'delete', type: 'attachment', id: a._id });
    // its analyzer jobs (Cortex connector) go with it
    const jobs = await this.store.query({
      entity: 'analyzerJob',
      where: q.parentId('observable', doc._id),
      sort: [],
      output: { kind: 'rows', from: 0, to: 10_000 },
    });
    for (const j of jobs.kind === 'rows' ? jobs.rows : []) ops.push({ op: 'delete', type: 'analyzerJob', id: j._id });
    return ops;
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const doc = await this.get(actor, id);
    requirePermission(actor, observablePermission(relationOf(doc)?.relation ?? 'case'), doc);
    await this.audit.commit([...(await this.deleteOps(doc)), this.audit.op(actor, 'delete', doc, { dataType: doc.dataType, ...pick(doc, ['data']) })]);
  }

  /**
   * The file of a file observable. `attachmentId` is the attachment's `_id` (or its content
   * hash `id`). Throws NotFoundError when the observable is invisible or has no such file.
   */
  async openAttachment(
    actor: Actor,
    observableId: string,
    attachmentId: string,
  ): Promise<{ name: string; contentType: string; size: number; stream: Readable }> {
    const doc = await this.get(actor, observableId);
    const att = doc.attachment as { _id?: string; id?: string; name?: string; contentType?: string; size?: number } | undefined;
    if (!att || !att.id || (att._id !== attachmentId && att.id !== attachmentId)) throw new NotFoundError(`Attachment ${attachmentId} not found`);
    return {
      name: String(att.name ?? 'file'),
      contentType: String(att.contentType ?? 'application/octet-stream'),
      size: Number(att.size ?? 0),
      stream: await this.attachments.openBlob(att.id),
    };
  }

  render(doc: Doc): Record<string, unknown> {
    return withLabels({
      ...systemFields(doc),
      dataType: doc.dataType,
      ...pick(doc, ['data']),
      startDate: doc.startDate ?? doc._createdAt,
      ...pick(doc, ['attachment']),
      tlp: doc.tlp ?? 2,
      pap: doc.pap ?? 2,
      tags: doc.tags ?? [],
      ioc: doc.ioc === true,
      sighted: doc.sighted === true,
      ...pick(doc, ['sightedAt', 'message']),
      reports: doc.reports ?? {},
      extraData: {},
      ignoreSimilarity: doc.ignoreSimilarity === true,
    });
  }
}
