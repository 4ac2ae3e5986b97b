/**
 * Users and their memberships (organisation + profile). Nobody can raise their own rights:
 * a user cannot change their own profile, organisations or lock state, and an administrator
 * can only hand out profiles whose permissions they hold themselves.
 */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { OrganisationService } from './organisation.service.js';
import type { ProfileService } from './profile.service.js';
import type { SecretBox } from '../auth/secret-box.js';
import { ADMIN_ORG, ADMIN_PERMISSIONS } from '../auth/permissions.js';
import { AuthorizationError, BadRequestError, CreateError, NotFoundError } from '../errors/errors.js';
import { hashPassword, newApiKey, verifyPassword } from '../auth/password.js';
import { requirePermission } from './policy.js';
import { q } from '../query/ir.js';

export interface Membership {
  orgId: string;
  profile: string;
}

export interface UserInput {
  login: string;
  name: string;
  profile: string;
  email?: string;
  password?: string;
  organisation?: string;
  type?: 'Normal' | 'Service';
  avatar?: string;
}

export interface UserUpdate {
  name?: string;
  organisation?: string;
  profile?: string;
  locked?: boolean;
  avatar?: string;
  email?: string;
  defaultOrganisation?: string;
  type?: 'Normal' | 'Service';
}

/** A platform administrator of users: holds manageUser through the `admin` organisation (or the system). */
function isUserAdmin(actor: Actor): boolean {
  return actor.via === 'system' || actor.platformPermissions.has('manageUser');
}

const LOGIN_RE = /^[A-Za-z0-9._@+\-]{1,128}$/;

