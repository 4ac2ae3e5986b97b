/** Organisations (tenants). The `admin` organisation holds platform administrators. */
import type { Actor } from './actor.js';
import type { Doc, EntityStore, BatchOp } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import { ADMIN_ORG } from '../auth/permissions.js';
import { AuthorizationError, BadRequestError, CreateError, NotFoundError } from '../errors/errors.js';
import { canSee, requireAdmin } from './policy.js';
import { q } from '../query/ir.js';
import { systemFields } from './render.js';

export interface OrgInput {
  name: string;
  description: string;
  taskRule?: string;
  observableRule?: string;
  locked?: boolean;
}

const NAME_RE = /^[^/\\\s~][^/\\]{0,127}$/;

export class OrganisationService {
  private adminOrgId: string | undefined;

  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
  ) {}

  async findByName(name: string): Promise<Doc | undefined> {
    const owner = await this.store.uniqueOwner('organisation.name', name);
    return owner ? this.store.get('organisation', owner) : undefined;
  }

  /** The organisation by id or name, without visibility check (internal use). */
  async resolve(idOrName: string): Promise<Doc | undefined> {
    if (idOrName.startsWith('~')) return this.store.get('organisation', idOrName);
    return this.findByName(idOrName);
  }

  async adminOrg(): Promise<Doc> {
    if (this.adminOrgId) {
      const d = await this.store.get('organisation', this.adminOrgId);
      if (d) return d;
    }
    const d = await this.findByName(ADMIN_ORG);
    if (!d) throw new Error('The admin organisation is missing; bootstrap did not run');
    this.adminOrgId = d._id;
    return d;
  }

  /** The organisation if the actor may see it: its own, a linked one, or any for admins. */
  async get(actor: Actor, idOrName: string): Promise<Doc> {
    const doc = await this.resolve(idOrName);
    if (!doc || !(actor.inAdminOrg || actor.platformPermissions.has('manageOrganisation') || canSee(actor, doc))) {
      throw new NotFoundError(`Organisation ${idOrName} not found`);
    }
    return doc;
  }

  async create(actor: Actor, input: OrgInput): Promise<Doc> {
    requireAdmin(actor, 'manageOrganisation');
    return this.createUnchecked(actor, input);
  }

  /** Creates an organisation without a permission check (bootstrap only). */
  async createUnchecked(actor: Actor, input: OrgInput): Promise<Doc> {
    if (!NAME_RE.test(input.name)) throw new BadRequestError(`Invalid organisation name "${input.name}"`);
    const id = this.store.newId();
    const admin = input.name === ADMIN_ORG ? undefined : await this.adminOrg();
    const doc = {
      _id: id,
      _type: 'organisation',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      _orgs: admin ? [id, admin._id] : [id],
      _parents: {},
      name: input.name,
      description: input.description,
      taskRule: input.taskRule ?? 'manual',
      observableRule: input.observableRule ?? 'manual',
      locked: input.locked ?? false,
      links: [] as Array<{ orgId: string; linkType: string; otherLinkType: string }>,
    };
    try {
      const [, created] = await this.audit.commit([
        { op: 'claim', scope: 'organisation.name', key: input.name, owner: id },
        { op: 'insert', doc },
        this.audit.op(actor, 'create', doc),
      ]);
      return created as Doc;
    } catch (e) {
      if ((e as { type?: string }).type === 'ConflictError') throw new CreateError(`Organisation ${input.name} already exists`);
      throw e;
    }
  }

  async update(actor: Actor, idOrName: string, patch: Partial<OrgInput> & { avatar?: string }): Promise<void> {
    const doc = await this.get(actor, idOrName);
    const isOwnOrgAdmin = doc._id === actor.orgId && actor.permissions.has('manageConfig');
    if (!actor.platformPermissions.has('manageOrganisation') && !isOwnOrgAdmin) {
      throw new AuthorizationError('You may not change this organisation');
    }
    if (doc.name === ADMIN_ORG && patch.name !== undefined && patch.name !== ADMIN_ORG) throw new BadRequestError('The admin organisation cannot be renamed');
    const ops: BatchOp[] = [];
    const changes: Record<string, unknown> = {};
    for (const k of ['description', 'taskRule', 'observableRule', 'locked', 'avatar'] as const) if (patch[k] !== undefined) changes[k] = patch[k];
    if (patch.name !== undefined && patch.name !== doc.name) {
      if (!NAME_RE.test(patch.name)) throw new BadRequestError(`Invalid organisation name "${patch.name}"`);
      changes.name = patch.name;
      ops.push(
        { op: 'claim', scope: 'organisation.name', key: patch.name, owner: doc._id },
        { op: 'release', scope: 'organisation.name', key: String(doc.name) },
      );
    }
    ops.push({ op: 'update', type: 'organisation', id: doc._id, patch: changes, by: actor.login }, this.audit.op(actor, 'update', doc, changes));
    try {
      await this.audit.commit(ops);
    } catch (e) {
      if ((e as { type?: string }).type === 'ConflictError') throw new BadRequestError(`Organisation ${String(patch.name)} already exists`);
      throw e;
    }
  }

  /** Links two organisations both ways, so they may share with each other. */
  async link(actor: Actor, fromIdOrName: string, toIdOrName: string, linkType = 'default', otherLinkType = 'default'): Promise<void> {
    requireAdmin(actor, 'manageOrganisation');
    const a = await this.get(actor, fromIdOrName);
    const b = await this.get(actor, toIdOrName);
    if (a._id === b._id) throw new BadRequestError('An organisation cannot be linked to itself');
    const setLink = (from: Doc, to: Doc, lt: string, olt: string): BatchOp => {
      const links = ((from.links as Array<{ orgId: string; linkType: string; otherLinkType: string }>) ?? []).filter((l) => l.orgId !== to._id);
      links.push({ orgId: to._id, linkType: lt, otherLinkType: olt });
      const orgs = [...new Set([...from._orgs, to._id])];
      return { op: 'update', type: 'organisation', id: from._id, patch: { links, _orgs: orgs }, by: actor.login };
    };
    await this.audit.commit([
      setLink(a, b, linkType, otherLinkType),
      setLink(b, a, otherLinkType, linkType),
      this.audit.op(actor, 'update', a, { link: b.name }),
    ]);
  }

  async unlink(actor: Actor, fromIdOrName: string, toIdOrName: string): Promise<void> {
    requireAdmin(actor, 'manageOrganisation');
    const a = await this.get(actor, fromIdOrName);
    const b = await this.get(actor, toIdOrName);
    const drop = (from: Doc, to: Doc): BatchOp => ({
      op: 'update',
      type: 'organisation',
      id: from._id,
      patch: {
        links: ((from.links as Array<{ orgId: string }>) ?? []).filter((l) => l.orgId !== to._id),
        _orgs: from._orgs.filter((o) => o !== to._id),
      },
      by: actor.login,
    });
    await this.audit.commit([drop(a, b), drop(b, a), this.audit.op(actor, 'update', a, { unlink: b.name })]);
  }

  async links(actor: Actor, idOrName: string): Promise<Array<{ linkType: string; otherLinkType: string; organisation: Record<string, unknown> }>> {
    const doc = await this.get(actor, idOrName);
    let links = (doc.links as Array<{ orgId: string; linkType: string; otherLinkType: string }>) ?? [];
    // the links of a linked organisation: only those to organisations the actor's one sees, so that
    // linking does not tell who else that organisation works with
    const all = actor.via === 'system' || actor.inAdminOrg || actor.platformPermissions.has('manageOrganisation') || doc._id === actor.orgId;
    if (!all) {
      const seen: typeof links = [];
      for (const l of links) if (l.orgId === actor.orgId || (await this.isLinked(actor.orgId, l.orgId))) seen.push(l);
      links = seen;
    }
    const orgs = await this.store.getMany(
      'organisation',
      links.map((l) => l.orgId),
    );
    return links.flatMap((l) => {
      const o = orgs.find((x) => x._id === l.orgId);
      return o ? [{ linkType: l.linkType, otherLinkType: l.otherLinkType, organisation: this.render(o) }] : [];
    });
  }

  /**
   * `PUT /organisation/{id}/links`: the organisation ends up linked with exactly `wanted`. The
   * permission is checked first, so that a request changing nothing is refused all the same.
   */
  async setLinks(actor: Actor, idOrName: string, wanted: Array<{ toOrganisation: string; linkType: string; otherLinkType: string }>): Promise<void> {
    requireAdmin(actor, 'manageOrganisation');
    const current = await this.links(actor, idOrName);
    for (const c of current) {
      if (!wanted.some((w) => w.toOrganisation === c.organisation.name || w.toOrganisation === c.organisation._id)) {
        await this.unlink(actor, idOrName, String(c.organisation._id));
      }
    }
    for (const w of wanted) await this.link(actor, idOrName, w.toOrganisation, w.linkType, w.otherLinkType);
  }

  /** Whether `orgId` is linked to the actor's organisation (so the actor may share with it). */
  async isLinked(fromOrgId: string, toOrgId: string): Promise<boolean> {
    const from = await this.store.get('organisation', fromOrgId);
    return ((from?.links as Array<{ orgId: string }>) ?? []).some((l) => l.orgId === toOrgId);
  }

  async list(actor: Actor): Promise<Doc[]> {
    const where = actor.inAdminOrg ? q.true() : q.visible([actor.orgId]);
    const r = await this.store.query({ entity: 'organisation', where, sort: [{ field: 'name', dir: 'asc' }], output: { kind: 'rows', from: 0, to: 10000 } });
    return r.kind === 'rows' ? r.rows : [];
  }

  render(doc: Doc): Record<string, unknown> {
    const out: Record<string, unknown> = {
      ...systemFields(doc),
      name: doc.name,
      description: doc.description,
      taskRule: doc.taskRule ?? 'manual',
      observableRule: doc.observableRule ?? 'manual',
      locked: doc.locked === true,
      extraData: {},
    };
    if (doc.avatar) out.avatar = doc.avatar;
    return out;
  }
}
