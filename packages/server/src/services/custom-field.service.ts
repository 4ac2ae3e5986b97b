/**
 * Custom field definitions: platform-wide (visible to every organisation), managed by platform
 * administrators (`manageCustomField` in the admin organisation). Values live on cases, alerts
 * and case templates (see custom-fields.ts); this service also removes single values.
 */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import { AttributeCheckingError, BadRequestError, CreateError, NotFoundError } from '../errors/errors.js';
import { assertCan, requireAdmin, visibleTo } from './policy.js';
import { ALL_ORGS } from '../entities/registry.js';
import { q } from '../query/ir.js';
import { systemFields } from './render.js';
import type { StoredCustomField } from './custom-fields.js';

export const CUSTOM_FIELD_TYPES = ['string', 'integer', 'float', 'boolean', 'date', 'url'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export interface CustomFieldInput {
  name: string;
  group: string;
  description: string;
  type: string;
  displayName?: string;
  mandatory?: boolean;
  options?: unknown[];
}

export type CustomFieldUpdate = Partial<Omit<CustomFieldInput, 'name'>>;

/** Names usable in queries as `customFields.<name>`. */
const NAME_RE = /^[A-Za-z0-9_\-.]{1,128}$/;
const SCOPE = 'customField.name';
/** Entity types that carry custom field values. */
const HOLDERS = ['case', 'alert', 'caseTemplate'] as const;
const SCAN_PAGE = 500;

function checkType(type: string): CustomFieldType {
  if (!(CUSTOM_FIELD_TYPES as readonly string[]).includes(type)) {
    throw new AttributeCheckingError(`Invalid custom field type "${type}"; expected one of ${CUSTOM_FIELD_TYPES.join(', ')}`);
  }
  return type as CustomFieldType;
}

/** Options must be distinct values of the field type. */
function checkOptions(type: CustomFieldType, options: unknown[]): unknown[] {
  const ok = (v: unknown): boolean => {
    switch (type) {
      case 'string':
      case 'url':
        return typeof v === 'string';
      case 'integer':
      case 'date':
        return typeof v === 'number' && Number.isInteger(v);
      case 'float':
        return typeof v === 'number' && Number.isFinite(v);
      case 'boolean':
        return typeof v === 'boolean';
    }
  };
  const bad = options.find((o) => !ok(o));
  if (bad !== undefined) throw new AttributeCheckingError(`Option ${JSON.stringify(bad)} is not a valid ${type}`);
  return [...new Set(options)];
}

export class CustomFieldService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
  ) {}

  /** The definition by id or name, or NotFoundError. Definitions are visible to everyone. */
  async get(idOrName: string): Promise<Doc> {
    let doc: Doc | undefined;
    if (idOrName.startsWith('~')) doc = await this.store.get('customField', idOrName);
    if (!doc) {
      const owner = await this.store.uniqueOwner(SCOPE, idOrName);
      doc = owner ? await this.store.get('customField', owner) : undefined;
    }
    if (!doc) throw new NotFoundError(`CustomField ${idOrName} not found`);
    return doc;
  }

  /** Every definition, oldest first. */
  async list(): Promise<Doc[]> {
    const r = await this.store.query({
      entity: 'customField',
      where: q.true(),
      sort: [{ field: '_createdAt', dir: 'asc' }],
      output: { kind: 'rows', from: 0, to: 10_000 },
    });
    return r.kind === 'rows' ? r.rows : [];
  }

  async create(actor: Actor, input: CustomFieldInput): Promise<Doc> {
    requireAdmin(actor, 'manageCustomField');
    if (!NAME_RE.test(input.name)) throw new AttributeCheckingError(`Invalid custom field name "${input.name}": use letters, digits, "_", "-" or "."`);
    const type = checkType(input.type);
    const options = checkOptions(type, input.options ?? []);
    const doc: NewDoc = {
      _id: this.store.newId(),
      _type: 'customField',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      _orgs: [ALL_ORGS],
      _parents: {},
      name: input.name,
      displayName: input.displayName ?? input.name,
      group: input.group,
      description: input.description,
      type,
      options,
      mandatory: input.mandatory ?? false,
    };
    try {
      const [, created] = await this.audit.commit([
        { op: 'claim', scope: SCOPE, key: input.name, owner: doc._id },
        { op: 'insert', doc },
        this.audit.op(actor, 'create', doc, { name: input.name }),
      ]);
      return created as Doc;
    } catch (e) {
      if ((e as { type?: string }).type === 'ConflictError') throw new CreateError(`Custom field ${input.name} already exists`);
      throw e;
    }
  }

  async update(actor: Actor, idOrName: string, input: CustomFieldUpdate): Promise<Doc> {
    requireAdmin(actor, 'manageCustomField');
    const doc = await this.get(idOrName);
    const patch: Record<string, unknown> = {};
    for (const f of ['displayName', 'group', 'description', 'mandatory'] as const) if (input[f] !== undefined) patch[f] = input[f];
    const type = checkType(input.type ?? String(doc.type));
    if (input.type !== undefined && input.type !== doc.type) {
      if ((await this.holders(String(doc.name), 1)).length > 0) throw new BadRequestError(`Custom field ${String(doc.name)} is in use; its type cannot change`);
      patch.type = type;
    }
    if (input.options !== undefined || patch.type !== undefined) {
      const options = input.options ?? (doc.options as unknown[] | undefined) ?? [];
      patch.options = checkOptions(type, options);
    }
    if (Object.keys(patch).length === 0) return doc;
    const [updated] = await this.audit.commit([
      { op: 'update', type: 'customField', id: doc._id, patch, by: actor.login },
      this.audit.op(actor, 'update', doc, patch),
    ]);
    return updated as Doc;
  }

  /**
   * Deletes a definition. Without `force` it refuses (BadRequest) while cases, alerts or
   * templates hold a value of it; with `force` those values are removed in the same batch.
   */
  async delete(actor: Actor, idOrName: string, force: boolean): Promise<void> {
    requireAdmin(actor, 'manageCustomField');
    const doc = await this.get(idOrName);
    const name = String(doc.name);
    const holders = await this.holders(name, force ? Number.MAX_SAFE_INTEGER : 1);
    if (holders.length > 0 && !force) {
      throw new BadRequestError(`Custom field ${name} is used by ${holders[0]!._type}s; delete it with force=true to remove its values too`);
    }
    const ops: BatchOp[] = holders.map((h) => ({
      op: 'update',
      type: h._type,
      id: h._id,
      patch: { customFields: ((h.customFields as StoredCustomField[]) ?? []).filter((c) => c.name !== name) },
      by: actor.login,
    }));
    await this.audit.commit([
      ...ops,
      { op: 'release', scope: SCOPE, key: name },
      { op: 'delete', type: 'customField', id: doc._id },
      this.audit.op(actor, 'delete', doc, { name, force }),
    ]);
  }

  /** Documents holding an entry (with or without a value) of the field `name`, at most `limit`. */
  private async holders(name: string, limit: number): Promise<Doc[]> {
    const out: Doc[] = [];
    for (const type of HOLDERS) {
      for (let from = 0; out.length < limit; from += SCAN_PAGE) {
        const r = await this.store.query({
          entity: type,
          where: q.true(),
          sort: [{ field: '_id', dir: 'asc' }],
          output: { kind: 'rows', from, to: from + SCAN_PAGE },
        });
        const rows = r.kind === 'rows' ? r.rows : [];
        for (const d of rows) if (((d.customFields as StoredCustomField[]) ?? []).some((c) => c.name === name)) out.push(d);
        if (rows.length < SCAN_PAGE) break;
      }
    }
    return out.slice(0, limit);
  }

  /** Removes one custom field value (by its `_id`) from the case of the actor's organisation holding it. */
  async deleteCaseValue(actor: Actor, valueId: string): Promise<void> {
    for (let from = 0; ; from += SCAN_PAGE) {
      const r = await this.store.query({
        entity: 'case',
        where: visibleTo(actor),
        sort: [{ field: '_id', dir: 'asc' }],
        output: { kind: 'rows', from, to: from + SCAN_PAGE },
      });
      const rows = r.kind === 'rows' ? r.rows : [];
      const holder = rows.find((d) => ((d.customFields as StoredCustomField[]) ?? []).some((c) => c._id === valueId));
      if (holder) {
        const doc = assertCan(actor, holder, 'Case', holder._id, 'manageCase/update');
        const customFields = ((doc.customFields as StoredCustomField[]) ?? []).filter((c) => c._id !== valueId);
        await this.audit.commit([
          { op: 'update', type: 'case', id: doc._id, patch: { customFields }, by: actor.login },
          this.audit.op(actor, 'update', doc, { customFields }),
        ]);
        return;
      }
      if (rows.length < SCAN_PAGE) break;
    }
    throw new NotFoundError(`Custom field value ${valueId} not found`);
  }

  render(doc: Doc): Record<string, unknown> {
    return {
      ...systemFields(doc),
      name: doc.name,
      displayName: doc.displayName ?? doc.name,
      group: doc.group ?? 'default',
      description: doc.description ?? '',
      type: doc.type,
      options: doc.options ?? [],
      mandatory: doc.mandatory === true,
      extraData: {},
    };
  }
}
