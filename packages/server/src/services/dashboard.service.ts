/**
 * Dashboards (issue 6): CRUD, export and import as portable JSON, the default dashboards of
 * every organisation, and the statistics their widgets show. Access rules are in policy.ts
 * (private: the owner's alone; shared: the organisation's, changed with `manageDashboard`).
 * Widget statistics are IR aggregations run with the caller's visibility, so no widget counts
 * what the caller's organisation may not see.
 */
import type { Actor } from './actor.js';
import { systemActor } from './actor.js';
import type { Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { EventBus } from './events.js';
import type { AggValue } from '../query/ir.js';
import { q } from '../query/ir.js';
import type { ParseLimits } from '../query/thehive-parser.js';
import { assertCanEditDashboard, assertVisible, dashboardAccess, requireDashboardCreate, visibleTo } from './policy.js';
import { BadRequestError } from '../errors/errors.js';
import { compileWidgetQuery, parseDefinition, type Definition } from './dashboard-definition.js';
import { DEFAULT_DASHBOARDS } from './default-dashboards.js';
import { ADMIN_ORG } from '../auth/permissions.js';
import { systemFields } from './render.js';
import type { QueryService } from './query.service.js';

export type DashboardStatus = 'Private' | 'Shared';

export interface DashboardInput {
  title: string;
  description?: string;
  status?: string;
  definition?: unknown;
}

/** The portable form of a dashboard: no ids, organisations or users. */
export interface DashboardExport {
  format: 'waggle-dashboard';
  version: 1;
  title: string;
  description: string;
  status: DashboardStatus;
  definition: Definition;
}

/** The result of one widget: its id, type and aggregation result (text widgets have none). */
export interface WidgetResult {
  id: string;
  type: string;
  period?: { from: number; to: number };
  result?: AggValue;
}

/** TheHive 3/4 used `Private`/`Shared`; lower case is accepted too. */
export function parseStatus(v: unknown, fallback: DashboardStatus = 'Private'): DashboardStatus {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string' && v.toLowerCase() === 'private') return 'Private';
  if (typeof v === 'string' && v.toLowerCase() === 'shared') return 'Shared';
  throw new BadRequestError(`status: must be "Private" or "Shared"; got ${JSON.stringify(v).slice(0, 40)}`);
}

const SYSTEM_LOGIN = 'system@thehive.local';

export class DashboardService {
  /** Organisations whose default dashboards were checked since start. */
  private readonly defaultsDone = new Set<string>();

  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly limits: ParseLimits,
    bus?: EventBus,
  ) {
    // a new organisation gets the default dashboards once its creation is committed
    bus?.subscribe((a) => {
      if (a.objectType !== 'Organisation' || a.operation !== 'create' || typeof a.objectId !== 'string') return;
      const id = a.objectId;
      this.store
        .get('organisation', id)
        .then((org) => (org ? this.ensureDefaults(id, String(org.name)) : undefined))
        .catch(() => undefined); // retried at the next start and at the organisation's first dashboard list
    });
  }

  /** The dashboard by id if the actor may see it (tenant, then private owner), else NotFoundError. */
  async get(actor: Actor, id: string): Promise<Doc> {
    const doc = /^~\d+$/.test(id) ? await this.store.get('dashboard', id) : undefined;
    return assertVisible(actor, doc?._type === 'dashboard' ? doc : undefined, 'Dashboard', id);
  }

  /** The dashboards the actor sees, by title. */
  async list(actor: Actor): Promise<Doc[]> {
    await this.ensureDefaults(actor.orgId, actor.orgName);
    const r = await this.store.query({
      entity: 'dashboard',
      where: visibleTo(actor),
      sort: [{ field: 'title', dir: 'asc' }],
      output: { kind: 'rows', from: 0, to: 10_000 },
    });
    return r.kind === 'rows' ? r.rows : [];
  }

  private build(
    actor: Actor,
    input: DashboardInput,
    status: DashboardStatus,
    definition: Definition,
    owner = actor.login,
    extra: Record<string, unknown> = {},
  ): NewDoc {
    if (typeof input.title !== 'string' || input.title.trim() === '' || input.title.length > 512) {
      throw new BadRequestError('title: must be a non-empty string of at most 512 characters');
    }
    if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 10_000)) {
      throw new BadRequestError('description: must be a string of at most 10000 characters');
    }
    return {
      _id: this.store.newId(),
      _type: 'dashboard',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      _parents: {},
      ...dashboardAccess(actor, status, owner),
      title: input.title,
      description: input.description ?? '',
      status,
      owner,
      definition,
      ...extra,
    };
  }

  async create(actor: Actor, input: DashboardInput): Promise<Doc> {
    const status = parseStatus(input.status);
    requireDashboardCreate(actor, status);
    const definition = parseDefinition(input.definition ?? { widgets: [] }, this.limits);
    const doc = this.build(actor, input, status, definition);
    const [created] = await this.audit.commit([{ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { title: doc.title, status })]);
    return created as Doc;
  }

  async update(actor: Actor, id: string, input: Partial<DashboardInput>): Promise<Doc> {
    const newStatus = input.status === undefined ? undefined : parseStatus(input.status);
    const doc = assertCanEditDashboard(actor, await this.get(actor, id), id, newStatus);
    const patch: Record<string, unknown> = {};
    if (input.title !== undefined) {
      if (typeof input.title !== 'string' || input.title.trim() === '' || input.title.length > 512) {
        throw new BadRequestError('title: must be a non-empty string of at most 512 characters');
      }
      patch.title = input.title;
    }
    if (input.description !== undefined) {
      if (typeof input.description !== 'string' || input.description.length > 10_000) {
        throw new BadRequestError('description: must be a string of at most 10000 characters');
      }
      patch.description = input.description;
    }
    if (input.definition !== undefined) patch.definition = parseDefinition(input.definition, this.limits);
    if (newStatus !== undefined && newStatus !== doc.status) {
      patch.status = newStatus;
      const access = dashboardAccess(actor, newStatus, String(doc.owner));
      patch._restrictedTo = access._restrictedTo ?? null;
    }
    if (Object.keys(patch).length === 0) return doc;
    const after = { ...doc, ...patch, _restrictedTo: patch._restrictedTo === undefined ? doc._restrictedTo : (patch._restrictedTo ?? undefined) };
    const [updated] = await this.audit.commit([
      { op: 'update', type: 'dashboard', id: doc._id, patch, by: actor.login },
      this.audit.op(actor, 'update', after, { ...patch, definition: undefined, _restrictedTo: undefined }),
    ]);
    return updated as Doc;
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const doc = assertCanEditDashboard(actor, await this.get(actor, id), id);
    await this.audit.commit([{ op: 'delete', type: 'dashboard', id: doc._id }, this.audit.op(actor, 'delete', doc, { title: doc.title })]);
  }

  /** The portable JSON of a dashboard the actor sees. */
  async export(actor: Actor, id: string): Promise<DashboardExport> {
    const doc = await this.get(actor, id);
    return {
      format: 'waggle-dashboard',
      version: 1,
      title: String(doc.title),
      description: String(doc.description ?? ''),
      status: doc.status === 'Shared' ? 'Shared' : 'Private',
      definition: doc.definition as Definition,
    };
  }

  /**
   * Creates a dashboard from an export (this instance's or another's), owned by the actor.
   * Accepts the export object, or TheHive's `{title, description, status, definition}` with the
   * definition as a JSON string; `status` defaults to Private.
   */
  async import(actor: Actor, body: unknown): Promise<Doc> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('The body must be an exported dashboard (JSON object)');
    const b = body as Record<string, unknown>;
    if (b.format !== undefined && b.format !== 'waggle-dashboard') {
      throw new BadRequestError(`format: must be "waggle-dashboard"; got ${JSON.stringify(b.format).slice(0, 40)}`);
    }
    if (b.version !== undefined && b.version !== 1) throw new BadRequestError('version: only version 1 is supported');
    return this.create(actor, {
      title: b.title as string,
      description: b.description as string | undefined,
      status: b.status as string | undefined,
      definition: b.definition,
    });
  }

  /** Runs one widget query (the stats endpoint body: entity, filter, period, dateField, timeZone, aggregation). */
  async stats(actor: Actor, body: unknown, now = Date.now()): Promise<{ entity: string; period?: { from: number; to: number }; result: AggValue }> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestError('The body must be {entity, filter?, period?, dateField?, timeZone?, aggregation}');
    }
    const w = compileWidgetQuery(body as Record<string, unknown>, '', this.limits, now);
    const result = await this.run(actor, w.entity, w.where, w.agg);
    return { entity: (body as Record<string, unknown>).entity as string, ...(w.period ? { period: w.period } : {}), result };
  }

  /** The results of every widget of a dashboard the actor sees. */
  async widgets(actor: Actor, id: string, now = Date.now()): Promise<WidgetResult[]> {
    const doc = await this.get(actor, id);
    const def = doc.definition as Definition;
    const out: WidgetResult[] = [];
    for (const [i, w] of (def.widgets ?? []).entries()) {
      if (w.type === 'text') {
        out.push({ id: w.id, type: w.type });
        continue;
      }
      const wq = compileWidgetQuery(w as unknown as Record<string, unknown>, `widgets[${i}]`, this.limits, now, def);
      out.push({ id: w.id, type: w.type, ...(wq.period ? { period: wq.period } : {}), result: await this.run(actor, wq.entity, wq.where, wq.agg) });
    }
    return out;
  }

  private async run(actor: Actor, entity: string, where: import('../query/ir.js').Expr, agg: import('../query/ir.js').Agg): Promise<AggValue> {
    const r = await this.store.query({ entity, where: q.and(visibleTo(actor), where), sort: [], output: { kind: 'aggregate', aggs: [agg] } });
    return r.kind === 'aggregate' ? (r.result[agg.name] ?? null) : null;
  }

  /**
   * Creates the default dashboards of an organisation that lacks them (idempotent: each is
   * claimed once per organisation, so a deleted default stays deleted). The admin organisation
   * holds no case data and gets none.
   */
  async ensureDefaults(orgId: string, orgName: string): Promise<void> {
    if (this.defaultsDone.has(orgId) || orgName === ADMIN_ORG || !orgId) return;
    const sys = { ...systemActor(orgId, orgName), login: SYSTEM_LOGIN };
    for (const d of DEFAULT_DASHBOARDS) {
      const doc = this.build(sys, { title: d.title, description: d.description }, 'Shared', d.definition, SYSTEM_LOGIN, { defaultKey: d.key });
      // written like bootstrap's built-in profiles: system data, no audit trail or stream event
      await this.store
        .batch([
          { op: 'claim', scope: 'dashboard.default', key: `${orgId}:${d.key}`, owner: doc._id },
          { op: 'insert', doc },
        ])
        .catch((e: unknown) => {
          if ((e as { type?: string }).type !== 'ConflictError') throw e; // already created
        });
    }
    this.defaultsDone.add(orgId);
  }

  /** Start-up: the default dashboards of every existing organisation. */
  async ensureDefaultsForAll(): Promise<void> {
    const r = await this.store.query({ entity: 'organisation', where: q.true(), sort: [], output: { kind: 'rows', from: 0, to: 100_000 } });
    for (const o of r.kind === 'rows' ? r.rows : []) await this.ensureDefaults(o._id, String(o.name));
  }

  /** TheHive's output shape, plus `writable` for the caller. */
  render(doc: Doc, actor?: Actor): Record<string, unknown> {
    let writable = false;
    if (actor) {
      try {
        assertCanEditDashboard(actor, doc, doc._id);
        writable = true;
      } catch {
        writable = false;
      }
    }
    return {
      ...systemFields(doc),
      title: doc.title,
      description: doc.description ?? '',
      status: doc.status,
      owner: doc.owner,
      definition: doc.definition,
      ...(doc.defaultKey ? { defaultKey: doc.defaultKey } : {}),
      writable,
    };
  }
}

/** Query API: `listDashboard` (what the caller sees: shared ones of the organisation and its own private ones) and `getDashboard`. */
export function registerDashboardQueries(query: QueryService, dashboards: DashboardService): void {
  query.registerSource('listDashboard', { entity: 'dashboard' });
  query.registerSource('getDashboard', { entity: 'dashboard', resolve: async (a, id) => [(await dashboards.get(a, id))._id] });
  query.registerRenderer('dashboard', (d, a) => dashboards.render(d, a));
}