export class UserService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly orgs: OrganisationService,
    private readonly profiles: ProfileService,
    private readonly box: SecretBox,
  ) {}

  async findByLogin(login: string): Promise<Doc | undefined> {
    const owner = await this.store.uniqueOwner('user.login', login.toLowerCase());
    return owner ? this.store.get('user', owner) : undefined;
  }

  async resolve(idOrLogin: string): Promise<Doc | undefined> {
    if (idOrLogin.startsWith('~')) return this.store.get('user', idOrLogin);
    return this.findByLogin(idOrLogin);
  }

  static memberships(user: Doc): Membership[] {
    return (user.organisations as Membership[] | undefined) ?? [];
  }

  /** The user if the actor may see them: themselves, a member of the actor's organisation, or any for admins. */
  async get(actor: Actor, idOrLogin: string): Promise<Doc> {
    const user = await this.resolve(idOrLogin);
    if (!user || !this.canSeeUser(actor, user)) throw new NotFoundError(`User ${idOrLogin} not found`);
    return user;
  }

  canSeeUser(actor: Actor, user: Doc): boolean {
    if (actor.via === 'system' || user._id === actor.userId) return true;
    if (isUserAdmin(actor)) return true;
    return UserService.memberships(user).some((m) => m.orgId === actor.orgId);
  }

  /** Rights check for managing `user` in organisation `orgId`, and for granting `profileName`. */
  private async assertCanManage(actor: Actor, orgId: string, profileName?: string): Promise<void> {
    if (actor.via === 'system') return;
    const platformAdmin = isUserAdmin(actor);
    if (!platformAdmin) requirePermission(actor, 'manageUser');
    if (!platformAdmin && orgId !== actor.orgId) throw new AuthorizationError('You may only manage users of your own organisation');
    if (profileName !== undefined) {
      const profile = await this.profiles.get(profileName);
      const adminOrg = await this.orgs.adminOrg();
      if (profile.isAdmin === true && orgId !== adminOrg._id) throw new BadRequestError(`The profile ${profileName} is for the admin organisation only`);
      if (profile.isAdmin !== true && orgId === adminOrg._id && profileName !== 'read-only') {
        // the admin organisation holds administrators; org profiles have no meaning there
      }
      this.assertMayGrant(actor, profile, orgId === adminOrg._id);
    }
  }

  /**
   * Nobody hands out (or manages the holder of) a profile with permissions they lack: platform
   * permissions always count; organisation permissions count unless the actor is a platform
   * administrator, who manages organisation users by design (CVE-2017-18376 class).
   */
  private assertMayGrant(actor: Actor, profile: Doc | undefined, inAdminOrg: boolean): void {
    if (actor.via === 'system' || !profile) return;
    const perms = (profile.permissions as string[] | undefined) ?? [];
    // In the admin organisation the platform permissions of any profile are platform rights (the
    // built-in org-admin holds manageUser, manageConfig...): only platform rights grant them.
    const platform = inAdminOrg || profile.isAdmin === true;
    const relevant = platform ? perms.filter((p) => (ADMIN_PERMISSIONS as readonly string[]).includes(p)) : isUserAdmin(actor) ? [] : perms;
    const missing = relevant.filter((p) => !actor.platformPermissions.has(p) && (platform || !actor.permissions.has(p)));
    if (missing.length) {
      throw new AuthorizationError(
        `You cannot grant or manage the profile ${String(profile.name)}: it has permissions you do not hold (${missing.join(', ')})`,
      );
    }
  }

  /**
   * Account-wide changes of another user (password, API key, lock, type, deletion) need the actor
   * to manage every organisation of that user and to hold the rights of each of its profiles,
   * so nobody takes over a more powerful account.
   */
  private async assertDominates(actor: Actor, user: Doc): Promise<void> {
    if (actor.via === 'system') return;
    const adminOrgId = (await this.orgs.adminOrg())._id;
    for (const m of UserService.memberships(user)) {
      if (!isUserAdmin(actor) && m.orgId !== actor.orgId) {
        throw new AuthorizationError('This user belongs to other organisations; only a platform administrator may do this');
      }
      this.assertMayGrant(actor, await this.profiles.findByName(m.profile), m.orgId === adminOrgId);
    }
  }

  /** Like `assertDominates`, for the one membership of `user` in `orgId` (if any). */
  private async assertMayReplace(actor: Actor, user: Doc, orgId: string): Promise<void> {
    const current = UserService.memberships(user).find((m) => m.orgId === orgId);
    if (current) this.assertMayGrant(actor, await this.profiles.findByName(current.profile), orgId === (await this.orgs.adminOrg())._id);
  }

  private async orgIdFor(actor: Actor, name: string | undefined): Promise<string> {
    if (name === undefined) return actor.orgId;
    const org = await this.orgs.resolve(name);
    if (!org) throw new NotFoundError(`Organisation ${name} not found`);
    return org._id;
  }

  /** Creates a user, or adds an existing one to the organisation ("add or create", as TheHive does). */
  async create(actor: Actor, input: UserInput): Promise<Doc> {
    if (!LOGIN_RE.test(input.login)) throw new BadRequestError(`Invalid login "${input.login}"`);
    const login = input.login.toLowerCase();
    const orgId = await this.orgIdFor(actor, input.organisation);
    await this.assertCanManage(actor, orgId, input.profile);
    const existing = await this.findByLogin(login);
    if (existing) {
      const ms = UserService.memberships(existing);
      if (!ms.some((m) => m.orgId === orgId)) {
        // Only platform user managers bring in an account of another organisation: an org-admin
        // would change another tenant's user (and read it back in the answer).
        if (actor.via !== 'system' && !isUserAdmin(actor) && ms.some((m) => m.orgId !== actor.orgId)) {
          throw new CreateError(`User ${login} already exists`);
        }
        const organisations = [...ms, { orgId, profile: input.profile }];
        const [u] = await this.audit.commit([
          {
            op: 'update',
            type: 'user',
            id: existing._id,
            patch: { organisations, orgIds: organisations.map((m) => m.orgId), _orgs: organisations.map((m) => m.orgId) },
            by: actor.login,
          },
          this.audit.op(actor, 'update', existing, { organisation: orgId, profile: input.profile }),
        ]);
        return u as Doc;
      }
      return existing;
    }
    const id = this.store.newId();
    const organisations: Membership[] = [{ orgId, profile: input.profile }];
    const doc = {
      _id: id,
      _type: 'user',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      _orgs: [orgId],
      _parents: {},
      login,
      name: input.name,
      ...(input.email ? { email: input.email } : {}),
      ...(input.avatar ? { avatar: input.avatar } : {}),
      locked: false,
      type: input.type ?? 'Normal',
      organisations,
      orgIds: [orgId],
      defaultOrganisation: orgId,
      ...(input.password ? { passwordHash: await hashPassword(input.password) } : {}),
    };
    try {
      const [, created] = await this.audit.commit([
        { op: 'claim', scope: 'user.login', key: login, owner: id },
        { op: 'insert', doc },
        this.audit.op(actor, 'create', doc),
      ]);
      return created as Doc;
    } catch (e) {
      if ((e as { type?: string }).type === 'ConflictError') {
        const now = await this.findByLogin(login);
        if (now) return now;
      }
      throw e;
    }
  }

  async update(actor: Actor, idOrLogin: string, input: UserUpdate): Promise<void> {
    const user = await this.get(actor, idOrLogin);
    const self = user._id === actor.userId;
    const patch: Record<string, unknown> = {};
    const privileged = input.profile !== undefined || input.organisation !== undefined || input.locked !== undefined || input.type !== undefined;
    if (self && privileged) {
      const ms = UserService.memberships(user).find((m) => m.orgId === actor.orgId);
      const sameProfile = input.profile === undefined || input.profile === ms?.profile;
      const sameOrg = input.organisation === undefined || (await this.orgIdFor(actor, input.organisation)) === actor.orgId;
      if (!(sameProfile && sameOrg && input.locked === undefined && input.type === undefined)) {
        throw new AuthorizationError('You cannot change your own profile, organisations, type or lock state');
      }
    }
    if (!self || privileged) {
      const orgId = await this.orgIdFor(actor, input.organisation);
      await this.assertCanManage(actor, orgId, input.profile);
      if (!isUserAdmin(actor) && !UserService.memberships(user).some((m) => m.orgId === actor.orgId)) {
        throw new AuthorizationError('You may only manage users of your own organisation');
      }
      // lock, type and the identity of another account (name, e-mail, avatar) are account-wide:
      // only who dominates every membership of that user changes them
      const accountWide =
        input.locked !== undefined ||
        input.type !== undefined ||
        (!self && (input.name !== undefined || input.email !== undefined || input.avatar !== undefined));
      if (accountWide) await this.assertDominates(actor, user);
      if (input.profile !== undefined) {
        await this.assertMayReplace(actor, user, orgId);
        const organisations = UserService.memberships(user).filter((m) => m.orgId !== orgId);
        organisations.push({ orgId, profile: input.profile });
        patch.organisations = organisations;
        patch.orgIds = organisations.map((m) => m.orgId);
        patch._orgs = patch.orgIds;
      }
      if (input.locked !== undefined) patch.locked = input.locked;
      if (input.type !== undefined) patch.type = input.type;
    }
    if (input.name !== undefined) patch.name = input.name;
    if (input.email !== undefined) patch.email = input.email;
    if (input.avatar !== undefined) patch.avatar = input.avatar;
    if (input.defaultOrganisation !== undefined) {
      const orgId = await this.orgIdFor(actor, input.defaultOrganisation);
      const ms = (patch.organisations as Membership[] | undefined) ?? UserService.memberships(user);
      if (!ms.some((m) => m.orgId === orgId)) throw new BadRequestError("The default organisation must be one of the user's organisations");
      patch.defaultOrganisation = orgId;
    }
    if (Object.keys(patch).length === 0) return;
    await this.audit.commit([{ op: 'update', type: 'user', id: user._id, patch, by: actor.login }, this.audit.op(actor, 'update', user, redact(patch))]);
  }

  /** Replaces a user's memberships. Only platform admins, or org admins within their organisation. */
  async setOrganisations(
    actor: Actor,
    idOrLogin: string,
    list: Array<{ organisation: string; profile: string; default?: boolean }>,
  ): Promise<Array<{ organisation: string; profile: string; default: boolean }>> {
    const user = await this.get(actor, idOrLogin);
    if (user._id === actor.userId && !isUserAdmin(actor)) throw new AuthorizationError('You cannot change your own organisations');
    if (list.length === 0) throw new BadRequestError('A user needs at least one organisation');
    const memberships: Membership[] = [];
    let defaultOrg: string | undefined;
    for (const item of list) {
      const org = await this.orgs.resolve(item.organisation);
      if (!org) throw new NotFoundError(`Organisation ${item.organisation} not found`);
      await this.assertCanManage(actor, org._id, item.profile);
      memberships.push({ orgId: org._id, profile: item.profile });
      if (item.default) defaultOrg = org._id;
    }
    if (!isUserAdmin(actor)) {
      // an org admin may only change the membership in their own organisation
      const others = (ms: Membership[]) =>
        ms
          .filter((m) => m.orgId !== actor.orgId)
          .map((m) => `${m.orgId}:${m.profile}`)
          .sort()
          .join(',');
      if (others(memberships) !== others(UserService.memberships(user))) {
        throw new AuthorizationError('You may only manage the membership in your own organisation');
      }
    }
    for (const old of UserService.memberships(user)) {
      if (!memberships.some((m) => m.orgId === old.orgId && m.profile === old.profile)) await this.assertMayReplace(actor, user, old.orgId);
    }
    const orgIds = memberships.map((m) => m.orgId);
    const patch = {
      organisations: memberships,
      orgIds,
      _orgs: orgIds,
      defaultOrganisation: defaultOrg ?? (orgIds.includes(String(user.defaultOrganisation)) ? user.defaultOrganisation : orgIds[0]),
    };
    await this.audit.commit([
      { op: 'update', type: 'user', id: user._id, patch, by: actor.login },
      this.audit.op(actor, 'update', user, { organisations: list }),
    ]);
    return list.map((i) => ({ organisation: i.organisation, profile: i.profile, default: i.default ?? false }));
  }

  async delete(actor: Actor, idOrLogin: string, organisation?: string): Promise<void> {
    const user = await this.get(actor, idOrLogin);
    if (user._id === actor.userId) throw new BadRequestError('You cannot delete yourself');
    const orgId = organisation ? await this.orgIdFor(actor, organisation) : actor.orgId;
    await this.assertCanManage(actor, orgId);
    const remaining = UserService.memberships(user).filter((m) => m.orgId !== orgId);
    if (organisation && remaining.length > 0) {
      await this.assertMayReplace(actor, user, orgId);
      const orgIds = remaining.map((m) => m.orgId);
      await this.audit.commit([
        { op: 'update', type: 'user', id: user._id, patch: { organisations: remaining, orgIds, _orgs: orgIds }, by: actor.login },
        this.audit.op(actor, 'update', user, { removedFrom: orgId }),
      ]);
      return;
    }
    if (!isUserAdmin(actor) && remaining.length > 0) {
      throw new AuthorizationError('This user belongs to other organisations; only a platform administrator may delete them');
    }
    await this.assertDominates(actor, user);
    const ops: BatchOp[] = [
      { op: 'delete', type: 'user', id: user._id },
      { op: 'release', scope: 'user.login', key: String(user.login) },
      this.audit.op(actor, 'delete', user),
    ];
    if (user.keyHash) ops.push({ op: 'release', scope: 'user.key', key: String(user.keyHash) });
    await this.audit.commit(ops);
  }

  async setPassword(actor: Actor, idOrLogin: string, password: string): Promise<void> {
    const user = await this.get(actor, idOrLogin);
    if (user._id !== actor.userId) {
      const orgId = UserService.memberships(user).some((m) => m.orgId === actor.orgId) ? actor.orgId : String(user.defaultOrganisation);
      await this.assertCanManage(actor, orgId);
      if (!isUserAdmin(actor) && UserService.memberships(user).some((m) => m.orgId !== actor.orgId)) {
        throw new AuthorizationError('Only a platform administrator may set the password of a user of several organisations');
      }
      await this.assertDominates(actor, user);
    } else {
      throw new AuthorizationError('Use password/change to change your own password');
    }
    checkPassword(password);
    await this.audit.commit([
      { op: 'update', type: 'user', id: user._id, patch: { passwordHash: await hashPassword(password) }, by: actor.login },
      this.audit.op(actor, 'update', user, { password: '[changed]' }),
    ]);
  }

  async changePassword(actor: Actor, idOrLogin: string, currentPassword: string, password: string): Promise<void> {
    const user = await this.get(actor, idOrLogin);
    if (user._id !== actor.userId) throw new AuthorizationError('You can only change your own password');
    if (!(await verifyPassword(currentPassword, user.passwordHash as string | undefined))) throw new AuthorizationError('The current password is wrong');
    checkPassword(password);
    await this.audit.commit([
      { op: 'update', type: 'user', id: user._id, patch: { passwordHash: await hashPassword(password) }, by: actor.login },
      this.audit.op(actor, 'update', user, { password: '[changed]' }),
    ]);
  }

  private async assertKeyRights(actor: Actor, user: Doc): Promise<void> {
    if (user._id === actor.userId) return;
    const orgId = UserService.memberships(user).some((m) => m.orgId === actor.orgId) ? actor.orgId : String(user.defaultOrganisation);
    await this.assertCanManage(actor, orgId);
    // a key is the whole account, in every organisation of its owner
    await this.assertDominates(actor, user);
  }

  async getKey(actor: Actor, idOrLogin: string): Promise<string> {
    const user = await this.get(actor, idOrLogin);
    await this.assertKeyRights(actor, user);
    if (!user.keyEnc) throw new NotFoundError(`User ${String(user.login)} has no API key`);
    return this.box.open(String(user.keyEnc));
  }

  async renewKey(actor: Actor, idOrLogin: string): Promise<string> {
    const user = await this.get(actor, idOrLogin);
    await this.assertKeyRights(actor, user);
    const { key, hash } = newApiKey();
    const ops: BatchOp[] = [];
    if (user.keyHash) ops.push({ op: 'release', scope: 'user.key', key: String(user.keyHash) });
    ops.push(
      { op: 'claim', scope: 'user.key', key: hash, owner: user._id },
      { op: 'update', type: 'user', id: user._id, patch: { keyHash: hash, keyEnc: this.box.seal(key) }, by: actor.login },
      this.audit.op(actor, 'update', user, { key: '[renewed]' }),
    );
    await this.audit.commit(ops);
    return key;
  }

  async removeKey(actor: Actor, idOrLogin: string): Promise<void> {
    const user = await this.get(actor, idOrLogin);
    await this.assertKeyRights(actor, user);
    if (!user.keyHash) return;
    await this.audit.commit([
      { op: 'release', scope: 'user.key', key: String(user.keyHash) },
      { op: 'update', type: 'user', id: user._id, patch: { keyHash: null, keyEnc: null }, by: actor.login },
      this.audit.op(actor, 'update', user, { key: '[removed]' }),
    ]);
  }

  /** Users visible in the actor's organisation (all users for platform admins in the admin org). */
  visibleWhere(actor: Actor) {
    return actor.inAdminOrg && actor.permissions.has('manageUser') ? q.true() : q.visible([actor.orgId]);
  }

  async render(doc: Doc, actor: Actor): Promise<Record<string, unknown>> {
    const ms = UserService.memberships(doc);
    const current = ms.find((m) => m.orgId === actor.orgId) ?? ms.find((m) => m.orgId === doc.defaultOrganisation) ?? ms[0];
    const orgDocs = await this.store.getMany(
      'organisation',
      ms.map((m) => m.orgId),
    );
    const orgName = (id: string | undefined) => String(orgDocs.find((o) => o._id === id)?.name ?? '');
    const profile = current ? await this.profiles.findByName(current.profile) : undefined;
    const out: Record<string, unknown> = {
      _id: doc._id,
      _createdBy: doc._createdBy,
      ...(doc._updatedBy !== undefined ? { _updatedBy: doc._updatedBy } : {}),
      _createdAt: doc._createdAt,
      ...(doc._updatedAt !== undefined ? { _updatedAt: doc._updatedAt } : {}),
      login: doc.login,
      name: doc.name,
      hasKey: doc.keyHash !== undefined,
      hasPassword: doc.passwordHash !== undefined,
      hasMFA: doc.mfa !== undefined,
      locked: doc.locked === true,
      profile: current?.profile ?? '',
      permissions: profile?.permissions ?? [],
      organisation: orgName(current?.orgId),
      organisations: ms.map((m) => ({ organisationId: m.orgId, organisation: orgName(m.orgId), profile: m.profile })),
      type: doc.type ?? 'Normal',
      extraData: {},
    };
    if (doc.email !== undefined) out.email = doc.email;
    if (doc.avatar !== undefined) out.avatar = doc.avatar;
    if (doc.defaultOrganisation !== undefined) out.defaultOrganisation = orgName(String(doc.defaultOrganisation));
    return out;
  }

  /** Whether any user holds `profileName` somewhere. */
  async profileInUse(profileName: string): Promise<boolean> {
    const r = await this.store.query({ entity: 'user', where: q.true(), sort: [], output: { kind: 'rows', from: 0, to: 100000 } });
    return r.kind === 'rows' && r.rows.some((u) => UserService.memberships(u).some((m) => m.profile === profileName));
  }

  static isAdminOrgName(name: string): boolean {
    return name === ADMIN_ORG;
  }
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length < 1 || password.length > 1024) throw new BadRequestError('The password must have 1 to 1024 characters');
}

function redact(patch: Record<string, unknown>): Record<string, unknown> {
  const { passwordHash: _p, keyHash: _k, keyEnc: _e, ...rest } = patch;
  void _p;
  void _k;
  void _e;
  return rest;
}
