/** Case pages (the case's knowledge pages): create, update, delete, with `managePage`. */
import type { Actor } from './actor.js';
import type { Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { CaseService } from './case.service.js';
import type { PageInput, PageUpdate } from './page-template.service.js';
import { assertVisible, childAccess, requirePermission } from './policy.js';
import { systemFields } from './render.js';

export class CasePageService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly cases: CaseService,
  ) {}

  /** A new page document under `caseDoc` (not written); used by case creation too. */
  build(actor: Actor, caseDoc: Pick<Doc, '_id' | '_orgs'> & Record<string, unknown>, input: PageInput): NewDoc {
    return {
      _id: this.store.newId(),
      _type: 'page',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      ...childAccess(caseDoc, 'other'),
      _parents: { case: caseDoc._id },
      title: input.title,
      content: input.content,
      category: input.category,
      order: input.order ?? 0,
    };
  }

  /** The page by id, visible to the actor, or NotFoundError. */
  async get(actor: Actor, id: string): Promise<Doc> {
    const doc = id.startsWith('~') ? await this.store.get('page', id) : undefined;
    return assertVisible(actor, doc, 'Page', id);
  }

  async create(actor: Actor, caseIdOrNumber: string, input: PageInput): Promise<Doc> {
    const caseDoc = await this.cases.resolve(actor, caseIdOrNumber);
    requirePermission(actor, 'managePage', caseDoc);
    const doc = this.build(actor, caseDoc, input);
    const [created] = await this.audit.commit([{ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { title: input.title })]);
    return created as Doc;
  }

  /** The page `pageId` of the case, after the tenant check on the case; NotFoundError otherwise. */
  private async pageOf(actor: Actor, caseIdOrNumber: string, pageId: string): Promise<Doc> {
    const caseDoc = await this.cases.resolve(actor, caseIdOrNumber);
    const page = await this.get(actor, pageId);
    if (page._parents.case !== caseDoc._id) assertVisible(actor, undefined, 'Page', pageId);
    requirePermission(actor, 'managePage', page);
    return page;
  }

  async update(actor: Actor, caseIdOrNumber: string, pageId: string, input: PageUpdate): Promise<Doc> {
    const doc = await this.pageOf(actor, caseIdOrNumber, pageId);
    const patch: Record<string, unknown> = {};
    for (const f of ['title', 'content', 'category', 'order'] as const) if (input[f] !== undefined) patch[f] = input[f];
    if (Object.keys(patch).length === 0) return doc;
    const [updated] = await this.audit.commit([
      { op: 'update', type: 'page', id: doc._id, patch, by: actor.login },
      this.audit.op(actor, 'update', doc, patch),
    ]);
    return updated as Doc;
  }

  async delete(actor: Actor, caseIdOrNumber: string, pageId: string): Promise<void> {
    const doc = await this.pageOf(actor, caseIdOrNumber, pageId);
    await this.audit.commit([{ op: 'delete', type: 'page', id: doc._id }, this.audit.op(actor, 'delete', doc, { title: doc.title })]);
  }

  render(doc: Doc): Record<string, unknown> {
    return { ...systemFields(doc), title: doc.title, content: doc.content ?? '', order: doc.order ?? 0, category: doc.category, extraData: {} };
  }
}
