/** Custom timeline events of a case: a dated (optionally ranged) title and description. */
import type { Actor } from './actor.js';
import type { Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { CaseService } from './case.service.js';
import { AttributeCheckingError } from '../errors/errors.js';
import { assertVisible, childAccess, requirePermission } from './policy.js';
import { pick, systemFields } from './render.js';

export interface CustomEventInput {
  date: number;
  endDate?: number;
  title: string;
  description?: string;
}

export interface CustomEventUpdate {
  date?: number;
  endDate?: number | null;
  title?: string;
  description?: string | null;
}

function checkRange(date: unknown, endDate: unknown): void {
  if (typeof date === 'number' && typeof endDate === 'number' && endDate < date) {
    throw new AttributeCheckingError('endDate must not be before date');
  }
}

export class CustomEventService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly cases: CaseService,
  ) {}

  async resolve(actor: Actor, id: string): Promise<Doc> {
    const doc = id.startsWith('~') ? await this.store.get('customEvent', id) : undefined;
    return assertVisible(actor, doc, 'CustomEvent', id);
  }

  /** Adds a custom event to a visible case. Requires manageCustomEvent. */
  async create(actor: Actor, caseIdOrNumber: string, input: CustomEventInput): Promise<Doc> {
    const caseDoc = await this.cases.resolve(actor, caseIdOrNumber);
    requirePermission(actor, 'manageCustomEvent', caseDoc);
    checkRange(input.date, input.endDate);
    const doc: NewDoc = {
      _id: this.store.newId(),
      _type: 'customEvent',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      ...childAccess(caseDoc, 'other'),
      _parents: { case: caseDoc._id },
      date: input.date,
      ...(input.endDate !== undefined ? { endDate: input.endDate } : {}),
      title: input.title,
      ...(input.description !== undefined ? { description: input.description } : {}),
    };
    const [created] = await this.audit.commit([{ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { title: input.title })]);
    return created as Doc;
  }

  async update(actor: Actor, id: string, input: CustomEventUpdate): Promise<void> {
    const doc = await this.resolve(actor, id);
    requirePermission(actor, 'manageCustomEvent', doc);
    const patch: Record<string, unknown> = {};
    for (const f of ['date', 'endDate', 'title', 'description'] as const) if (input[f] !== undefined) patch[f] = input[f];
    if (Object.keys(patch).length === 0) return;
    const next = { ...doc, ...patch };
    checkRange(next.date, next.endDate);
    await this.audit.commit([{ op: 'update', type: 'customEvent', id: doc._id, patch, by: actor.login }, this.audit.op(actor, 'update', doc, patch)]);
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const doc = await this.resolve(actor, id);
    requirePermission(actor, 'manageCustomEvent', doc);
    await this.audit.commit([{ op: 'delete', type: 'customEvent', id: doc._id }, this.audit.op(actor, 'delete', doc, { title: doc.title })]);
  }

  render(doc: Doc): Record<string, unknown> {
    return {
      ...systemFields(doc),
      date: doc.date,
      ...pick(doc, ['endDate']),
      title: doc.title,
      ...pick(doc, ['description']),
      extraData: {},
    };
  }
}
