/**
 * Case tasks: create, read, update (with TheHive's status rules), bulk update, delete, and the
 * per-organisation "action required" flags. Task shares belong to the share service.
 */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { CaseService } from './case.service.js';
import type { OrganisationService } from './organisation.service.js';
import { UserService } from './user.service.js';
import { AttributeCheckingError, AuthorizationError, BadRequestError, NotFoundError } from '../errors/errors.js';
import { assertVisible, requirePermission } from './policy.js';
import { q } from '../query/ir.js';
import { pick, systemFields } from './render.js';
import { ALL_ORGS } from '../entities/registry.js';
import { buildTaskDoc, TASK_STATUSES, type TaskInput } from './task-doc.js';

export interface TaskUpdate {
  title?: string;
  group?: string;
  description?: string | null;
  status?: string;
  flag?: boolean;
  startDate?: number | null;
  endDate?: number | null;
  order?: number;
  dueDate?: number | null;
  assignee?: string | null;
  mandatory?: boolean;
}

const PLAIN_FIELDS = ['title', 'group', 'flag', 'order', 'mandatory'] as const;
const NULLABLE_FIELDS = ['description', 'startDate', 'endDate', 'dueDate'] as const;

/** Every row of a query (used for cascades, bounded by the caller's parent). */
export async function allRows(store: EntityStore, entity: string, where: import('../query/ir.js').Expr): Promise<Doc[]> {
  const r = await store.query({ entity, where, sort: [{ field: '_createdAt', dir: 'asc' }], output: { kind: 'rows', from: 0, to: 1_000_000 } });
  return r.kind === 'rows' ? r.rows : [];
}

