/**
 * Page templates: organisation-scoped pages that case templates link to, copied into a case's
 * pages when a case is created from the template. Managed with `manageCaseTemplate`.
 */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import { assertCan, assertVisible, requirePermission, visibleTo } from './policy.js';
import { q } from '../query/ir.js';
import { systemFields } from './render.js';

export interface PageInput {
  title: string;
  content: string;
  category: string;
  order?: number;
}

export type PageUpdate = Partial<PageInput>;

export class PageTemplateService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
  ) {}

  /** The page template by id, visible to the actor, or NotFoundError. */
  async get(actor: Actor, id: string): Promise<Doc> {
    const doc = id.startsWith('~') ? await this.store.get('pageTemplate', id) : undefined;
    return assertVisible(actor, doc, 'PageTemplate', id);
  }

  /** The visible page templates among `ids`, in that order; throws NotFoundError on the first missing one. */
  async getMany(actor: Actor, ids: readonly string[]): Promise<Doc[]> {
    const docs = await this.store.getMany('pageTemplate', ids);
    const byId = new Map(docs.map((d) => [d._id, d]));
    return ids.map((id) => assertVisible(actor, byId.get(id), 'PageTemplate', id));
  }

  /** A new page template document of the actor's organisation (not written). */
  build(actor: Actor, input: PageInput): NewDoc {
    requirePermission(actor, 'manageCaseTemplate');
    return {
      _id: this.store.newId(),
      _type: 'pageTemplate',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      _orgs: [actor.orgId],
      _parents: {},
      title: input.title,
      content: input.content,
      category: input.category,
      order: input.order ?? 0,
    };
  }

  async create(actor: Actor, input: PageInput): Promise<Doc> {
    const doc = this.build(actor, input);
    const [created] = await this.audit.commit([{ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { title: input.title })]);
    return created as Doc;
  }

  async update(actor: Actor, id: string, input: PageUpdate): Promise<Doc> {
    const doc = assertCan(actor, await this.get(actor, id), 'PageTemplate', id, 'manageCaseTemplate');
    const patch: Record<string, unknown> = {};
    for (const f of ['title', 'content', 'category', 'order'] as const) if (input[f] !== undefined) patch[f] = input[f];
    if (Object.keys(patch).length === 0) return doc;
    const [updated] = await this.audit.commit([
      { op: 'update', type: 'pageTemplate', id: doc._id, patch, by: actor.login },
      this.audit.op(actor, 'update', doc, patch),
    ]);
    return updated as Doc;
  }

  /** Deletes the page template and unlinks it from the case templates that list it. */
  async delete(actor: Actor, id: string): Promise<void> {
    const doc = assertCan(actor, await this.get(actor, id), 'PageTemplate', id, 'manageCaseTemplate');
    const r = await this.store.query({
      entity: 'caseTemplate',
      where: q.and(visibleTo(actor), q.eq('pageTemplateIds', doc._id)),
      sort: [],
      output: { kind: 'rows', from: 0, to: 10_000 },
    });
    const unlink: BatchOp[] = (r.kind === 'rows' ? r.rows : []).map((t) => ({
      op: 'update',
      type: 'caseTemplate',
      id: t._id,
      patch: { pageTemplateIds: ((t.pageTemplateIds as string[]) ?? []).filter((p) => p !== doc._id) },
      by: actor.login,
    }));
    await this.audit.commit([...unlink, { op: 'delete', type: 'pageTemplate', id: doc._id }, this.audit.op(actor, 'delete', doc, { title: doc.title })]);
  }

  render(doc: Doc): Record<string, unknown> {
    return { ...systemFields(doc), title: doc.title, content: doc.content ?? '', order: doc.order ?? 0, category: doc.category, extraData: {} };
  }
}
