/**
 * Sharing cases between linked organisations, per-task and per-observable shares, case owner
 * change and user access restriction. A share gives an organisation a share profile (its users
 * act with their own permissions ∩ the profile's) and task/observable rules:
 * `all` (existing and upcoming), `existingOnly`, `upcomingOnly`, `none`/`manual` (neither).
 * Only the owner organisation shares, unshares, restricts or transfers a case.
 * Every change is one atomic batch over the case, its data and its `share` documents.
 */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { CaseService } from './case.service.js';
import type { OrganisationService } from './organisation.service.js';
import type { ProfileService } from './profile.service.js';
import type { UserService } from './user.service.js';
import { ORG_PERMISSIONS, type Permission } from '../auth/permissions.js';
import { RESTRICTED_TO } from '../entities/registry.js';
import { AuthorizationError, BadRequestError, CreateError, NotFoundError } from '../errors/errors.js';
import { q } from '../query/ir.js';
import { assertCan, assertVisible, canSee, childAccess, orgAdminPrincipal, ownerOf, sharesExisting, type AccessFields, type ShareRules } from './policy.js';
import { systemFields } from './render.js';
import { accessOps, descendants, ownerFirst, type CaseNode } from './case-access.js';

/** One entry of `{shares: [...]}` (InputShare). */
export interface ShareInput {
  organisation: string;
  share?: boolean;
  profile?: string;
  taskRule?: string;
  observableRule?: string;
}

export interface OwnerInput {
  organisation: string;
  keepProfile?: string;
  taskRule?: string;
  observableRule?: string;
}

export interface AccessInput {
  _kind: string;
  users?: string[];
}

export const SHARE_RULES = ['all', 'none', 'existingOnly', 'upcomingOnly', 'manual'] as const;
const DEFAULT_PROFILE = 'analyst';
/** The share profile of the owner organisation (every permission of its users). */
const OWNER_PROFILE = 'all';
const ORG_PERMISSION_SET: ReadonlySet<string> = new Set(ORG_PERMISSIONS);

type SharePerms = Record<string, string[]>;
type Rules = Record<string, ShareRules>;

/** `childAccess` without the access system fields' internals: the organisations only. */
export function childOrgs(caseDoc: Pick<Doc, '_orgs'> & Record<string, unknown>, kind: 'task' | 'observable' | 'other'): string[] {
  return childAccess(caseDoc, kind)._orgs;
}
export { childAccess, type AccessFields };

interface Resolved {
  org: Doc;
  profile: string;
  permissions: string[];
  rules: ShareRules;
}

