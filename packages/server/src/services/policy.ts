/**
 * Authorization, in one place. Every rule checks the tenant first (is the document visible
 * to the actor's current organisation?) and then the permission. Services call these before
 * they read or write; the query service adds `visibleTo(actor)` to every IR it runs.
 *
 * Case-scoped data carries its access in system fields, copied from the case to its children
 * (tasks, logs, observables, attachments, comments, pages, procedures, custom events):
 * - `_orgs`: the owner organisation first, then the organisations it is shared with;
 * - `_sharePerms`: per shared (non-owner) organisation id, the permissions of the share profile.
 *   Users of that organisation act with their own permissions ∩ these (`permissionsOn`);
 * - `_restrictedTo`: with UserAccessKind, the principals (logins, `orgadmin:<ownerOrgId>`)
 *   who may see it; checked in SQL by the `visible` IR node, and here by `canSee`.
 * The case alone also carries `_shareRules` (task/observable sharing rules per organisation).
 * New children get these fields from `childAccess(caseDoc, kind)` or `inheritAccess(parent)`.
 */
import type { Actor } from './actor.js';
import type { Doc } from '../storage/entity-store.js';
import type { Expr } from '../query/ir.js';
import { q } from '../query/ir.js';
import { ALL_ORGS, RESTRICTED_TO } from '../entities/registry.js';
import { AuthorizationError, NotFoundError } from '../errors/errors.js';
import type { Permission } from '../auth/permissions.js';

/** Users holding this permission in a case's owner organisation see the case even when it is restricted. */
export const RESTRICTION_BYPASS: Permission = 'manageCase/changeOwnership';

/** The restriction principal that stands for the org-admins of `orgId`. */
export const orgAdminPrincipal = (orgId: string): string => `orgadmin:${orgId}`;

/** The principals the actor matches in `_restrictedTo` lists. */
export function principalsOf(actor: Actor): string[] {
  const out = [actor.login];
  if (actor.permissions.has(RESTRICTION_BYPASS)) out.push(orgAdminPrincipal(actor.orgId));
  return out;
}

/** The visibility filter for `actor`'s current organisation (restricted documents included only for their principals). */
export function visibleTo(actor: Actor): Expr {
  if (actor.via === 'system') return q.visible([actor.orgId]);
  return q.visible([actor.orgId], principalsOf(actor));
}

/** Whether `doc` is visible in the actor's current organisation (the tenant check). */
export function canSee(actor: Actor, doc: Doc): boolean {
  if (actor.via === 'system') return true;
  if (!doc._orgs.includes(actor.orgId) && !doc._orgs.includes(ALL_ORGS)) return false;
  const restricted = doc[RESTRICTED_TO];
  if (Array.isArray(restricted)) {
    const mine = principalsOf(actor);
    if (!restricted.some((p) => mine.includes(String(p)))) return false;
  }
  return true;
}

/** Throws NotFoundError (not 403: existence must not leak) unless `doc` is visible. */
export function assertVisible<T extends Doc>(actor: Actor, doc: T | undefined, what: string, id: string): T {
  if (!doc || !canSee(actor, doc)) throw new NotFoundError(`${what} ${id} not found`);
  return doc;
}

const NO_PERMISSIONS: ReadonlySet<string> = new Set();

/** Whether `doc` is case data that the actor's organisation does not own and holds no share profile for. */
function isForeignCaseData(actor: Actor, doc: Doc): boolean {
  if (doc._type === 'case') return typeof doc.owningOrganisation === 'string' && doc.owningOrganisation !== actor.orgId;
  if (!doc._parents?.case || doc._orgs.includes(ALL_ORGS)) return false;
  return doc._orgs[0] !== actor.orgId;
}

/**
 * The permissions the actor holds on `doc`: its profile's permissions, reduced to the share
 * profile's when `doc` belongs to a case shared with (not owned by) the actor's organisation.
 * Case data of another organisation without a share profile yields no permission (fail closed).
 */
export function permissionsOn(actor: Actor, doc: Doc): ReadonlySet<string> {
  if (actor.via === 'system') return actor.permissions;
  const shared = (doc._sharePerms as Record<string, readonly string[]> | undefined)?.[actor.orgId];
  if (Array.isArray(shared)) return new Set(shared.filter((p) => actor.permissions.has(p)));
  if (isForeignCaseData(actor, doc)) return NO_PERMISSIONS;
  return actor.permissions;
}

/**
 * Throws AuthorizationError unless the actor holds `permission` in its current organisation,
 * and, when `on` is given, on that document (shared cases reduce permissions, see `permissionsOn`).
 */
export function requirePermission(actor: Actor, permission: Permission, on?: Doc): void {
  if (actor.via === 'system') return;
  if (!actor.permissions.has(permission)) {
    throw new AuthorizationError(`Your profile "${actor.profile}" in organisation "${actor.orgName}" lacks the permission ${permission}`);
  }
  if (on && !permissionsOn(actor, on).has(permission)) {
    throw new AuthorizationError(`The share of this case with organisation "${actor.orgName}" does not grant the permission ${permission}`);
  }
}

/** Tenant check then permission on the document: the rule every write on an org-scoped document follows. */
export function assertCan<T extends Doc>(actor: Actor, doc: T | undefined, what: string, id: string, permission: Permission): T {
  const visible = assertVisible(actor, doc, what, id);
  requirePermission(actor, permission, visible);
  return visible;
}

