/**
 * Cortex organisations and users as views of Waggle's (identity is shared): Cortex `id` of an
 * organisation is its name, of a user its login; roles derive from the user's profile in that
 * organisation (see roles.ts). Writes go through Waggle's services, whose rules apply.
 */
import type { Actor } from '../services/actor.js';
import type { Doc, EntityStore } from '../storage/entity-store.js';
import type { OrganisationService } from '../services/organisation.service.js';
import type { ProfileService } from '../services/profile.service.js';
import { UserService } from '../services/user.service.js';
import { q } from '../query/ir.js';
import { NotFoundError } from '../errors/errors.js';
import { ADMIN_ORG } from '../auth/permissions.js';
import { requireRole, type CortexRole } from './roles.js';

export class CortexIdentityService {
  constructor(
    private readonly store: EntityStore,
    private readonly users: UserService,
    private readonly orgs: OrganisationService,
    private readonly profiles: ProfileService,
  ) {}

  async listOrganisations(actor: Actor): Promise<Doc[]> {
    requireRole(actor, 'superadmin');
    return this.orgs.list(actor);
  }

  async getOrganisation(actor: Actor, idOrName: string): Promise<Doc> {
    requireRole(actor, 'superadmin', 'orgadmin');
    const org = await this.orgs.get(actor, idOrName);
    if (!actor.inAdminOrg && org._id !== actor.orgId) throw new NotFoundError(`Organization ${idOrName} not found`);
    return org;
  }

  async createOrganisation(actor: Actor, name: string, description: string): Promise<Doc> {
    requireRole(actor, 'superadmin');
    return this.orgs.create(actor, { name, description });
  }

  async orgUsers(actor: Actor, idOrName: string): Promise<Doc[]> {
    const org = await this.getOrganisation(actor, idOrName);
    const r = await this.store.query({
      entity: 'user',
      where: q.true(),
      sort: [{ field: 'login', dir: 'asc' }],
      output: { kind: 'rows', from: 0, to: 100_000 },
    });
    return (r.kind === 'rows' ? r.rows : []).filter((u) => UserService.memberships(u).some((m) => m.orgId === org._id));
  }

  /** Every user (superadmin). */
  async allUsers(actor: Actor): Promise<Doc[]> {
    requireRole(actor, 'superadmin');
    const r = await this.store.query({
      entity: 'user',
      where: q.true(),
      sort: [{ field: 'login', dir: 'asc' }],
      output: { kind: 'rows', from: 0, to: 10_000 },
    });
    return r.kind === 'rows' ? r.rows : [];
  }

  async getUser(actor: Actor, login: string): Promise<Doc> {
    return this.users.get(actor, login);
  }

  /** Creates a user in the caller's organisation (or `organization`), its profile chosen from the Cortex roles. */
  async createUser(actor: Actor, input: { login: string; name: string; roles: string[]; password?: string; organization?: string }): Promise<Doc> {
    requireRole(actor, 'orgadmin', 'superadmin');
    const roles = input.roles.map((r) => r.toLowerCase());
    const profile = roles.includes('superadmin') ? 'admin' : roles.includes('orgadmin') ? 'org-admin' : roles.includes('analyze') ? 'analyst' : 'read-only';
    return this.users.create(actor, {
      login: input.login,
      name: input.name,
      profile,
      ...(input.password ? { password: input.password } : {}),
      organisation: input.organization ?? (roles.includes('superadmin') ? ADMIN_ORG : actor.orgName),
    });
  }

  getKey(actor: Actor, login: string): Promise<string> {
    return this.users.getKey(actor, login);
  }

  renewKey(actor: Actor, login: string): Promise<string> {
    return this.users.renewKey(actor, login);
  }

  revokeKey(actor: Actor, login: string): Promise<void> {
    return this.users.removeKey(actor, login);
  }

  renderOrganisation(doc: Doc): Record<string, unknown> {
    return {
      id: doc.name,
      _id: doc.name,
      _type: 'organization',
      name: doc.name,
      description: doc.description ?? '',
      status: doc.locked === true ? 'Locked' : 'Active',
      createdAt: doc._createdAt,
      createdBy: doc._createdBy,
    };
  }

  /** A user as Cortex shows it, in `orgId` (default: the user's default organisation). */
  async renderUser(doc: Doc, orgId?: string): Promise<Record<string, unknown>> {
    const ms = UserService.memberships(doc);
    const m = ms.find((x) => x.orgId === orgId) ?? ms.find((x) => x.orgId === doc.defaultOrganisation) ?? ms[0];
    const org = m ? await this.store.get('organisation', m.orgId) : undefined;
    const roles: CortexRole[] = [];
    if (m) {
      if (org?.name === ADMIN_ORG) roles.push('superadmin');
      else {
        const perms = new Set(((await this.profiles.findByName(m.profile))?.permissions as string[] | undefined) ?? []);
        roles.push('read');
        if (perms.has('manageAnalyse')) roles.push('analyze');
        if (perms.has('manageUser')) roles.push('orgadmin');
      }
    }
    return {
      id: doc.login,
      _id: doc.login,
      _type: 'user',
      name: doc.name,
      roles,
      status: doc.locked === true ? 'Locked' : 'Ok',
      organization: org?.name ?? null,
      hasKey: typeof doc.keyHash === 'string',
      hasPassword: typeof doc.passwordHash === 'string',
      createdAt: doc._createdAt,
      createdBy: doc._createdBy,
    };
  }
}
