/**
 * Comments on a case or an alert. Anyone with manageComment who sees the parent may comment;
 * only the author may edit; the author or a user who may delete the parent may delete.
 */
import type { Actor } from './actor.js';
import type { Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { CaseService } from './case.service.js';
import { AuthorizationError } from '../errors/errors.js';
import { assertVisible, childAccess, permissionsOn, requirePermission } from './policy.js';
import { systemFields } from './render.js';

/** The entity a comment is attached to. The caller resolves it; visibility is checked again here. */
export interface CommentParent {
  relation: 'case' | 'alert';
  doc: Doc;
}

/** Comment output fields without underscore, as TheHive's client types them (also usable in filters and sorts). */
export const COMMENT_FIELD_ALIASES: Record<string, string> = {
  createdBy: '_createdBy',
  createdAt: '_createdAt',
  updatedBy: '_updatedBy',
  updatedAt: '_updatedAt',
};

export class CommentService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly cases: CaseService,
  ) {}

  /** A comment visible to the actor; NotFoundError otherwise. */
  async resolve(actor: Actor, id: string): Promise<Doc> {
    const doc = id.startsWith('~') ? await this.store.get('comment', id) : undefined;
    return assertVisible(actor, doc, 'Comment', id);
  }

  async get(actor: Actor, id: string): Promise<Doc> {
    return this.resolve(actor, id);
  }

  /**
   * Adds a comment to a case or an alert. Throws NotFoundError when the parent is not visible
   * and AuthorizationError without manageComment.
   */
  async create(actor: Actor, parent: CommentParent, message: string): Promise<Doc> {
    const what = parent.relation === 'case' ? 'Case' : 'Alert';
    const p = assertVisible(actor, parent.doc, what, parent.doc._id);
    requirePermission(actor, 'manageComment', p);
    const doc: NewDoc = {
      _id: this.store.newId(),
      _type: 'comment',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      ...(parent.relation === 'case' ? childAccess(p, 'other') : { _orgs: p._orgs }),
      _parents: { [parent.relation]: p._id },
      message,
      isEdited: false,
    };
    const [created] = await this.audit.commit([{ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { message })]);
    return created as Doc;
  }

  /** Adds a comment to the case `caseIdOrNumber`. */
  async createInCase(actor: Actor, caseIdOrNumber: string, message: string): Promise<Doc> {
    return this.create(actor, { relation: 'case', doc: await this.cases.resolve(actor, caseIdOrNumber) }, message);
  }

  /** Changes the message; only the author may. */
  async update(actor: Actor, id: string, message: string): Promise<void> {
    const doc = await this.resolve(actor, id);
    requirePermission(actor, 'manageComment', doc);
    if (doc._createdBy !== actor.login) throw new AuthorizationError('Only the author of a comment may edit it');
    const patch = { message, isEdited: true };
    await this.audit.commit([{ op: 'update', type: 'comment', id: doc._id, patch, by: actor.login }, this.audit.op(actor, 'update', doc, { message })]);
  }

  /** Deletes a comment: its author (with manageComment) or a user who may delete the parent. */
  async delete(actor: Actor, id: string): Promise<void> {
    const doc = await this.resolve(actor, id);
    const perms = permissionsOn(actor, doc);
    const isAuthor = doc._createdBy === actor.login && perms.has('manageComment');
    const canDeleteParent = actor.via === 'system' || perms.has(doc._parents.alert ? 'manageAlert/delete' : 'manageCase/delete');
    if (!isAuthor && !canDeleteParent) throw new AuthorizationError('Only the author of a comment or a user who may delete its parent may delete it');
    await this.audit.commit([{ op: 'delete', type: 'comment', id: doc._id }, this.audit.op(actor, 'delete', doc, { message: doc.message })]);
  }

  render(doc: Doc): Record<string, unknown> {
    const out: Record<string, unknown> = {
      ...systemFields(doc),
      createdBy: doc._createdBy,
      createdAt: doc._createdAt,
    };
    if (doc._updatedBy !== undefined) out.updatedBy = doc._updatedBy;
    if (doc._updatedAt !== undefined) out.updatedAt = doc._updatedAt;
    out.message = doc.message;
    out.isEdited = doc.isEdited === true;
    out.extraData = {};
    return out;
  }
}
