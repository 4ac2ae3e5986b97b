/**
 * Runs TheHive Query API chains. Each step narrows an IR query; the organisation visibility
 * filter is added here, in the service layer, at every entity the chain touches (including
 * the parents a traversal goes through), so no chain can reach what the caller may not see.
 * Domain modules register their sources (`listCase`, `getCase`), traversals (`case -> tasks`),
 * renderers and extraData providers.
 */
import type { Actor } from './actor.js';
import type { Doc, EntityStore } from '../storage/entity-store.js';
import type { Expr, Query, SortKey } from '../query/ir.js';
import { q } from '../query/ir.js';
import type { ParsedQuery, ParseLimits } from '../query/thehive-parser.js';
import { parseQueryBody } from '../query/thehive-parser.js';
import { BadRequestError, SearchError } from '../errors/errors.js';
import { visibleTo } from './policy.js';

export interface SourceDef {
  entity: string;
  /** Visibility (and base filter) for the actor; defaults to the organisation visibility. */
  where?: (actor: Actor) => Expr | Promise<Expr>;
  /** For `getX`: resolves `idOrName` to the document id(s); throw NotFound or return [] when invisible. */
  resolve?: (actor: Actor, idOrName: string) => Promise<string[]>;
}

export type TraversalDef =
  | {
      /** The entity reached. */
      entity: string;
      /** `child`: the reached entity has the previous one as parent `relation`; `parent`: the opposite. */
      direction: 'child' | 'parent';
      relation: string;
      where?: (actor: Actor) => Expr | Promise<Expr>;
    }
  | {
      entity: string;
      /** Many-to-many links kept as id lists: the chain so far is run (with its page) and `resolveIds` maps its documents to the ids reached. */
      direction: 'ids';
      resolveIds: (actor: Actor, from: Doc[]) => Promise<string[]>;
      where?: (actor: Actor) => Expr | Promise<Expr>;
    };

export type Renderer = (doc: Doc, actor: Actor) => Record<string, unknown> | Promise<Record<string, unknown>>;
export type ExtraDataProvider = (docs: Doc[], actor: Actor) => Promise<Map<string, unknown>>;

interface State {
  entity: string;
  where: Expr;
  sort: SortKey[];
  page?: { from: number; to: number; extraData: string[] };
  count: boolean;
  aggregation?: import('../query/thehive-aggs.js').TheHiveAgg;
}

export class QueryService {
  private readonly sources = new Map<string, SourceDef>();
  private readonly traversals = new Map<string, TraversalDef>();
  private readonly renderers = new Map<string, Renderer>();
  private readonly extraData = new Map<string, ExtraDataProvider>();
  private readonly fieldAliases = new Map<string, Record<string, string>>();

  constructor(
    private readonly store: EntityStore,
    private readonly limits: ParseLimits,
  ) {}

  registerSource(name: string, def: SourceDef): void {
    this.sources.set(name, def);
  }
  /** `from` is the entity the chain is on, `name` the operation (e.g. `case`, `tasks`). */
  registerTraversal(from: string, name: string, def: TraversalDef): void {
    this.traversals.set(`${from}.${name}`, def);
  }
  registerRenderer(entity: string, r: Renderer): void {
    this.renderers.set(entity, r);
  }
  registerExtraData(entity: string, name: string, p: ExtraDataProvider): void {
    this.extraData.set(`${entity}.${name}`, p);
  }
  /** API field names that are stored under another name (e.g. comment `createdBy` -> `_createdBy`). */
  registerFieldAliases(entity: string, aliases: Record<string, string>): void {
    this.fieldAliases.set(entity, aliases);
  }

  renderer(entity: string): Renderer {
    const r = this.renderers.get(entity);
    if (!r) throw new Error(`No renderer for ${entity}`);
    return r;
  }

  private async visibility(actor: Actor, def: { where?: (a: Actor) => Expr | Promise<Expr> }): Promise<Expr> {
    return def.where ? await def.where(actor) : visibleTo(actor);
  }

  private alias(entity: string, e: Expr): Expr {
    const map = this.fieldAliases.get(entity);
    if (!map) return e;
    const f = (field: string) => map[field] ?? field;
    const walk = (x: Expr): Expr => {
      switch (x.kind) {
        case 'and':
        case 'or':
          return { ...x, items: x.items.map(walk) };
        case 'not':
          return { ...x, item: walk(x.item) };
        case 'compare':
        case 'between':
        case 'in':
        case 'like':
        case 'match':
        case 'has':
          return { ...x, field: f(x.field) };
        default:
          return x;
      }
    };
    return walk(e);
  }

  /** Parses and runs a Query API body; returns the JSON result and an optional total. */
  async run(actor: Actor, body: unknown): Promise<{ result: unknown; total?: number }> {
    const parsed = parseQueryBody(body, this.limits);
    return this.execute(actor, parsed);
  }

