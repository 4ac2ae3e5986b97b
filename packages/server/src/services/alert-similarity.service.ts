/**
 * Similarity: where the observables of an alert (or one observable) also appear. Served
 * from the index on the observable `data` column (and `attachmentHash` for files): one IN
 * query per chunk of values, never a scan. Two observables are similar when they have the
 * same dataType and data (or file hash), neither has `ignoreSimilarity`, and the other one
 * is visible to the actor (organisation, sharing and restriction rules of `visibleTo`).
 */
import type { Actor } from './actor.js';
import type { Doc, EntityStore } from '../storage/entity-store.js';
import type { Expr } from '../query/ir.js';
import type { AlertService } from './alert.service.js';
import type { CaseService } from './case.service.js';
import type { ObservableService } from './observable.service.js';
import { q } from '../query/ir.js';
import { canSee, visibleTo } from './policy.js';
import { observableKey } from './case.service.js';

/** Most similar observables read for one lookup: a value seen everywhere must not load the database. */
export const MAX_SIMILAR_MATCHES = 10_000;
const CHUNK = 500;
/** Similar cases listed per alert (the most similar first are kept). */
export const MAX_SIMILAR_CASES = 100;

export interface SimilarStats {
  similarObservableCount: number;
  similarIocCount: number;
  observableTypes: Record<string, number>;
}

export interface SimilarCase extends SimilarStats {
  case: Record<string, unknown>;
  observableCount: number;
  iocCount: number;
}

export interface SimilarAlert extends SimilarStats {
  alert: Record<string, unknown>;
  observableCount: number;
  iocCount: number;
}

export interface ObservableSightings {
  /** Similar observables visible to the actor, and how many of them are IOCs. */
  observableCount: number;
  iocCount: number;
  cases: Array<{ case: Record<string, unknown>; similarObservableCount: number; similarIocCount: number }>;
  alerts: Array<{ alert: Record<string, unknown>; similarObservableCount: number; similarIocCount: number }>;
}

const similarityOn = (d: Doc): boolean => d.ignoreSimilarity !== true;

/** The IN-query conditions matching `sources` by data, and by file hash for files. */
export function matchConditions(sources: readonly Doc[]): Expr[] {
  const datas = [...new Set(sources.filter((o) => typeof o.data === 'string').map((o) => String(o.data)))];
  const hashes = [...new Set(sources.filter((o) => o.data === undefined && typeof o.attachmentHash === 'string').map((o) => String(o.attachmentHash)))];
  const out: Expr[] = [];
  for (let i = 0; i < datas.length; i += CHUNK) out.push(q.in('data', datas.slice(i, i + CHUNK)));
  for (let i = 0; i < hashes.length; i += CHUNK) out.push(q.in('attachmentHash', hashes.slice(i, i + CHUNK)));
  return out;
}

export class AlertSimilarityService {
  constructor(
    private readonly store: EntityStore,
    private readonly alerts: AlertService,
    private readonly cases: CaseService,
    private readonly observables: ObservableService,
  ) {}

  /** Visible observables sharing a key with `sources`, except `sources` themselves unless `keepSources`. */
  private async matches(actor: Actor, sources: readonly Doc[], scope?: Expr, keepSources = false): Promise<Doc[]> {
    const keys = new Set(sources.filter(similarityOn).map(observableKey));
    if (keys.size === 0) return [];
    const own = new Set(keepSources ? [] : sources.map((s) => s._id));
    const out = new Map<string, Doc>();
    for (const cond of matchConditions(sources.filter(similarityOn))) {
      if (out.size >= MAX_SIMILAR_MATCHES) break;
      const where = q.and(cond, ...(scope ? [scope] : []), visibleTo(actor));
      const r = await this.store.query({ entity: 'observable', where, sort: [], output: { kind: 'rows', from: 0, to: MAX_SIMILAR_MATCHES - out.size } });
      for (const d of r.kind === 'rows' ? r.rows : []) {
        if (own.has(d._id) || !similarityOn(d) || !keys.has(observableKey(d)) || !canSee(actor, d)) continue;
        out.set(d._id, d);
      }
    }
    return [...out.values()];
  }

  /**
   * The observables of alert `alertId` that also appear in the case or alert `otherId`
   * (`GET /api/v1/alert/{alertId}/similar/{alertOrCaseId}/observables`); `[]` when none.
   * Throws NotFoundError when either is not visible.
   */
  async similarObservables(actor: Actor, alertId: string, otherId: string): Promise<Doc[]> {
    const alert = await this.alerts.resolve(actor, alertId);
    const other = await this.alertOrCase(actor, otherId);
    if (other._id === alert._id) return [];
    const mine = (await this.observables.listUnder('alert', alert._id)).filter(similarityOn);
    const found = await this.matches(actor, mine, q.parentId(other._type === 'case' ? 'case' : 'alert', other._id));
    const keys = new Set(found.map(observableKey));
    return mine.filter((o) => keys.has(observableKey(o)));
  }

