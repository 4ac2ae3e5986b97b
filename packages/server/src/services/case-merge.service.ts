/**
 * Merging cases into a new one, and merging duplicate observables inside one case.
 * A merge is one atomic batch: the new case, every child moved to it (observables
 * deduplicated by dataType + data), the originals deleted and the audit record.
 */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { CaseService } from './case.service.js';
import { dedupe, observableKey } from './case.service.js';
import type { StoredCustomField } from './custom-fields.js';
import { RESTRICTED_TO } from '../entities/registry.js';
import { q } from '../query/ir.js';
import { AuthorizationError, BadRequestError } from '../errors/errors.js';
import { assertCan, ownerOf } from './policy.js';

/** Children that move with their case (`_parents.case`); logs and attachments under moved tasks/observables follow. */
const MOVED = ['task', 'log', 'observable', 'comment', 'procedure', 'page', 'attachment', 'customEvent', 'audit', 'share'] as const;
const MAX_ROWS = 1_000_000;

const scope = (caseId: string): string => `observable.case.${caseId}`;
const sorted = (v: unknown): string => JSON.stringify(Array.isArray(v) ? [...(v as string[])].sort() : null);

export interface ObservableMergeResult {
  untouched: number;
  updated: number;
  deleted: number;
}

export class CaseMergeService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly cases: CaseService,
  ) {}

  private async rows(entity: string, caseId: string, relation = 'case'): Promise<Doc[]> {
    const r = await this.store.query({
      entity,
      where: q.parentId(relation, caseId),
      sort: [{ field: '_createdAt', dir: 'asc' }],
      output: { kind: 'rows', from: 0, to: MAX_ROWS },
    });
    return r.kind === 'rows' ? r.rows : [];
  }

  /** Update (kept) and delete (duplicates) ops for groups of observables with the same key. */
  private async dedupeOps(
    actor: Actor,
    groups: Map<string, Doc[]>,
    fromScope: (d: Doc) => string,
    toScope: string,
    parents: (d: Doc) => Record<string, string>,
  ): Promise<{ ops: BatchOp[]; result: ObservableMergeResult }> {
    const ops: BatchOp[] = [];
    const result: ObservableMergeResult = { untouched: 0, updated: 0, deleted: 0 };
    for (const [key, group] of groups) {
      const [keep, ...dups] = group as [Doc, ...Doc[]];
      const patch: Record<string, unknown> = { _parents: parents(keep) };
      if (dups.length) {
        patch.tags = dedupe(group.flatMap((d) => (d.tags as string[]) ?? []));
        patch.ioc = group.some((d) => d.ioc === true);
        patch.sighted = group.some((d) => d.sighted === true);
        const sightedAt = group.map((d) => d.sightedAt).filter((x): x is number => typeof x === 'number');
        if (sightedAt.length) patch.sightedAt = Math.min(...sightedAt);
        result.updated++;
        result.deleted += dups.length;
      } else result.untouched++;
      for (const d of group) ops.push({ op: 'release', scope: fromScope(d), key });
      ops.push({ op: 'update', type: 'observable', id: keep._id, patch, by: actor.login }, { op: 'claim', scope: toScope, key, owner: keep._id });
      for (const d of dups) {
        ops.push({ op: 'delete', type: 'observable', id: d._id });
        for (const a of await this.rows('attachment', d._id, 'observable')) ops.push({ op: 'delete', type: 'attachment', id: a._id });
      }
    }
    return { ops, result };
  }

  /**
   * Merges visible cases owned by the actor's organisation into a new case: titles joined by
   * " / ", descriptions and summaries by blank lines, union of tags, highest severity, TLP and
   * PAP, earliest start date, custom fields (first value wins). The cases must be shared with
   * the same organisations and have the same access. The originals are deleted.
   */
  async merge(actor: Actor, idsOrNumbers: string[]): Promise<Doc> {
    const ids = [...new Set(idsOrNumbers.map((i) => i.trim()).filter(Boolean))];
    if (ids.length < 2) throw new BadRequestError('Merging needs at least two cases');
    const cases: Doc[] = [];
    for (const id of ids) {
      const doc = assertCan(actor, await this.cases.resolve(actor, id), 'Case', id, 'manageCase/merge');
      if (ownerOf(doc) !== actor.orgId) throw new AuthorizationError(`Case #${String(doc.number)} belongs to another organisation and cannot be merged`);
      if (!cases.some((c) => c._id === doc._id)) cases.push(doc);
    }
    if (cases.length < 2) throw new BadRequestError('Merging needs at least two cases');
    const first = cases[0]!;
    for (const c of cases) {
      if (sorted(c._orgs) !== sorted(first._orgs) || sorted(c[RESTRICTED_TO]) !== sorted(first[RESTRICTED_TO])) {
        throw new BadRequestError('Cases shared with different organisations or with different access cannot be merged');
      }
    }
    const summaries = cases.flatMap((c) => (typeof c.summary === 'string' && c.summary ? [c.summary] : []));
    const doc: NewDoc = await this.cases.build(actor, {
      title: cases.map((c) => String(c.title)).join(' / '),
      description: cases.map((c) => String(c.description ?? '')).join('\n\n'),
      severity: Math.max(...cases.map((c) => Number(c.severity ?? 2))),
      startDate: Math.min(...cases.map((c) => Number(c.startDate ?? c._createdAt))),
      tags: cases.flatMap((c) => (c.tags as string[]) ?? []),
      flag: cases.some((c) => c.flag === true),
      tlp: Math.max(...cases.map((c) => Number(c.tlp ?? 2))),
      pap: Math.max(...cases.map((c) => Number(c.pap ?? 2))),
      ...(summaries.length ? { summary: summaries.join('\n\n') } : {}),
    });
    const cfs: StoredCustomField[] = [];
    for (const c of cases) {
      for (const cf of (c.customFields as StoredCustomField[]) ?? []) if (!cfs.some((x) => x.name === cf.name)) cfs.push({ ...cf, order: cfs.length });
    }
    Object.assign(doc, {
      customFields: cfs,
      _orgs: [...first._orgs],
      access: first.access ?? { _kind: 'OrganisationAccessKind' },
      ...(first._sharePerms ? { _sharePerms: first._sharePerms } : {}),
      ...(first._shareRules ? { _shareRules: first._shareRules } : {}),
      ...(Array.isArray(first[RESTRICTED_TO]) ? { [RESTRICTED_TO]: first[RESTRICTED_TO] } : {}),
    });

    const ops: BatchOp[] = [{ op: 'insert', doc }];
    const groups = new Map<string, Doc[]>();
    for (const c of cases) {
      for (const type of MOVED) {
        for (const child of await this.rows(type, c._id)) {
          if (type === 'observable') {
            const key = observableKey(child);
            groups.set(key, [...(groups.get(key) ?? []), child]);
          } else if (type === 'share') {
            if (c === first) ops.push({ op: 'update', type, id: child._id, patch: { _parents: { case: doc._id } }, by: actor.login });
            else ops.push({ op: 'delete', type, id: child._id });
          } else if (type === 'audit') {
            ops.push({
              op: 'update',
              type,
              id: child._id,
              patch: { _parents: { ...child._parents, case: doc._id }, ...(child.rootId === c._id ? { rootId: doc._id } : {}) },
              by: child._createdBy,
              at: child._createdAt,
            });
          } else {
            ops.push({ op: 'update', type, id: child._id, patch: { _parents: { ...child._parents, case: doc._id } }, by: actor.login });
          }
        }
      }
      for (const alert of await this.rows('alert', c._id)) {
        ops.push({ op: 'update', type: 'alert', id: alert._id, patch: { _parents: { ...alert._parents, case: doc._id }, caseId: doc._id }, by: actor.login });
      }
    }
    const dd = await this.dedupeOps(
      actor,
      groups,
      (d) => scope(String(d._parents.case)),
      scope(doc._id),
      (d) => ({ ...d._parents, case: doc._id }),
    );
    ops.push(...dd.ops);
    for (const c of cases) ops.push({ op: 'delete', type: 'case', id: c._id });
    ops.push(this.audit.op(actor, 'merge', doc, { from: cases.map((c) => c._id), numbers: cases.map((c) => c.number) }));
    const [created] = await this.audit.commit(ops);
    return created as Doc;
  }

  /** `POST /case/{id}/observable/_merge`: merges observables with the same dataType and data. */
  async mergeObservables(actor: Actor, caseId: string): Promise<ObservableMergeResult> {
    const doc = assertCan(actor, await this.cases.resolve(actor, caseId), 'Case', caseId, 'manageObservable');
    const groups = new Map<string, Doc[]>();
    for (const o of await this.rows('observable', doc._id)) groups.set(observableKey(o), [...(groups.get(observableKey(o)) ?? []), o]);
    const dup = new Map([...groups].filter(([, g]) => g.length > 1));
    const result: ObservableMergeResult = { untouched: groups.size - dup.size, updated: 0, deleted: 0 };
    if (dup.size === 0) return result;
    const dd = await this.dedupeOps(
      actor,
      dup,
      () => scope(doc._id),
      scope(doc._id),
      (d) => d._parents,
    );
    await this.audit.commit([...dd.ops, this.audit.op(actor, 'merge', doc, { observables: dd.result })]);
    return { untouched: result.untouched, updated: dd.result.updated, deleted: dd.result.deleted };
  }
}
