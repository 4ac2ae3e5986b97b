/**
 * Procedures: MITRE ATT&CK techniques observed in a case or an alert (`manageProcedure`).
 * The pattern comes from the `pattern` entity (loaded from the ATT&CK catalog at start-up);
 * `patternName` and `tacticLabel` are filled from it.
 */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { CaseService } from './case.service.js';
import { BadRequestError, NotFoundError } from '../errors/errors.js';
import { assertCan, assertVisible, childAccess, inheritAccess, requirePermission } from './policy.js';
import { q } from '../query/ir.js';
import { pick, systemFields } from './render.js';
import { attackCatalog } from './attack-catalog.js';

export interface ProcedureInput {
  occurDate: number;
  patternId: string;
  tactic?: string;
  description?: string;
}

export type ProcedureUpdate = Partial<ProcedureInput>;

/** What procedures can be attached to. */
export type ProcedureParentType = 'case' | 'alert';

export class ProcedureService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly cases: CaseService,
  ) {}

  /** The case (id or number) or alert (id) visible to the actor, or NotFoundError. */
  async parent(actor: Actor, type: ProcedureParentType, idOrNumber: string): Promise<Doc> {
    if (type === 'case') return this.cases.resolve(actor, idOrNumber);
    const doc = idOrNumber.startsWith('~') ? await this.store.get('alert', idOrNumber) : undefined;
    return assertVisible(actor, doc, 'Alert', idOrNumber);
  }

  /** The pattern by ATT&CK id (`T1059.006`), or undefined. */
  async pattern(patternId: string): Promise<Doc | undefined> {
    const r = await this.store.query({ entity: 'pattern', where: q.eq('patternId', patternId), sort: [], output: { kind: 'rows', from: 0, to: 1 } });
    return r.kind === 'rows' ? r.rows[0] : undefined;
  }

  /** The pattern fields of a procedure: BadRequest for an unknown pattern or tactic. */
  private async patternFields(patternId: string, tactic: string | undefined): Promise<Record<string, unknown>> {
    const pattern = await this.pattern(patternId);
    if (!pattern) throw new BadRequestError(`Pattern ${patternId} not found`);
    const tactics = attackCatalog().tactics;
    let shortname = tactic?.trim().toLowerCase().replace(/\s+/g, '-');
    if (shortname !== undefined && !tactics.has(shortname)) {
      throw new BadRequestError(`Unknown tactic "${tactic}"; expected one of ${[...tactics.keys()].join(', ')}`);
    }
    shortname ??= ((pattern.tactics as string[] | undefined) ?? [])[0];
    return {
      patternId: pattern.patternId,
      patternName: pattern.name,
      tactic: shortname ?? null,
      tacticLabel: shortname ? (tactics.get(shortname)?.name ?? shortname) : null,
    };
  }

  /** A new procedure under `parent` (not written). */
  async build(actor: Actor, parent: Pick<Doc, '_id' | '_type' | '_orgs'> & Record<string, unknown>, input: ProcedureInput): Promise<NewDoc> {
    const fields = await this.patternFields(input.patternId, input.tactic);
    return {
      _id: this.store.newId(),
      _type: 'procedure',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      ...(parent._type === 'case' ? childAccess(parent, 'other') : inheritAccess(parent)),
      _parents: { [parent._type]: parent._id },
      occurDate: input.occurDate,
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)),
      ...(input.description !== undefined ? { description: input.description } : {}),
    };
  }

  /** Creates procedures under a case or an alert, all in one batch. */
  async createIn(actor: Actor, type: ProcedureParentType, idOrNumber: string, inputs: ProcedureInput[]): Promise<Doc[]> {
    const parent = await this.parent(actor, type, idOrNumber);
    requirePermission(actor, 'manageProcedure', parent);
    const ops: BatchOp[] = [];
    for (const input of inputs) {
      const doc = await this.build(actor, parent, input);
      ops.push({ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { patternId: doc.patternId }));
    }
    const results = await this.audit.commit(ops);
    return results.filter((r): r is Doc => typeof r === 'object' && r._type === 'procedure');
  }

  /** The procedure by id, visible to the actor, or NotFoundError. */
  async get(actor: Actor, id: string): Promise<Doc> {
    const doc = id.startsWith('~') ? await this.store.get('procedure', id) : undefined;
    return assertVisible(actor, doc, 'Procedure', id);
  }

  async update(actor: Actor, id: string, input: ProcedureUpdate): Promise<Doc> {
    const doc = assertCan(actor, await this.get(actor, id), 'Procedure', id, 'manageProcedure');
    const patch: Record<string, unknown> = {};
    if (input.occurDate !== undefined) patch.occurDate = input.occurDate;
    if (input.description !== undefined) patch.description = input.description;
    if (input.patternId !== undefined || input.tactic !== undefined) {
      const patternChanged = input.patternId !== undefined && input.patternId !== doc.patternId;
      Object.assign(
        patch,
        await this.patternFields(input.patternId ?? String(doc.patternId), input.tactic ?? (patternChanged ? undefined : (doc.tactic as string | undefined))),
      );
    }
    if (Object.keys(patch).length === 0) return doc;
    const [updated] = await this.audit.commit([
      { op: 'update', type: 'procedure', id: doc._id, patch, by: actor.login },
      this.audit.op(actor, 'update', doc, patch),
    ]);
    return updated as Doc;
  }

  async delete(actor: Actor, id: string): Promise<void> {
    await this.bulkDelete(actor, [id]);
  }

  /** Deletes every listed procedure, or none when one is missing or not visible. */
  async bulkDelete(actor: Actor, ids: readonly string[]): Promise<void> {
    const ops: BatchOp[] = [];
    for (const id of new Set(ids)) {
      const doc = assertCan(actor, await this.get(actor, id), 'Procedure', id, 'manageProcedure');
      ops.push({ op: 'delete', type: 'procedure', id: doc._id }, this.audit.op(actor, 'delete', doc, { patternId: doc.patternId }));
    }
    if (ops.length === 0) throw new NotFoundError('No procedure to delete');
    await this.audit.commit(ops);
  }

  render(doc: Doc): Record<string, unknown> {
    return {
      ...systemFields(doc),
      ...pick(doc, ['description']),
      occurDate: doc.occurDate,
      ...pick(doc, ['patternId', 'patternName', 'tactic', 'tacticLabel']),
      extraData: {},
    };
  }

  renderPattern(doc: Doc): Record<string, unknown> {
    return {
      ...systemFields(doc),
      patternId: doc.patternId,
      name: doc.name,
      ...pick(doc, ['description']),
      tactics: doc.tactics ?? [],
      url: doc.url ?? '',
      patternType: doc.patternType ?? 'attack-pattern',
      revoked: doc.revoked === true,
      platforms: doc.platforms ?? [],
      dataSources: doc.dataSources ?? [],
      ...pick(doc, ['version']),
      extraData: {},
    };
  }
}
