/**
 * Links between cases: explicit links (to another case or to a URL, with a free type) stored
 * on the case, and implicit ones through shared observables (`/case/{id}/links`, similar
 * observables). Linked cases are only ever shown when the actor can see them.
 */
import type { Actor } from './actor.js';
import type { Doc, EntityStore } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { CaseService } from './case.service.js';
import { observableKey } from './case.service.js';
import type { Expr } from '../query/ir.js';
import { q } from '../query/ir.js';
import { BadRequestError, NotFoundError } from '../errors/errors.js';
import { assertCan, assertVisible, canSee, visibleTo } from './policy.js';

export interface CaseLinkInput {
  type: string;
  caseId: string;
}

export interface UrlLinkInput {
  type: string;
  url: string;
}

interface StoredCaseLink {
  caseId: string;
  type: string;
}

interface StoredUrlLink {
  url: string;
  type: string;
}

const CHUNK = 500;
const MAX_ROWS = 100_000;

export class CaseLinkService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly cases: CaseService,
  ) {}

  private async rows(entity: string, where: Expr, to = MAX_ROWS): Promise<Doc[]> {
    const r = await this.store.query({ entity, where, sort: [{ field: '_createdAt', dir: 'asc' }], output: { kind: 'rows', from: 0, to } });
    return r.kind === 'rows' ? r.rows : [];
  }

  private async writable(actor: Actor, caseId: string): Promise<Doc> {
    return assertCan(actor, await this.cases.resolve(actor, caseId), 'Case', caseId, 'manageCase/update');
  }

  private async save(actor: Actor, doc: Doc, patch: Record<string, unknown>, details: Record<string, unknown>): Promise<void> {
    await this.audit.commit([
      { op: 'update', type: 'case', id: doc._id, patch, by: actor.login, expectedVersion: doc._version },
      this.audit.op(actor, 'update', doc, details),
    ]);
  }

  /** Links `caseId` to another visible case. Linking a case to itself is a 400. Idempotent. */
  async addCaseLink(actor: Actor, caseId: string, input: CaseLinkInput): Promise<void> {
    const doc = await this.writable(actor, caseId);
    const other = await this.cases.resolve(actor, input.caseId);
    if (other._id === doc._id) throw new BadRequestError('A case cannot be linked to itself');
    const links = (doc.links as StoredCaseLink[] | undefined) ?? [];
    if (links.some((l) => l.caseId === other._id && l.type === input.type)) return;
    await this.save(actor, doc, { links: [...links, { caseId: other._id, type: input.type }] }, { linkCase: other._id, type: input.type });
  }

  /** Removes the links of that type to that case (by id or number of a visible case, or the stored id). */
  async removeCaseLink(actor: Actor, caseId: string, input: CaseLinkInput): Promise<void> {
    const doc = await this.writable(actor, caseId);
    const other = await this.cases.resolve(actor, input.caseId).catch(() => undefined);
    const target = other?._id ?? input.caseId;
    const links = (doc.links as StoredCaseLink[] | undefined) ?? [];
    const kept = links.filter((l) => !(l.caseId === target && l.type === input.type));
    if (kept.length === links.length) return;
    await this.save(actor, doc, { links: kept }, { unlinkCase: target, type: input.type });
  }

  /** Adds an external link (an absolute URL). Idempotent. */
  async addUrlLink(actor: Actor, caseId: string, input: UrlLinkInput): Promise<void> {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw new BadRequestError(`Invalid URL "${input.url}"`);
    }
    if (!/^(https?|ftp|mailto):$/.test(url.protocol)) throw new BadRequestError(`Unsupported URL scheme "${url.protocol}"`);
    const doc = await this.writable(actor, caseId);
    const links = (doc.externalLinks as StoredUrlLink[] | undefined) ?? [];
    if (links.some((l) => l.url === input.url && l.type === input.type)) return;
    await this.save(actor, doc, { externalLinks: [...links, { url: input.url, type: input.type }] }, { linkUrl: input.url, type: input.type });
  }

  async removeUrlLink(actor: Actor, caseId: string, input: UrlLinkInput): Promise<void> {
    const doc = await this.writable(actor, caseId);
    const links = (doc.externalLinks as StoredUrlLink[] | undefined) ?? [];
    const kept = links.filter((l) => !(l.url === input.url && l.type === input.type));
    if (kept.length === links.length) return;
    await this.save(actor, doc, { externalLinks: kept }, { unlinkUrl: input.url, type: input.type });
  }

  /** The link types used on the cases the actor sees, sorted (`[]` on a fresh instance). */
  async linkTypes(actor: Actor): Promise<string[]> {
    const docs = await this.rows('case', q.and(visibleTo(actor), q.or({ kind: 'has', field: 'links' }, { kind: 'has', field: 'externalLinks' })));
    const types = new Set<string>();
    for (const d of docs) for (const l of [...((d.links as StoredCaseLink[]) ?? []), ...((d.externalLinks as StoredUrlLink[]) ?? [])]) types.add(l.type);
    return [...types].sort();
  }

  /** The `links` extraData of cases: `{caseLinks: [{caseId, type, number, title}], externalLinks: [{url, type}]}`. */
  async linksExtraData(docs: Doc[], actor: Actor): Promise<Map<string, unknown>> {
    const ids = [...new Set(docs.flatMap((d) => ((d.links as StoredCaseLink[]) ?? []).map((l) => l.caseId)))];
    const linked = new Map((await this.store.getMany('case', ids)).filter((c) => canSee(actor, c)).map((c) => [c._id, c]));
    const out = new Map<string, unknown>();
    for (const d of docs) {
      const caseLinks = ((d.links as StoredCaseLink[]) ?? []).flatMap((l) => {
        const c = linked.get(l.caseId);
        return c ? [{ caseId: c._id, type: l.type, number: c.number, title: c.title }] : [];
      });
      const externalLinks = ((d.externalLinks as StoredUrlLink[]) ?? []).map((l) => ({ url: l.url, type: l.type }));
      out.set(d._id, { caseLinks, externalLinks });
    }
    return out;
  }

  /** The observables of a visible case or alert (not the ones that ignore similarity). */
  private async observablesOf(actor: Actor, relation: 'case' | 'alert', parentId: string): Promise<Doc[]> {
    return (await this.rows('observable', q.and(visibleTo(actor), q.parentId(relation, parentId)))).filter((o) => o.ignoreSimilarity !== true);
  }

  /** Visible observables elsewhere that have the same (dataType, data or file) as `obs`, by key. */
  private async sameObservables(actor: Actor, obs: Doc[]): Promise<Doc[]> {
    const datas = [...new Set(obs.flatMap((o) => (typeof o.data === 'string' ? [o.data] : [])))];
    const hashes = [...new Set(obs.flatMap((o) => (typeof o.attachmentHash === 'string' ? [o.attachmentHash] : [])))];
    const out: Doc[] = [];
    for (const [field, values] of [
      ['data', datas],
      ['attachmentHash', hashes],
    ] as const) {
      for (let i = 0; i < values.length; i += CHUNK) {
        out.push(...(await this.rows('observable', q.and(visibleTo(actor), q.in(field, values.slice(i, i + CHUNK))))));
      }
    }
    const keys = new Set(obs.map(observableKey));
    return out.filter((o) => o.ignoreSimilarity !== true && keys.has(observableKey(o)));
  }

  /**
   * `GET /case/{id}/links`: the other visible cases that share observables with this one, each
   * with `linksCount` and `linkedWith` (its matching observables), most links first.
   */
  async linkedCases(actor: Actor, caseId: string): Promise<Array<{ case: Doc; observables: Doc[] }>> {
    const doc = await this.cases.resolve(actor, caseId);
    const similar = (await this.sameObservables(actor, await this.observablesOf(actor, 'case', doc._id))).filter(
      (o) => o._parents.case && o._parents.case !== doc._id,
    );
    const byCase = new Map<string, Doc[]>();
    for (const o of similar) byCase.set(o._parents.case!, [...(byCase.get(o._parents.case!) ?? []), o]);
    const cases = (await this.store.getMany('case', [...byCase.keys()])).filter((c) => canSee(actor, c));
    return cases
      .map((c) => ({ case: c, observables: byCase.get(c._id) ?? [] }))
      .sort((x, y) => y.observables.length - x.observables.length || y.case._createdAt - x.case._createdAt);
  }

  /** `GET /case/{id}/similar/{otherId}/observables`: observables of the case also present in the other case or alert. */
  async similarObservables(actor: Actor, caseId: string, otherId: string): Promise<Doc[]> {
    const doc = await this.cases.resolve(actor, caseId);
    const otherCase = otherId.startsWith('~') ? await this.store.get('case', otherId) : undefined;
    let relation: 'case' | 'alert' = 'case';
    let other: Doc | undefined = otherCase;
    if (!other && otherId.startsWith('~')) {
      other = await this.store.get('alert', otherId);
      relation = 'alert';
    }
    if (!other) other = await this.cases.resolve(actor, otherId).catch(() => undefined);
    if (!other) throw new NotFoundError(`Case or alert ${otherId} not found`);
    assertVisible(actor, other, relation === 'case' ? 'Case' : 'Alert', otherId);
    const keys = new Set((await this.observablesOf(actor, relation, other._id)).map(observableKey));
    return (await this.observablesOf(actor, 'case', doc._id)).filter((o) => keys.has(observableKey(o)));
  }
}
