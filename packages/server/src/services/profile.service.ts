/** Profiles: named permission sets. Built-in ones cannot be changed or deleted. */
import type { Actor } from './actor.js';
import type { Doc, EntityStore } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import { ALL_ORGS } from '../entities/registry.js';
import { ALL_PERMISSIONS, BUILTIN_PROFILE_NAMES, ADMIN_PERMISSIONS } from '../auth/permissions.js';
import { AuthorizationError, BadRequestError, CreateError, NotFoundError } from '../errors/errors.js';
import { requireAdmin } from './policy.js';
import { systemFields } from './render.js';

export class ProfileService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
  ) {}

  /**
   * The profile named `name`, through its `profile.name` claim (taken by bootstrap, create and
   * rename), not through a query: every authenticated request looks its profile up, and on the
   * cluster store a query needs OpenSearch, whose outage must not stop reads and writes by id.
   */
  async findByName(name: string): Promise<Doc | undefined> {
    const owner = await this.store.uniqueOwner('profile.name', name);
    return owner ? this.store.get('profile', owner) : undefined;
  }

  async get(idOrName: string): Promise<Doc> {
    const doc = idOrName.startsWith('~') ? await this.store.get('profile', idOrName) : await this.findByName(idOrName);
    if (!doc) throw new NotFoundError(`Profile ${idOrName} not found`);
    return doc;
  }

  private validatePermissions(perms: unknown): string[] {
    if (perms === undefined) return [];
    if (!Array.isArray(perms) || !perms.every((p) => typeof p === 'string')) throw new BadRequestError('permissions must be a list of strings');
    const unknown = perms.filter((p) => !ALL_PERMISSIONS.has(p));
    if (unknown.length) throw new BadRequestError(`Unknown permissions: ${unknown.join(', ')}`);
    return [...new Set(perms)];
  }

  async create(actor: Actor, input: { name: string; permissions?: string[] }): Promise<Doc> {
    requireAdmin(actor, 'manageProfile');
    const permissions = this.validatePermissions(input.permissions);
    const id = this.store.newId();
    const now = Date.now();
    const doc = {
      _id: id,
      _type: 'profile',
      _createdAt: now,
      _createdBy: actor.login,
      _orgs: [ALL_ORGS],
      _parents: {},
      name: input.name,
      permissions,
      editable: true,
      isAdmin: permissions.some((p) => (ADMIN_PERMISSIONS as readonly string[]).includes(p)),
    };
    const ok = await this.store.claimUnique('profile.name', input.name, id);
    if (!ok) throw new CreateError(`Profile ${input.name} already exists`);
    const [created] = await this.audit.commit([{ op: 'insert', doc }, this.audit.op(actor, 'create', doc)]);
    return created as Doc;
  }

  async update(actor: Actor, idOrName: string, input: { name?: string; permissions?: string[] }): Promise<void> {
    requireAdmin(actor, 'manageProfile');
    const doc = await this.get(idOrName);
    if (doc.editable === false) throw new AuthorizationError(`Profile ${String(doc.name)} is built in and cannot be changed`);
    const patch: Record<string, unknown> = {};
    if (input.permissions !== undefined) {
      patch.permissions = this.validatePermissions(input.permissions);
      patch.isAdmin = (patch.permissions as string[]).some((p) => (ADMIN_PERMISSIONS as readonly string[]).includes(p));
    }
    const ops = [];
    if (input.name !== undefined && input.name !== doc.name) {
      if (BUILTIN_PROFILE_NAMES.has(input.name)) throw new BadRequestError(`${input.name} is a built-in profile name`);
      patch.name = input.name;
      ops.push(
        { op: 'release' as const, scope: 'profile.name', key: String(doc.name) },
        { op: 'claim' as const, scope: 'profile.name', key: input.name, owner: doc._id },
      );
    }
    ops.push({ op: 'update' as const, type: 'profile', id: doc._id, patch, by: actor.login }, this.audit.op(actor, 'update', doc, patch));
    await this.audit.commit(ops);
  }

  async delete(actor: Actor, idOrName: string, inUse: (name: string) => Promise<boolean>): Promise<void> {
    requireAdmin(actor, 'manageProfile');
    const doc = await this.get(idOrName);
    if (doc.editable === false) throw new AuthorizationError(`Profile ${String(doc.name)} is built in and cannot be deleted`);
    if (await inUse(String(doc.name))) throw new BadRequestError(`Profile ${String(doc.name)} is used by users and cannot be deleted`);
    await this.audit.commit([
      { op: 'delete', type: 'profile', id: doc._id },
      { op: 'release', scope: 'profile.name', key: String(doc.name) },
      this.audit.op(actor, 'delete', doc),
    ]);
  }

  render(doc: Doc): Record<string, unknown> {
    const perms = (doc.permissions as string[]) ?? [];
    return {
      ...systemFields(doc),
      name: doc.name,
      permissions: perms,
      editable: doc.editable !== false,
      isAdmin: doc.isAdmin === true,
      forAdmin: doc.isAdmin === true,
      forOrg: doc.isAdmin !== true,
      consumesLicense: perms.length > 0,
      extraData: {},
    };
  }
}
