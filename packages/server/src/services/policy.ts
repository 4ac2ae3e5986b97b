/**
 * Authorization, in one place. Every rule checks the tenant first (is the document visible
 * to the actor's current organisation?) and then the permission. Services call these before
 * they read or write; the query service adds `visibleTo(actor)` to every IR it runs.
 */
import type { Actor } from './actor.js';
import type { Doc } from '../storage/entity-store.js';
import type { Expr } from '../query/ir.js';
import { q } from '../query/ir.js';
import { ALL_ORGS } from '../entities/registry.js';
import { AuthorizationError, NotFoundError } from '../errors/errors.js';
import type { Permission } from '../auth/permissions.js';

/** The visibility filter for `actor`'s current organisation. */
export function visibleTo(actor: Actor): Expr {
  return q.visible([actor.orgId]);
}

/** Whether `doc` is visible in the actor's current organisation (the tenant check). */
export function canSee(actor: Actor, doc: Doc): boolean {
  if (actor.via === 'system') return true;
  if (!doc._orgs.includes(actor.orgId) && !doc._orgs.includes(ALL_ORGS)) return false;
  const restricted = doc._users;
  if (Array.isArray(restricted) && !restricted.includes(actor.login) && !actor.permissions.has('manageCase/changeOwnership')) return false;
  return true;
}

/** Throws NotFoundError (not 403: existence must not leak) unless `doc` is visible. */
export function assertVisible<T extends Doc>(actor: Actor, doc: T | undefined, what: string, id: string): T {
  if (!doc || !canSee(actor, doc)) throw new NotFoundError(`${what} ${id} not found`);
  return doc;
}

/** Throws AuthorizationError unless the actor holds `permission` in its current organisation. */
export function requirePermission(actor: Actor, permission: Permission): void {
  if (actor.via === 'system') return;
  if (!actor.permissions.has(permission)) {
    throw new AuthorizationError(`Your profile "${actor.profile}" in organisation "${actor.orgName}" lacks the permission ${permission}`);
  }
}

/** Tenant check then permission: the rule every write on an org-scoped document follows. */
export function assertCan<T extends Doc>(actor: Actor, doc: T | undefined, what: string, id: string, permission: Permission): T {
  const visible = assertVisible(actor, doc, what, id);
  requirePermission(actor, permission);
  return visible;
}

/** Platform administration: the actor must be in the admin organisation with the permission. */
export function requireAdmin(actor: Actor, permission: Permission): void {
  if (actor.via === 'system') return;
  if (!actor.inAdminOrg || !actor.permissions.has(permission)) {
    throw new AuthorizationError(`Only platform administrators with ${permission} may do this`);
  }
}