/**
 * Platform administration: the actor's user must hold the permission through its profile in the
 * `admin` organisation (whatever organisation the request is made in: that is no new right).
 */
export function requireAdmin(actor: Actor, permission: Permission): void {
  if (actor.via === 'system') return;
  if (!actor.platformPermissions.has(permission)) {
    throw new AuthorizationError(`Only platform administrators with ${permission} may do this`);
  }
}

/** The access system fields a case passes on to its children. */
export interface AccessFields {
  _orgs: string[];
  _sharePerms?: Record<string, string[]>;
  _restrictedTo?: string[];
}

/** Sharing rules of one organisation on a case: which tasks/observables it receives. */
export interface ShareRules {
  taskRule: string;
  observableRule: string;
}

/** Whether a rule shares children created after the share (`all`, `upcomingOnly`). */
export function sharesUpcoming(rule: string | undefined): boolean {
  return rule === 'all' || rule === 'upcomingOnly';
}
/** Whether a rule shares the children that exist when the share is made (`all`, `existingOnly`). */
export function sharesExisting(rule: string | undefined): boolean {
  return rule === 'all' || rule === 'existingOnly';
}

/** The owner organisation of a case document. */
export function ownerOf(caseDoc: Pick<Doc, '_orgs'> & Record<string, unknown>): string {
  return typeof caseDoc.owningOrganisation === 'string' ? caseDoc.owningOrganisation : (caseDoc._orgs[0] ?? '');
}

/** Copies the access fields of `parent` (for logs under a task, attachments under a log...). */
export function inheritAccess(parent: Pick<Doc, '_orgs'> & Record<string, unknown>): AccessFields {
  const out: AccessFields = { _orgs: [...parent._orgs] };
  if (parent._sharePerms && typeof parent._sharePerms === 'object') out._sharePerms = parent._sharePerms as Record<string, string[]>;
  if (Array.isArray(parent[RESTRICTED_TO])) out._restrictedTo = [...(parent[RESTRICTED_TO] as string[])];
  return out;
}

/**
 * The access fields of a new child of `caseDoc`. Tasks and observables reach the organisations
 * whose sharing rule shares upcoming children (`all`, `upcomingOnly`); other children (comments,
 * pages, procedures, attachments, custom events) reach every organisation the case is shared with.
 * Spread the result into the new document: `{ ...childAccess(caseDoc, 'task'), _parents: {...} }`.
 */
export function childAccess(caseDoc: Pick<Doc, '_orgs'> & Record<string, unknown>, kind: 'task' | 'observable' | 'other'): AccessFields {
  const out = inheritAccess(caseDoc);
  const owner = ownerOf(caseDoc);
  let orgs = caseDoc._orgs;
  if (kind !== 'other') {
    const rules = (caseDoc._shareRules as Record<string, ShareRules> | undefined) ?? {};
    orgs = orgs.filter((o) => o === owner || o === ALL_ORGS || !rules[o] || sharesUpcoming(kind === 'task' ? rules[o].taskRule : rules[o].observableRule));
  }
  out._orgs = owner && orgs.includes(owner) ? [owner, ...orgs.filter((o) => o !== owner)] : [...orgs];
  return out;
}

// ---- Dashboards (issue 6) ----
// A dashboard belongs to one organisation. A private one is its owner's alone: it carries
// `_restrictedTo: [owner login]`, so the tenant check (`canSee`, and the `visible` node of
// every query) hides it from everyone else, org-admins included. A shared one is visible to
// the organisation and editable by holders of `manageDashboard`.

/** The access fields of a dashboard of the actor's organisation with this status. */
export function dashboardAccess(actor: Actor, status: 'Private' | 'Shared', owner = actor.login): AccessFields {
  return status === 'Private' ? { _orgs: [actor.orgId], _restrictedTo: [owner] } : { _orgs: [actor.orgId] };
}

/** Creating a dashboard: anyone may keep a private one; sharing with the organisation needs `manageDashboard`. */
export function requireDashboardCreate(actor: Actor, status: 'Private' | 'Shared'): void {
  if (status === 'Shared') requirePermission(actor, 'manageDashboard');
}

/**
 * Tenant check, then the right to change `doc` (and to give it `newStatus`): a private dashboard
 * only by its owner; a shared one with `manageDashboard`; making a shared one private only by its
 * owner (it would vanish for everyone else). Throws NotFoundError or AuthorizationError.
 */
export function assertCanEditDashboard<T extends Doc>(actor: Actor, doc: T | undefined, id: string, newStatus?: 'Private' | 'Shared'): T {
  const d = assertVisible(actor, doc, 'Dashboard', id);
  if (actor.via === 'system') return d;
  const isOwner = d.owner === actor.login;
  if (d.status === 'Private') {
    if (!isOwner) throw new NotFoundError(`Dashboard ${id} not found`);
    if (newStatus === 'Shared') requirePermission(actor, 'manageDashboard');
    return d;
  }
  requirePermission(actor, 'manageDashboard');
  if (newStatus === 'Private' && !isOwner) throw new AuthorizationError('Only the owner of a shared dashboard may make it private');
  return d;
}
