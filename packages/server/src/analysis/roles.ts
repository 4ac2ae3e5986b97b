/**
 * Cortex roles derived from Waggle permissions (identity is Waggle's: Cortex organisations and
 * users ARE Waggle organisations and users):
 * - read: any member of the organisation;
 * - analyze: `manageAnalyse`;
 * - orgadmin: `manageUser` in that organisation;
 * - superadmin: a member of the platform `admin` organisation.
 */
import type { Actor } from '../services/actor.js';
import { AuthorizationError } from '../errors/errors.js';

export type CortexRole = 'read' | 'analyze' | 'orgadmin' | 'superadmin';

export function rolesOf(actor: Actor): CortexRole[] {
  if (actor.via === 'system') return ['read', 'analyze', 'orgadmin'];
  const roles: CortexRole[] = ['read'];
  if (actor.permissions.has('manageAnalyse')) roles.push('analyze');
  if (actor.permissions.has('manageUser')) roles.push('orgadmin');
  if (actor.inAdminOrg) roles.push('superadmin');
  return roles;
}

/** Throws AuthorizationError unless the actor holds one of `roles` (Cortex: any listed role passes). */
export function requireRole(actor: Actor, ...roles: CortexRole[]): void {
  const mine = rolesOf(actor);
  if (!roles.some((r) => mine.includes(r))) throw new AuthorizationError(`This needs the role ${roles.join(' or ')} (you have ${mine.join(', ')})`);
}