export class TaskService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly cases: CaseService,
    private readonly orgs: OrganisationService,
    private readonly users: UserService,
  ) {}

  /** A case task visible to the actor; NotFoundError otherwise (also for template tasks). */
  async resolve(actor: Actor, id: string): Promise<Doc> {
    const doc = id.startsWith('~') ? await this.store.get('task', id) : undefined;
    const visible = assertVisible(actor, doc, 'Task', id);
    if (!visible._parents.case) throw new NotFoundError(`Task ${id} not found`);
    return visible;
  }

  /** Throws BadRequest unless `login` is a member of the actor's current organisation. */
  async checkAssignee(actor: Actor, login: string | null | undefined): Promise<void> {
    if (login === undefined || login === null) return;
    const user = await this.users.findByLogin(login);
    if (!user || !UserService.memberships(user).some((m) => m.orgId === actor.orgId)) {
      throw new BadRequestError(`User ${login} is not a member of ${actor.orgName}`);
    }
  }

  /** Builds a new task in a visible case (not written). Requires manageTask. */
  async build(actor: Actor, caseDoc: Doc, input: TaskInput): Promise<NewDoc> {
    requirePermission(actor, 'manageTask', caseDoc);
    await this.checkAssignee(actor, input.assignee);
    const doc = buildTaskDoc(this.store, actor, caseDoc, input);
    if (doc.status === 'Completed' && doc.endDate === undefined) doc.endDate = doc._createdAt;
    return doc;
  }

  /** Creates a task in the case `caseIdOrNumber`. */
  async create(actor: Actor, caseIdOrNumber: string, input: TaskInput): Promise<Doc> {
    const caseDoc = await this.cases.resolve(actor, caseIdOrNumber);
    const doc = await this.build(actor, caseDoc, input);
    const [created] = await this.audit.commit([{ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { title: doc.title, status: doc.status })]);
    return created as Doc;
  }

  async get(actor: Actor, id: string): Promise<Doc> {
    return this.resolve(actor, id);
  }

  /** Tenant check, then manageTask. */
  async writable(actor: Actor, id: string): Promise<Doc> {
    const doc = await this.resolve(actor, id);
    requirePermission(actor, 'manageTask', doc);
    return doc;
  }

  /**
   * The fields to set when a task moves to `status` (TheHive's rules): InProgress sets the
   * start date when missing and assigns the actor when nobody is; Completed sets the end date.
   * `current` is the task as it will be once the rest of the patch applies.
   */
  statusPatch(actor: Actor, current: Record<string, unknown>, status: string, now = Date.now()): Record<string, unknown> {
    if (!(TASK_STATUSES as readonly string[]).includes(status)) throw new AttributeCheckingError(`Invalid task status "${status}"`);
    const patch: Record<string, unknown> = { status };
    if (status === 'InProgress') {
      if (current.startDate === undefined || current.startDate === null) patch.startDate = now;
      if ((current.assignee === undefined || current.assignee === null) && actor.via !== 'system') patch.assignee = actor.login;
    } else if (status === 'Completed') {
      if (current.endDate === undefined || current.endDate === null) patch.endDate = now;
    }
    return patch;
  }

  /** The patch for an update of `doc`; empty when nothing changes. */
  async patchFor(actor: Actor, doc: Doc, input: TaskUpdate): Promise<Record<string, unknown>> {
    const patch: Record<string, unknown> = {};
    for (const f of PLAIN_FIELDS) if (input[f] !== undefined) patch[f] = input[f];
    for (const f of NULLABLE_FIELDS) if (input[f] !== undefined) patch[f] = input[f];
    if (input.assignee !== undefined) {
      await this.checkAssignee(actor, input.assignee);
      patch.assignee = input.assignee === null ? null : input.assignee.toLowerCase();
    }
    if (input.status !== undefined && input.status !== doc.status) {
      Object.assign(patch, this.statusPatch(actor, { ...doc, ...patch }, input.status));
    } else if (input.status !== undefined && !(TASK_STATUSES as readonly string[]).includes(input.status)) {
      throw new AttributeCheckingError(`Invalid task status "${input.status}"`);
    }
    return patch;
  }

  async update(actor: Actor, id: string, input: TaskUpdate): Promise<Doc> {
    const doc = await this.writable(actor, id);
    const patch = await this.patchFor(actor, doc, input);
    if (Object.keys(patch).length === 0) return doc;
    const [updated] = await this.audit.commit([
      { op: 'update', type: 'task', id: doc._id, patch, by: actor.login },
      this.audit.op(actor, 'update', doc, patch),
    ]);
    return updated as Doc;
  }

  /** Applies the same update to several tasks, all or none. */
  async bulkUpdate(actor: Actor, ids: readonly string[], input: TaskUpdate): Promise<void> {
    const ops: BatchOp[] = [];
    for (const id of new Set(ids)) {
      const doc = await this.writable(actor, id);
      const patch = await this.patchFor(actor, doc, input);
      if (Object.keys(patch).length === 0) continue;
      ops.push({ op: 'update', type: 'task', id: doc._id, patch, by: actor.login }, this.audit.op(actor, 'update', doc, patch));
    }
    if (ops.length) await this.audit.commit(ops);
  }

  /**
   * Deletes a task with its logs and their attachments. Only the organisation that owns the
   * case may delete; an organisation the task is shared with gets AuthorizationError.
   */
  async delete(actor: Actor, id: string): Promise<void> {
    const doc = await this.writable(actor, id);
    const caseDoc = await this.store.get('case', String(doc._parents.case));
    if (caseDoc && caseDoc.owningOrganisation !== undefined && caseDoc.owningOrganisation !== actor.orgId && actor.via !== 'system') {
      throw new AuthorizationError('Only the organisation that owns the case may delete its tasks');
    }
    const ops: BatchOp[] = [];
    for (const log of await allRows(this.store, 'log', q.parentId('task', doc._id))) ops.push({ op: 'delete', type: 'log', id: log._id });
    for (const att of await allRows(this.store, 'attachment', q.parentId('task', doc._id))) ops.push({ op: 'delete', type: 'attachment', id: att._id });
    ops.push({ op: 'delete', type: 'task', id: doc._id }, this.audit.op(actor, 'delete', doc, { title: doc.title }));
    await this.audit.commit(ops);
  }

  /** `{ organisationName: actionRequired }` for every organisation that sees the task. */
  async actionRequired(actor: Actor, id: string): Promise<Record<string, boolean>> {
    const doc = await this.resolve(actor, id);
    const flags = (doc.actionRequired as Record<string, boolean> | undefined) ?? {};
    const orgIds: string[] = [];
    // only the organisations the actor's one sees (itself and its links): a shared task does not
    // tell who else it is shared with
    for (const o of new Set([...doc._orgs, ...Object.keys(flags)])) if (o !== ALL_ORGS && (await this.seesOrg(actor, o))) orgIds.push(o);
    const out: Record<string, boolean> = {};
    for (const org of await this.store.getMany('organisation', orgIds)) out[String(org.name)] = flags[org._id] === true;
    return out;
  }

  /** Whether the actor's organisation sees `orgId`: itself or a linked organisation. */
  private async seesOrg(actor: Actor, orgId: string): Promise<boolean> {
    return actor.via === 'system' || orgId === actor.orgId || (await this.orgs.isLinked(actor.orgId, orgId));
  }

  /** Sets (or clears, when `required` is false) the action-required flag of one organisation. */
  async setActionRequired(actor: Actor, id: string, orgIdOrName: string, required: boolean): Promise<void> {
    const doc = await this.writable(actor, id);
    const org = await this.orgs.resolve(orgIdOrName);
    if (!org || !doc._orgs.includes(org._id) || !(await this.seesOrg(actor, org._id))) throw new NotFoundError(`Organisation ${orgIdOrName} not found`);
    const flags = { ...((doc.actionRequired as Record<string, boolean> | undefined) ?? {}), [org._id]: required };
    await this.audit.commit([
      { op: 'update', type: 'task', id: doc._id, patch: { actionRequired: flags }, by: actor.login },
      // recorded for the owner, the actor's and the flagged organisations only (who else sees the task is not theirs to know)
      this.audit.op(
        actor,
        'update',
        { ...doc, _orgs: doc._orgs.filter((o, i) => i === 0 || o === actor.orgId || o === org._id) },
        { actionRequired: required, organisation: org.name },
      ),
    ]);
  }

  render(doc: Doc): Record<string, unknown> {
    return {
      ...systemFields(doc),
      title: doc.title,
      group: doc.group ?? 'default',
      ...pick(doc, ['description']),
      status: doc.status,
      flag: doc.flag === true,
      ...pick(doc, ['startDate', 'endDate']),
      order: doc.order ?? 0,
      ...pick(doc, ['dueDate', 'assignee']),
      mandatory: doc.mandatory === true,
      extraData: {},
    };
  }
}
