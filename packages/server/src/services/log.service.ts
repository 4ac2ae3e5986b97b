/**
 * Task logs: messages under a task, with optional file attachments (attachment documents
 * whose parents are the log, its task and its case). Adding a log to a waiting task starts it,
 * as TheHive does. Writes require manageTask.
 */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { TaskService } from './task.service.js';
import type { AttachmentService, StoredFile } from './attachment.service.js';
import { allRows } from './task.service.js';
import { NotFoundError } from '../errors/errors.js';
import { assertVisible, inheritAccess, requirePermission } from './policy.js';
import { q } from '../query/ir.js';
import { pick, systemFields } from './render.js';

export interface LogInput {
  message: string;
  /** The log date (ms); defaults to now. */
  startDate?: number;
  /** When set (ms), the log shows in the case timeline at that date. */
  includeInTimeline?: number;
}

export interface LogUpdate {
  message?: string;
  includeInTimeline?: number | null;
}

export class LogService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly tasks: TaskService,
    private readonly attachments: AttachmentService,
  ) {}

  /** A log visible to the actor; NotFoundError otherwise. */
  async resolve(actor: Actor, id: string): Promise<Doc> {
    const doc = id.startsWith('~') ? await this.store.get('log', id) : undefined;
    return assertVisible(actor, doc, 'Log', id);
  }

  async get(actor: Actor, id: string): Promise<Doc> {
    return this.resolve(actor, id);
  }

  /** Tenant check, then manageTask (also used to authorize before an upload is read). */
  async writable(actor: Actor, id: string): Promise<Doc> {
    const doc = await this.resolve(actor, id);
    requirePermission(actor, 'manageTask', doc);
    return doc;
  }

  /**
   * Creates a log in a visible task, with one attachment per stored file, in one batch.
   * @returns the log and its attachment documents (in the order of `files`).
   */
  async create(actor: Actor, taskId: string, input: LogInput, files: readonly StoredFile[] = []): Promise<{ log: Doc; attachments: Doc[] }> {
    const task = await this.tasks.writable(actor, taskId);
    const now = Date.now();
    const log: NewDoc = {
      _id: this.store.newId(),
      _type: 'log',
      _createdAt: now,
      _createdBy: actor.login,
      ...inheritAccess(task),
      _parents: { task: task._id, case: String(task._parents.case) },
      message: input.message,
      date: input.startDate ?? now,
      owner: actor.login,
      ...(input.includeInTimeline !== undefined ? { includeInTimeline: input.includeInTimeline } : {}),
    };
    const atts = files.map((f) => this.attachments.buildDoc(actor, { relation: 'log', doc: log }, f));
    const ops: BatchOp[] = [{ op: 'insert', doc: log }, ...atts.map((d): BatchOp => ({ op: 'insert', doc: d }))];
    ops.push(this.audit.op(actor, 'create', log, { message: input.message, ...(atts.length ? { attachments: atts.map((a) => a.name) } : {}) }));
    if (task.status === 'Waiting') {
      const patch = this.tasks.statusPatch(actor, task, 'InProgress', now);
      ops.push({ op: 'update', type: 'task', id: task._id, patch, by: actor.login }, this.audit.op(actor, 'update', task, patch));
    }
    const results = await this.audit.commit(ops);
    return { log: results[0] as Doc, attachments: results.slice(1, 1 + atts.length) as Doc[] };
  }

  async update(actor: Actor, id: string, input: LogUpdate): Promise<void> {
    const doc = await this.writable(actor, id);
    const patch: Record<string, unknown> = {};
    if (input.message !== undefined) patch.message = input.message;
    if (input.includeInTimeline !== undefined) patch.includeInTimeline = input.includeInTimeline;
    if (Object.keys(patch).length === 0) return;
    await this.audit.commit([{ op: 'update', type: 'log', id: doc._id, patch, by: actor.login }, this.audit.op(actor, 'update', doc, patch)]);
  }

  /** Deletes a log and its attachments. */
  async delete(actor: Actor, id: string): Promise<void> {
    const doc = await this.writable(actor, id);
    const ops: BatchOp[] = (await this.attachmentsOf(doc._id)).map((a): BatchOp => ({ op: 'delete', type: 'attachment', id: a._id }));
    ops.push({ op: 'delete', type: 'log', id: doc._id }, this.audit.op(actor, 'delete', doc, { message: doc.message }));
    await this.audit.commit(ops);
  }

  /** Adds attachments to a log; returns the new attachment documents. */
  async addAttachments(actor: Actor, id: string, files: readonly StoredFile[]): Promise<Doc[]> {
    const doc = await this.writable(actor, id);
    if (files.length === 0) return [];
    const atts = files.map((f) => this.attachments.buildDoc(actor, { relation: 'log', doc }, f));
    const ops: BatchOp[] = atts.map((d): BatchOp => ({ op: 'insert', doc: d }));
    ops.push(this.audit.op(actor, 'update', doc, { attachments: atts.map((a) => a.name) }));
    const results = await this.audit.commit(ops);
    return results.slice(0, atts.length) as Doc[];
  }

  /** Removes one attachment of a log; NotFoundError when it is not one of the log's. */
  async deleteAttachment(actor: Actor, id: string, attachmentId: string): Promise<void> {
    const doc = await this.writable(actor, id);
    const att = await this.store.get('attachment', attachmentId);
    if (!att || att._parents.log !== doc._id) throw new NotFoundError(`Attachment ${attachmentId} not found`);
    await this.audit.commit([{ op: 'delete', type: 'attachment', id: att._id }, this.audit.op(actor, 'update', doc, { removedAttachment: att.name })]);
  }

  /** The attachment documents of a log, oldest first. */
  async attachmentsOf(logId: string): Promise<Doc[]> {
    const rows = await allRows(this.store, 'attachment', q.parentId('log', logId));
    return rows.sort((a, b) => a._createdAt - b._createdAt || idNumber(a._id) - idNumber(b._id));
  }

  /** TheHive's log output; pass `attachments` when already known to save a query. */
  async render(doc: Doc, attachments?: readonly Doc[]): Promise<Record<string, unknown>> {
    const atts = attachments ?? (await this.attachmentsOf(doc._id));
    return {
      ...systemFields(doc),
      message: doc.message,
      date: doc.date ?? doc._createdAt,
      attachments: atts.map((a) => this.attachments.render(a)),
      owner: doc.owner ?? doc._createdBy,
      ...pick(doc, ['includeInTimeline']),
      extraData: {},
    };
  }
}

/** The numeric part of an id like `~123`, for a stable creation order. */
function idNumber(id: string): number {
  const n = Number(id.replace(/^~/, ''));
  return Number.isFinite(n) ? n : 0;
}