  private async alertOrCase(actor: Actor, id: string): Promise<Doc> {
    if (id.startsWith('~')) {
      const alert = await this.store.get('alert', id);
      if (alert && alert._type === 'alert' && canSee(actor, alert)) return alert;
    }
    return this.cases.resolve(actor, id);
  }

  /** Per alert: its observables (only those taking part in similarity). */
  private async sourcesOf(alerts: readonly Doc[]): Promise<Map<string, Doc[]>> {
    const out = new Map<string, Doc[]>(alerts.map((a) => [a._id, []]));
    const ids = alerts.map((a) => a._id);
    for (let i = 0; i < ids.length; i += CHUNK) {
      const r = await this.store.query({
        entity: 'observable',
        where: q.parentId('alert', ...ids.slice(i, i + CHUNK)),
        sort: [],
        output: { kind: 'rows', from: 0, to: 10_000_000 },
      });
      for (const d of r.kind === 'rows' ? r.rows : []) if (similarityOn(d)) out.get(String(d._parents.alert))?.push(d);
    }
    return out;
  }

  /** Groups the matches of each alert by the parent (`case` or `alert`) they belong to. */
  private async grouped(actor: Actor, alerts: readonly Doc[], relation: 'case' | 'alert'): Promise<Map<string, Map<string, SimilarStats>>> {
    const sources = await this.sourcesOf(alerts);
    const all = [...sources.values()].flat();
    // Alerts of one page may be similar to each other: their own observables stay in the
    // matches, and each alert skips only its own below.
    const found = await this.matches(actor, all, undefined, true);
    const byKey = new Map<string, Doc[]>();
    for (const m of found) {
      if (!m._parents[relation]) continue;
      const k = observableKey(m);
      byKey.set(k, [...(byKey.get(k) ?? []), m]);
    }
    const out = new Map<string, Map<string, SimilarStats>>();
    for (const a of alerts) {
      const groups = new Map<string, SimilarStats>();
      const counted = new Set<string>();
      for (const src of sources.get(a._id) ?? []) {
        for (const m of byKey.get(observableKey(src)) ?? []) {
          const parent = m._parents[relation]!;
          if (relation === 'alert' && parent === a._id) continue;
          if (counted.has(m._id)) continue;
          counted.add(m._id);
          const g = groups.get(parent) ?? { similarObservableCount: 0, similarIocCount: 0, observableTypes: {} };
          g.similarObservableCount++;
          if (m.ioc === true) g.similarIocCount++;
          const t = String(m.dataType);
          g.observableTypes[t] = (g.observableTypes[t] ?? 0) + 1;
          groups.set(parent, g);
        }
      }
      out.set(a._id, groups);
    }
    return out;
  }

  /** Visible observable and IOC totals under a case or an alert. */
  private async totals(actor: Actor, relation: 'case' | 'alert', id: string): Promise<{ observableCount: number; iocCount: number }> {
    const count = async (extra: Expr[]) => {
      const r = await this.store.query({
        entity: 'observable',
        where: q.and(q.parentId(relation, id), ...extra, visibleTo(actor)),
        sort: [],
        output: { kind: 'count' },
      });
      return r.kind === 'count' ? r.count : 0;
    };
    return { observableCount: await count([]), iocCount: await count([q.eq('ioc', true)]) };
  }