export class ShareService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly cases: CaseService,
    private readonly orgs: OrganisationService,
    private readonly profiles: ProfileService,
    private readonly users: UserService,
  ) {}

  // ---------------------------------------------------------------- lookups

  /** A case the actor's organisation owns, with `permission` on it. Other organisations' users get 404 or 403. */
  private async ownedCase(actor: Actor, caseId: string, permission: Permission): Promise<Doc> {
    const doc = assertCan(actor, await this.cases.resolve(actor, caseId), 'Case', caseId, permission);
    if (ownerOf(doc) !== actor.orgId && actor.via !== 'system') throw new AuthorizationError('Only the organisation that owns the case may do this');
    return doc;
  }

  /** The share documents of a case. */
  private async shareDocs(caseId: string): Promise<Doc[]> {
    const r = await this.store.query({
      entity: 'share',
      where: q.parentId('case', caseId),
      sort: [{ field: '_createdAt', dir: 'asc' }],
      output: { kind: 'rows', from: 0, to: 10_000 },
    });
    return r.kind === 'rows' ? r.rows : [];
  }

  /** An organisation the owner may share with: itself or a linked one. NotFound otherwise. */
  private async linkedOrg(actor: Actor, owner: string, idOrName: string): Promise<Doc> {
    const org = await this.orgs.resolve(idOrName);
    if (!org) throw new NotFoundError(`Organisation ${idOrName} not found`);
    if (org._id !== owner && !(await this.orgs.isLinked(owner, org._id))) throw new NotFoundError(`Organisation ${idOrName} not found`);
    return org;
  }

  /** The permissions a share profile grants; admin profiles cannot be share profiles. */
  private async profilePermissions(name: string): Promise<string[]> {
    const profileName = name === OWNER_PROFILE ? DEFAULT_PROFILE : name;
    let profile: Doc;
    try {
      profile = await this.profiles.get(profileName);
    } catch {
      throw new BadRequestError(`Profile ${name} not found`);
    }
    if (profile.isAdmin === true) throw new BadRequestError(`Profile ${name} is an administration profile and cannot be used to share`);
    return ((profile.permissions as string[]) ?? []).filter((p) => ORG_PERMISSION_SET.has(p));
  }

  private static rule(v: string | undefined, fallback: unknown, what: string): string {
    const r = v ?? (typeof fallback === 'string' ? fallback : 'manual');
    if (!(SHARE_RULES as readonly string[]).includes(r)) throw new BadRequestError(`Invalid ${what} "${r}" (expected ${SHARE_RULES.join(', ')})`);
    return r;
  }

  private async resolveInput(actor: Actor, owner: string, input: ShareInput): Promise<Resolved> {
    const org = await this.linkedOrg(actor, owner, input.organisation);
    const profile = input.profile ?? DEFAULT_PROFILE;
    return {
      org,
      profile,
      permissions: await this.profilePermissions(profile),
      rules: {
        taskRule: ShareService.rule(input.taskRule, org.taskRule, 'taskRule'),
        observableRule: ShareService.rule(input.observableRule, org.observableRule, 'observableRule'),
      },
    };
  }

  private newShareDoc(actor: Actor, caseDoc: Doc, orgId: string, profile: string, rules: ShareRules, owner: boolean): NewDoc {
    return {
      _id: this.store.newId(),
      _type: 'share',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      _orgs: ownerFirst(ownerOf(caseDoc), [ownerOf(caseDoc), orgId]),
      _parents: { case: caseDoc._id },
      organisationId: orgId,
      profile,
      taskRule: rules.taskRule,
      observableRule: rules.observableRule,
      owner,
    };
  }

  /**
   * The case as the audit record of a share with `orgId` should see it: visible to the owner and
   * to that organisation only, so that other organisations of the case (in the stream, the
   * timeline) do not learn who else it is shared with.
   */
  private static between(caseDoc: Doc, orgId: string): Doc {
    const owner = ownerOf(caseDoc);
    return { ...caseDoc, _orgs: ownerFirst(owner, [owner, orgId]) };
  }

  // ---------------------------------------------------------------- rendering

  /** OutputShare: system fields, caseId, profileName, organisationName, owner, taskRule, observableRule. */
  async renderMany(docs: Doc[]): Promise<Array<Record<string, unknown>>> {
    const orgs = await this.store.getMany('organisation', [...new Set(docs.map((d) => String(d.organisationId)))]);
    const names = new Map(orgs.map((o) => [o._id, String(o.name)]));
    return docs.map((d) => ({
      ...systemFields(d),
      caseId: d._parents.case,
      profileName: d.profile,
      organisationName: names.get(String(d.organisationId)) ?? String(d.organisationId),
      owner: d.owner === true,
      taskRule: d.taskRule ?? 'manual',
      observableRule: d.observableRule ?? 'manual',
      extraData: {},
    }));
  }

  /** Shares the actor may list: not its own organisation's, only of organisations it sees (its links). */
  private async listable(actor: Actor, caseDoc: Doc, filter: (s: Doc) => boolean = () => true): Promise<Doc[]> {
    const shares = (await this.shareDocs(caseDoc._id)).filter((s) => s.organisationId !== actor.orgId && filter(s));
    const out: Doc[] = [];
    for (const s of shares) if (await this.orgs.isLinked(actor.orgId, String(s.organisationId))) out.push(s);
    return out;
  }

  // ---------------------------------------------------------------- case shares

  /** `GET /case/{id}/shares`: [] when the id is not a visible case (thehive4py lists observable shares this way). */
  async list(actor: Actor, caseId: string): Promise<Doc[]> {
    let caseDoc: Doc;
    try {
      caseDoc = await this.cases.resolve(actor, caseId);
    } catch (e) {
      if ((e as { type?: string }).type === 'NotFoundError') return [];
      throw e;
    }
    return this.listable(actor, caseDoc);
  }

  /**
   * Ops that share `caseDoc` with the resolved organisations: the case, its data (per the
   * rules, for tasks and observables) and share documents (the owner's share on first use).
   */
  private async shareOps(actor: Actor, caseDoc: Doc, adds: Resolved[], existing: Doc[]): Promise<{ ops: BatchOp[]; created: NewDoc[] }> {
    const owner = ownerOf(caseDoc);
    const perms: SharePerms = { ...((caseDoc._sharePerms as SharePerms) ?? {}) };
    const rules: Rules = { ...((caseDoc._shareRules as Rules) ?? {}) };
    for (const a of adds) {
      perms[a.org._id] = a.permissions;
      rules[a.org._id] = a.rules;
    }
    const caseOrgs = ownerFirst(owner, [...caseDoc._orgs, ...adds.map((a) => a.org._id)]);
    const nodes = await descendants(this.store, caseDoc);
    const restricted = Array.isArray(caseDoc[RESTRICTED_TO]) ? (caseDoc[RESTRICTED_TO] as string[]) : undefined;
    const state = { _sharePerms: perms, ...(restricted ? { _restrictedTo: restricted } : {}) };
    const orgsFor = (n: CaseNode): string[] => {
      const add = adds.filter((a) => !n.anchor || sharesExisting(n.anchor.kind === 'task' ? a.rules.taskRule : a.rules.observableRule)).map((a) => a.org._id);
      return ownerFirst(owner, [...n.doc._orgs, ...add]);
    };
    const created: NewDoc[] = [];
    if (!existing.some((s) => s.owner === true)) {
      created.push(this.newShareDoc(actor, caseDoc, owner, OWNER_PROFILE, { taskRule: 'all', observableRule: 'all' }, true));
    }
    for (const a of adds) created.push(this.newShareDoc(actor, caseDoc, a.org._id, a.profile, a.rules, false));
    const after = { ...caseDoc, _orgs: caseOrgs };
    const ops: BatchOp[] = [
      {
        op: 'update',
        type: 'case',
        id: caseDoc._id,
        patch: { _orgs: caseOrgs, _sharePerms: perms, _shareRules: rules },
        by: actor.login,
        expectedVersion: caseDoc._version,
      },
      ...accessOps(nodes, state, orgsFor, actor.login),
      ...created.map((doc): BatchOp => ({ op: 'insert', doc })),
      ...adds.map((a) =>
        this.audit.op(actor, 'share', ShareService.between(after, a.org._id), {
          organisation: a.org.name,
          profile: a.profile,
          taskRule: a.rules.taskRule,
          observableRule: a.rules.observableRule,
        }),
      ),
    ];
    return { ops, created };
  }

  /** Ops that remove organisations from a case, its data and its shares (never the owner). */
  private async unshareOps(actor: Actor, caseDoc: Doc, orgIds: string[], existing: Doc[]): Promise<BatchOp[]> {
    const owner = ownerOf(caseDoc);
    const drop = new Set(orgIds.filter((o) => o !== owner));
    if (drop.size === 0) return [];
    const perms: SharePerms = { ...((caseDoc._sharePerms as SharePerms) ?? {}) };
    const rules: Rules = { ...((caseDoc._shareRules as Rules) ?? {}) };
    for (const o of drop) {
      delete perms[o];
      delete rules[o];
    }
    const caseOrgs = caseDoc._orgs.filter((o) => !drop.has(o));
    const nodes = await descendants(this.store, caseDoc);
    const restricted = Array.isArray(caseDoc[RESTRICTED_TO]) ? (caseDoc[RESTRICTED_TO] as string[]) : undefined;
    const state = { _sharePerms: perms, ...(restricted ? { _restrictedTo: restricted } : {}) };
    const names = new Map((await this.store.getMany('organisation', [...drop])).map((o) => [o._id, o.name]));
    return [
      {
        op: 'update',
        type: 'case',
        id: caseDoc._id,
        patch: { _orgs: caseOrgs, _sharePerms: Object.keys(perms).length ? perms : null, _shareRules: Object.keys(rules).length ? rules : null },
        by: actor.login,
        expectedVersion: caseDoc._version,
      },
      ...accessOps(nodes, state, (n) => n.doc._orgs.filter((o) => !drop.has(o)), actor.login),
      ...existing.filter((s) => drop.has(String(s.organisationId))).map((s): BatchOp => ({ op: 'delete', type: 'share', id: s._id })),
      ...[...drop].map((o) => this.audit.op(actor, 'unshare', ShareService.between(caseDoc, o), { organisation: names.get(o) ?? o })),
    ];
  }

  /** Ops that change the profile or rules of existing shares. */
  private profileOps(actor: Actor, caseDoc: Doc, nodes: CaseNode[], changes: Array<{ share: Doc; r: Resolved }>): BatchOp[] {
    if (changes.length === 0) return [];
    const perms: SharePerms = { ...((caseDoc._sharePerms as SharePerms) ?? {}) };
    const rules: Rules = { ...((caseDoc._shareRules as Rules) ?? {}) };
    for (const { r } of changes) {
      perms[r.org._id] = r.permissions;
      rules[r.org._id] = r.rules;
    }
    const restricted = Array.isArray(caseDoc[RESTRICTED_TO]) ? (caseDoc[RESTRICTED_TO] as string[]) : undefined;
    return [
      { op: 'update', type: 'case', id: caseDoc._id, patch: { _sharePerms: perms, _shareRules: rules }, by: actor.login, expectedVersion: caseDoc._version },
      ...accessOps(nodes, { _sharePerms: perms, ...(restricted ? { _restrictedTo: restricted } : {}) }, (n) => n.doc._orgs, actor.login),
      ...changes.map(({ share, r }): BatchOp => ({
        op: 'update',
        type: 'share',
        id: share._id,
        patch: { profile: r.profile, taskRule: r.rules.taskRule, observableRule: r.rules.observableRule },
        by: actor.login,
      })),
      ...changes.map(({ r }) => this.audit.op(actor, 'share', ShareService.between(caseDoc, r.org._id), { organisation: r.org.name, profile: r.profile })),
    ];
  }

  /** Resolves inputs, skipping `share: false` and the owner itself; duplicates are a 400. */
  private async resolveAll(actor: Actor, caseDoc: Doc, inputs: ShareInput[]): Promise<Resolved[]> {
    const out: Resolved[] = [];
    for (const input of inputs) {
      if (input.share === false) continue;
      const r = await this.resolveInput(actor, ownerOf(caseDoc), input);
      if (r.org._id === ownerOf(caseDoc)) continue;
      if (out.some((o) => o.org._id === r.org._id)) throw new BadRequestError(`Organisation ${String(r.org.name)} is listed twice`);
      out.push(r);
    }
    return out;
  }

  /**
   * `POST /case/{id}/shares`: shares with more organisations (linked to the owner). Already
   * shared organisations are a CreateError; the owner organisation itself is ignored.
   * @returns the created shares.
   */
  async share(actor: Actor, caseId: string, inputs: ShareInput[]): Promise<Doc[]> {
    const caseDoc = await this.ownedCase(actor, caseId, 'manageShare');
    const adds = await this.resolveAll(actor, caseDoc, inputs);
    const existing = await this.shareDocs(caseDoc._id);
    for (const a of adds) {
      if (caseDoc._orgs.includes(a.org._id)) throw new CreateError(`Case #${String(caseDoc.number)} is already shared with organisation ${String(a.org.name)}`);
    }
    if (adds.length === 0) return [];
    const { ops, created } = await this.shareOps(actor, caseDoc, adds, existing);
    const results = await this.audit.commit(ops);
    const ids = new Set(created.filter((c) => c.owner !== true).map((c) => c._id));
    return results.filter((r): r is Doc => typeof r === 'object' && r._type === 'share' && ids.has(r._id));
  }

  /** Shares a case at creation (`sharingParameters`); the hook of case creation. */
  async shareNewCase(actor: Actor, caseDoc: Doc, inputs: ShareInput[]): Promise<void> {
    const adds = inputs.filter((i) => i.share !== false);
    if (adds.length === 0) return;
    await this.share(actor, caseDoc._id, adds);
  }

  /** `PUT /case/{id}/shares`: the case ends up shared with exactly these organisations (plus the owner). */
  async setShares(actor: Actor, caseId: string, inputs: ShareInput[]): Promise<Doc[]> {
    const caseDoc = await this.ownedCase(actor, caseId, 'manageShare');
    const wanted = await this.resolveAll(actor, caseDoc, inputs);
    const existing = await this.shareDocs(caseDoc._id);
    const owner = ownerOf(caseDoc);
    const current = caseDoc._orgs.filter((o) => o !== owner);
    const removed = current.filter((o) => !wanted.some((w) => w.org._id === o));
    if (removed.length) {
      await this.audit.commit(await this.unshareOps(actor, caseDoc, removed, existing));
      return this.setShares(actor, caseId, inputs);
    }
    const adds = wanted.filter((w) => !current.includes(w.org._id));
    const changes = wanted
      .filter((w) => current.includes(w.org._id))
      .flatMap((r) => {
        const share = existing.find((s) => s.organisationId === r.org._id);
        if (!share || (share.profile === r.profile && share.taskRule === r.rules.taskRule && share.observableRule === r.rules.observableRule)) return [];
        return [{ share, r }];
      });
    if (adds.length) await this.audit.commit((await this.shareOps(actor, caseDoc, adds, existing)).ops);
    else if (changes.length) await this.audit.commit(this.profileOps(actor, caseDoc, await descendants(this.store, caseDoc), changes));
    if (adds.length && changes.length) return this.setShares(actor, caseId, inputs);
    return this.listable(actor, await this.cases.resolve(actor, caseDoc._id));
  }

  /** `DELETE /case/{id}/shares` `{organisations}`: unshares (ids or names). Own organisation: 400. */
  async unshare(actor: Actor, caseId: string, organisations: string[]): Promise<void> {
    const caseDoc = await this.ownedCase(actor, caseId, 'manageShare');
    const ids: string[] = [];
    for (const o of organisations) {
      const org = await this.linkedOrg(actor, ownerOf(caseDoc), o).catch(() => this.orgs.resolve(o));
      if (!org) throw new NotFoundError(`Organisation ${o} not found`);
      if (org._id === actor.orgId) throw new BadRequestError('You cannot remove your own share');
      if (!caseDoc._orgs.includes(org._id)) throw new NotFoundError(`Case #${String(caseDoc.number)} is not shared with organisation ${o}`);
      ids.push(org._id);
    }
    const ops = await this.unshareOps(actor, caseDoc, ids, await this.shareDocs(caseDoc._id));
    if (ops.length) await this.audit.commit(ops);
  }

  /** A share document whose case the actor sees; 404 otherwise. */
  private async shareAndCase(actor: Actor, shareId: string): Promise<{ share: Doc; caseDoc: Doc }> {
    const share = shareId.startsWith('~') ? await this.store.get('share', shareId) : undefined;
    const caseDoc = share?._parents.case ? await this.store.get('case', share._parents.case) : undefined;
    if (!share || !caseDoc || !canSee(actor, caseDoc)) throw new NotFoundError(`Share ${shareId} not found`);
    return { share, caseDoc };
  }

  /** `DELETE /case/share/{shareId}`. The owner's share and one's own cannot be removed. */
  async removeShare(actor: Actor, shareId: string): Promise<void> {
    const { share, caseDoc } = await this.shareAndCase(actor, shareId);
    const owned = await this.ownedCase(actor, caseDoc._id, 'manageShare');
    if (share.owner === true) throw new AuthorizationError("You can't remove initial shares");
    if (share.organisationId === actor.orgId) throw new AuthorizationError("You can't remove your share");
    await this.audit.commit(await this.unshareOps(actor, owned, [String(share.organisationId)], [share]));
  }

  /** `PATCH /case/share/{shareId}` `{profile}`: changes the share profile. */
  async updateShare(actor: Actor, shareId: string, profile: string): Promise<void> {
    const { share, caseDoc } = await this.shareAndCase(actor, shareId);
    const owned = await this.ownedCase(actor, caseDoc._id, 'manageShare');
    if (share.owner === true) throw new AuthorizationError("The owner's share cannot be changed");
    const r = await this.resolveInput(actor, ownerOf(owned), {
      organisation: String(share.organisationId),
      profile,
      taskRule: String(share.taskRule ?? 'manual'),
      observableRule: String(share.observableRule ?? 'manual'),
    });
    await this.audit.commit(this.profileOps(actor, owned, await descendants(this.store, owned), [{ share, r }]));
  }

  // ---------------------------------------------------------------- task and observable shares

  /** A task or observable of a case owned by the actor's organisation, with manageShare on the case. */
  private async ownedChild(actor: Actor, type: 'task' | 'observable', id: string): Promise<{ doc: Doc; caseDoc: Doc }> {
    const what = type === 'task' ? 'Task' : 'Observable';
    const doc = assertVisible(actor, id.startsWith('~') ? await this.store.get(type, id) : undefined, what, id);
    const caseId = doc._parents.case;
    if (!caseId) throw new NotFoundError(`${what} ${id} is not in a case`);
    const caseDoc = await this.ownedCase(actor, caseId, 'manageShare');
    return { doc, caseDoc };
  }

  /** Organisations (ids or names) the case is shared with; the actor's own is skipped. */
  private async sharedOrgs(actor: Actor, caseDoc: Doc, organisations: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const o of organisations) {
      const org = await this.orgs.resolve(o);
      if (!org || (org._id !== actor.orgId && !(await this.orgs.isLinked(actor.orgId, org._id)))) throw new NotFoundError(`Organisation ${o} not found`);
      if (org._id === actor.orgId) continue;
      if (!caseDoc._orgs.includes(org._id)) throw new BadRequestError(`Case #${String(caseDoc.number)} is not shared with organisation ${String(org.name)}`);
      out.push(org._id);
    }
    return out;
  }

  private async childShareOps(actor: Actor, doc: Doc, caseDoc: Doc, orgIds: string[], add: boolean): Promise<BatchOp[]> {
    const owner = ownerOf(caseDoc);
    const change = (orgs: string[]) => (add ? ownerFirst(owner, [...orgs, ...orgIds]) : orgs.filter((o) => o === owner || !orgIds.includes(o)));
    const nodes: CaseNode[] = [{ doc }, ...(await descendants(this.store, doc))];
    const restricted = Array.isArray(caseDoc[RESTRICTED_TO]) ? (caseDoc[RESTRICTED_TO] as string[]) : undefined;
    const perms = (caseDoc._sharePerms as SharePerms) ?? {};
    const ops = accessOps(nodes, { _sharePerms: perms, ...(restricted ? { _restrictedTo: restricted } : {}) }, (n) => change(n.doc._orgs), actor.login);
    if (ops.length === 0) return [];
    const names = (await this.store.getMany('organisation', orgIds)).map((o) => o.name);
    // recorded for the owner and the organisations concerned only (see `between`)
    return [...ops, this.audit.op(actor, add ? 'share' : 'unshare', { ...doc, _orgs: ownerFirst(owner, [owner, ...orgIds]) }, { organisations: names })];
  }

  /** `GET /task/{id}/shares`: the case shares (not the actor's own) that include the task. */
  async taskShares(actor: Actor, taskId: string): Promise<Doc[]> {
    const task = assertVisible(actor, taskId.startsWith('~') ? await this.store.get('task', taskId) : undefined, 'Task', taskId);
    const caseDoc = task._parents.case ? await this.store.get('case', task._parents.case) : undefined;
    if (!caseDoc || !canSee(actor, caseDoc)) throw new NotFoundError(`Task ${taskId} not found`);
    return this.listable(actor, caseDoc, (s) => task._orgs.includes(String(s.organisationId)));
  }

  /** `POST|DELETE /task/{id}/shares` and `/observable/{id}/shares` `{organisations}`. */
  async setChildShares(actor: Actor, type: 'task' | 'observable', id: string, organisations: string[], add: boolean): Promise<void> {
    const { doc, caseDoc } = await this.ownedChild(actor, type, id);
    if (!add) {
      for (const o of organisations) {
        const org = await this.orgs.resolve(o);
        if (org?._id === actor.orgId) throw new BadRequestError('You cannot remove your own share');
      }
    }
    const orgIds = await this.sharedOrgs(actor, caseDoc, organisations);
    if (orgIds.length === 0) return;
    const ops = await this.childShareOps(actor, doc, caseDoc, orgIds, add);
    if (ops.length) await this.audit.commit(ops);
  }

  // ---------------------------------------------------------------- owner and access

  /**
   * `POST /case/{id}/owner`: the case moves to a linked organisation, which sees all its data.
   * The old owner keeps a share with `keepProfile` (and the given rules), or loses access.
   * Transferring to the current owner does nothing. The case gets a number of the new owner.
   */
  async changeOwner(actor: Actor, caseId: string, input: OwnerInput): Promise<void> {
    const caseDoc = await this.ownedCase(actor, caseId, 'manageCase/changeOwnership');
    const oldOwner = ownerOf(caseDoc);
    const target = await this.linkedOrg(actor, oldOwner, input.organisation);
    if (target._id === oldOwner) return;
    const keep = input.keepProfile
      ? {
          permissions: await this.profilePermissions(input.keepProfile),
          rules: {
            taskRule: ShareService.rule(input.taskRule, 'all', 'taskRule'),
            observableRule: ShareService.rule(input.observableRule, 'all', 'observableRule'),
          },
        }
      : undefined;
    const perms: SharePerms = { ...((caseDoc._sharePerms as SharePerms) ?? {}) };
    const rules: Rules = { ...((caseDoc._shareRules as Rules) ?? {}) };
    delete perms[target._id];
    delete rules[target._id];
    if (keep) {
      perms[oldOwner] = keep.permissions;
      rules[oldOwner] = keep.rules;
    }
    const withOrgs = (orgs: string[]) => ownerFirst(target._id, [target._id, ...orgs.filter((o) => keep || o !== oldOwner)]);
    const restricted = Array.isArray(caseDoc[RESTRICTED_TO])
      ? (caseDoc[RESTRICTED_TO] as string[]).map((p) => (p === orgAdminPrincipal(oldOwner) ? orgAdminPrincipal(target._id) : p))
      : undefined;
    const nodes = await descendants(this.store, caseDoc);
    const existing = await this.shareDocs(caseDoc._id);
    const ops: BatchOp[] = [];
    const oldShare = existing.find((s) => s.organisationId === oldOwner);
    if (oldShare && keep) {
      ops.push({ op: 'update', type: 'share', id: oldShare._id, patch: { owner: false, profile: input.keepProfile, ...keep.rules }, by: actor.login });
    } else if (oldShare) ops.push({ op: 'delete', type: 'share', id: oldShare._id });
    else if (keep && input.keepProfile) {
      ops.push({ op: 'insert', doc: this.newShareDoc(actor, { ...caseDoc, owningOrganisation: target._id }, oldOwner, input.keepProfile, keep.rules, false) });
    }
    const newShare = existing.find((s) => s.organisationId === target._id);
    const ownerRules = { taskRule: 'all', observableRule: 'all' };
    if (newShare) ops.push({ op: 'update', type: 'share', id: newShare._id, patch: { owner: true, profile: OWNER_PROFILE, ...ownerRules }, by: actor.login });
    else if (existing.length || keep) {
      ops.push({ op: 'insert', doc: this.newShareDoc(actor, { ...caseDoc, owningOrganisation: target._id }, target._id, OWNER_PROFILE, ownerRules, true) });
    }
    for (const s of existing) {
      if (s !== oldShare && s !== newShare) {
        ops.push({ op: 'update', type: 'share', id: s._id, patch: { _orgs: ownerFirst(target._id, [target._id, String(s.organisationId)]) }, by: actor.login });
      }
    }
    const caseOrgs = withOrgs(caseDoc._orgs);
    const number = await this.store.nextSequence(`case.number.${target._id}`);
    const after = { ...caseDoc, _orgs: caseOrgs };
    await this.audit.commit([
      {
        op: 'update',
        type: 'case',
        id: caseDoc._id,
        patch: {
          owningOrganisation: target._id,
          number,
          _orgs: caseOrgs,
          _sharePerms: Object.keys(perms).length ? perms : null,
          _shareRules: Object.keys(rules).length ? rules : null,
          [RESTRICTED_TO]: restricted ?? null,
        },
        by: actor.login,
        expectedVersion: caseDoc._version,
      },
      ...accessOps(nodes, { _sharePerms: perms, ...(restricted ? { _restrictedTo: restricted } : {}) }, (n) => withOrgs(n.doc._orgs), actor.login),
      ...ops,
      // recorded for the previous and the new owner only (see `between`)
      this.audit.op(actor, 'update', ShareService.between({ ...after, owningOrganisation: target._id }, actor.orgId), {
        owner: target.name,
        previousOwner: actor.orgName,
        keepProfile: input.keepProfile ?? null,
      }),
    ]);
  }

  /**
   * `POST /case/{id}/access`: `UserAccessKind` restricts the case and its data to the listed
   * users (who must see the case) and the owner's org-admins; `OrganisationAccessKind` lifts it.
   */
  async setAccess(actor: Actor, caseId: string, access: AccessInput): Promise<void> {
    const caseDoc = await this.ownedCase(actor, caseId, 'manageCase/update');
    let restricted: string[] | undefined;
    let accessField: Record<string, unknown>;
    if (access._kind === 'OrganisationAccessKind') {
      accessField = { _kind: 'OrganisationAccessKind' };
    } else if (access._kind === 'UserAccessKind') {
      const logins = [...new Set((access.users ?? []).map((u) => u.trim().toLowerCase()).filter(Boolean))];
      if (logins.length === 0) throw new BadRequestError('UserAccessKind needs at least one user');
      for (const login of logins) {
        const user = await this.users.findByLogin(login);
        const orgIds = ((user?.organisations as Array<{ orgId: string }> | undefined) ?? []).map((m) => m.orgId);
        if (!user || !orgIds.some((o) => caseDoc._orgs.includes(o))) throw new BadRequestError(`User ${login} cannot access case #${String(caseDoc.number)}`);
      }
      restricted = [...logins, orgAdminPrincipal(ownerOf(caseDoc))];
      accessField = { _kind: 'UserAccessKind', users: logins };
    } else {
      throw new BadRequestError(`Invalid access kind "${access._kind}" (expected UserAccessKind or OrganisationAccessKind)`);
    }
    const nodes = await descendants(this.store, caseDoc);
    const perms = (caseDoc._sharePerms as SharePerms) ?? {};
    await this.audit.commit([
      {
        op: 'update',
        type: 'case',
        id: caseDoc._id,
        patch: { access: accessField, [RESTRICTED_TO]: restricted ?? null },
        by: actor.login,
        expectedVersion: caseDoc._version,
      },
      ...accessOps(nodes, { _sharePerms: perms, ...(restricted ? { _restrictedTo: restricted } : {}) }, (n) => n.doc._orgs, actor.login),
      this.audit.op(actor, 'update', caseDoc, { access: accessField }),
    ]);
  }
}