  async execute(actor: Actor, parsed: ParsedQuery): Promise<{ result: unknown; total?: number }> {
    let state: State | undefined;
    for (const step of parsed.steps) {
      switch (step.kind) {
        case 'source': {
          if (state) throw new BadRequestError(`${step.name} must start the query`);
          const def = this.sources.get(step.name);
          if (!def) throw new BadRequestError(`Unknown operation "${step.name}"`);
          let where = await this.visibility(actor, def);
          if (step.idOrName !== undefined) {
            if (!def.resolve) throw new BadRequestError(`${step.name} takes no idOrName`);
            const ids = await def.resolve(actor, step.idOrName).catch((e: unknown) => {
              if ((e as { type?: string }).type === 'NotFoundError') return [] as string[];
              throw e;
            });
            where = q.and(where, ids.length ? q.in('_id', ids) : { kind: 'false' });
          }
          state = { entity: def.entity, where, sort: [], count: false };
          break;
        }
        case 'traverse': {
          if (!state) throw new BadRequestError(`${step.name} needs a source before it`);
          const def = this.traversals.get(`${state.entity}.${step.name}`);
          if (!def) throw new BadRequestError(`Unknown operation "${step.name}" after ${state.entity}`);
          const vis = await this.visibility(actor, def);
          if (def.direction === 'ids') {
            const from = state.page?.from ?? 0;
            const r = await this.store.query({
              entity: state.entity,
              where: state.where,
              sort: state.sort,
              output: { kind: 'rows', from, to: state.page?.to ?? from + this.limits.maxPageSize },
            });
            const ids = await def.resolveIds(actor, r.kind === 'rows' ? r.rows : []);
            state = { entity: def.entity, where: q.and(vis, ids.length ? q.in('_id', ids) : { kind: 'false' }), sort: [], count: false };
            break;
          }
          const link: Expr =
            def.direction === 'child'
              ? { kind: 'parent', relation: def.relation, parentType: state.entity, where: state.where }
              : { kind: 'child', childType: state.entity, relation: def.relation, where: state.where };
          state = { entity: def.entity, where: q.and(vis, link), sort: [], count: false };
          break;
        }
        case 'filter':
          if (!state) throw new BadRequestError('filter needs a source before it');
          state.where = q.and(state.where, this.alias(state.entity, step.expr));
          break;
        case 'sort':
          if (!state) throw new BadRequestError('sort needs a source before it');
          state.sort = step.keys.map((k) => ({ ...k, field: this.fieldAliases.get(state!.entity)?.[k.field] ?? k.field }));
          break;
        case 'page':
          if (!state) throw new BadRequestError('page needs a source before it');
          state.page = step;
          break;
        case 'count':
          if (!state) throw new BadRequestError('count needs a source before it');
          state.count = true;
          break;
        case 'aggregation':
          if (!state) throw new BadRequestError('aggregation needs a source before it');
          state.aggregation = step.agg;
          break;
      }
    }
    if (!state) throw new BadRequestError('The query has no source');
    const base: Omit<Query, 'output'> = { entity: state.entity, where: state.where, sort: state.sort };
    try {
      if (state.aggregation) {
        // the visibility node is already in state.where, as for rows and counts
        const r = await this.store.query({ ...base, output: { kind: 'aggregate', aggs: [state.aggregation.agg] } });
        return { result: state.aggregation.render(r.kind === 'aggregate' ? r.result : {}) };
      }
      if (state.count) {
        const r = await this.store.query({ ...base, output: { kind: 'count' } });
        return { result: r.kind === 'count' ? r.count : 0 };
      }
      const from = state.page?.from ?? 0;
      const to = state.page?.to ?? from + this.limits.maxPageSize;
      const r = await this.store.query({ ...base, output: { kind: 'rows', from, to } });
      const rows = r.kind === 'rows' ? r.rows : [];
      const render = this.renderer(state.entity);
      const rendered: Array<Record<string, unknown>> = [];
      for (const d of rows) rendered.push(await render(d, actor));
      const extras = state.page?.extraData ?? [];
      for (const name of extras) {
        const p = this.extraData.get(`${state.entity}.${name}`);
        if (!p) continue;
        const values = await p(rows, actor);
        rendered.forEach((o, i) => {
          const ed = (o.extraData as Record<string, unknown>) ?? {};
          ed[name] = values.get(rows[i]!._id) ?? null;
          o.extraData = ed;
        });
      }
      let total: number | undefined;
      if (extras.includes('total')) {
        const c = await this.store.query({ ...base, output: { kind: 'count' } });
        total = c.kind === 'count' ? c.count : undefined;
      }
      if (parsed.excludeFields.length) for (const o of rendered) for (const f of parsed.excludeFields) delete o[f];
      return { result: rendered, ...(total !== undefined ? { total } : {}) };
    } catch (e) {
      if (e instanceof SearchError || (e as { status?: number }).status) throw e;
      throw e;
    }
  }
}