  /**
   * Query API extraData `similarCases`: per alert, the visible cases sharing observables with
   * it, with counts, newest case first, then most similar observables, then most similar IOCs.
   */
  async similarCases(actor: Actor, alerts: readonly Doc[]): Promise<Map<string, SimilarCase[]>> {
    const grouped = await this.grouped(actor, alerts, 'case');
    // Known infrastructure can appear in thousands of cases: each alert lists the
    // MAX_SIMILAR_CASES most similar ones (most shared observables, then IOCs), as TheHive's "99+".
    for (const [alertId, groups] of grouped) {
      if (groups.size <= MAX_SIMILAR_CASES) continue;
      const top = [...groups]
        .sort(([, x], [, y]) => y.similarObservableCount - x.similarObservableCount || y.similarIocCount - x.similarIocCount)
        .slice(0, MAX_SIMILAR_CASES);
      grouped.set(alertId, new Map(top));
    }
    const caseIds = [...new Set([...grouped.values()].flatMap((g) => [...g.keys()]))];
    const docs = new Map((await this.store.getMany('case', caseIds)).filter((c) => canSee(actor, c)).map((c) => [c._id, c]));
    const totals = new Map<string, { observableCount: number; iocCount: number }>();
    for (const id of docs.keys()) totals.set(id, await this.totals(actor, 'case', id));
    const out = new Map<string, SimilarCase[]>();
    for (const [alertId, groups] of grouped) {
      const list: Array<SimilarCase & { at: number }> = [];
      for (const [caseId, stats] of groups) {
        const c = docs.get(caseId);
        if (!c) continue;
        list.push({ case: this.cases.render(c), ...stats, ...totals.get(caseId)!, at: c._createdAt });
      }
      list.sort((x, y) => y.at - x.at || y.similarObservableCount - x.similarObservableCount || y.similarIocCount - x.similarIocCount);
      out.set(
        alertId,
        list.map(({ at: _at, ...rest }) => ({
          case: rest.case,
          similarObservableCount: rest.similarObservableCount,
          observableCount: rest.observableCount,
          similarIocCount: rest.similarIocCount,
          iocCount: rest.iocCount,
          observableTypes: rest.observableTypes,
        })),
      );
    }
    return out;
  }

  /** Query API extraData `similarAlerts`: per alert, the other visible alerts sharing observables with it. */
  async similarAlerts(actor: Actor, alerts: readonly Doc[]): Promise<Map<string, SimilarAlert[]>> {
    const grouped = await this.grouped(actor, alerts, 'alert');
    const ids = [...new Set([...grouped.values()].flatMap((g) => [...g.keys()]))];
    const docs = new Map((await this.store.getMany('alert', ids)).filter((a) => canSee(actor, a)).map((a) => [a._id, a]));
    const rendered = new Map<string, { doc: Record<string, unknown>; observableCount: number; iocCount: number }>();
    for (const [id, d] of docs) {
      const t = await this.totals(actor, 'alert', id);
      rendered.set(id, { doc: this.alerts.renderWith(d, t.observableCount), ...t });
    }
    const out = new Map<string, SimilarAlert[]>();
    for (const [alertId, groups] of grouped) {
      const list: Array<SimilarAlert & { at: number }> = [];
      for (const [id, stats] of groups) {
        const r = rendered.get(id);
        if (!r) continue;
        list.push({
          alert: r.doc,
          similarObservableCount: stats.similarObservableCount,
          observableCount: r.observableCount,
          similarIocCount: stats.similarIocCount,
          iocCount: r.iocCount,
          observableTypes: stats.observableTypes,
          at: docs.get(id)!._createdAt,
        });
      }
      list.sort((x, y) => y.at - x.at || y.similarObservableCount - x.similarObservableCount || y.similarIocCount - x.similarIocCount);
      out.set(
        alertId,
        list.map(({ at: _at, ...rest }) => rest),
      );
    }
    return out;
  }

  /**
   * Where one observable's data appears (`GET /api/v1/observable/{id}/similar`, for the alert
   * preview): the visible cases and alerts holding a similar observable, with counts.
   */
  async sightings(actor: Actor, observableId: string): Promise<ObservableSightings> {
    const obs = await this.observables.get(actor, observableId);
    const found = await this.matches(actor, [obs]);
    const tally = (relation: 'case' | 'alert') => {
      const m = new Map<string, { n: number; ioc: number }>();
      for (const d of found) {
        const p = d._parents[relation];
        if (!p) continue;
        const t = m.get(p) ?? { n: 0, ioc: 0 };
        t.n++;
        if (d.ioc === true) t.ioc++;
        m.set(p, t);
      }
      return m;
    };
    const caseTally = tally('case');
    const alertTally = tally('alert');
    const caseDocs = (await this.store.getMany('case', [...caseTally.keys()])).filter((c) => canSee(actor, c)).sort((x, y) => y._createdAt - x._createdAt);
    const alertDocs = (await this.store.getMany('alert', [...alertTally.keys()])).filter((a) => canSee(actor, a)).sort((x, y) => y._createdAt - x._createdAt);
    const alerts = [];
    for (const a of alertDocs) {
      alerts.push({ alert: await this.alerts.render(a), similarObservableCount: alertTally.get(a._id)!.n, similarIocCount: alertTally.get(a._id)!.ioc });
    }
    return {
      observableCount: found.length,
      iocCount: found.filter((d) => d.ioc === true).length,
      cases: caseDocs.map((c) => ({ case: this.cases.render(c), similarObservableCount: caseTally.get(c._id)!.n, similarIocCount: caseTally.get(c._id)!.ioc })),
      alerts,
    };
  }
}
