/**
 * Case templates: organisation-scoped (name unique per organisation), managed with
 * `manageCaseTemplate`. A template holds case defaults, custom field values, tasks (embedded,
 * rendered like tasks) and links to page templates. Templates export to a portable JSON
 * document (no ids, no organisation) and import from it.
 */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { PageInput, PageTemplateService } from './page-template.service.js';
import type { TaskInput } from './task-doc.js';
import { AttributeCheckingError, BadRequestError, CreateError } from '../errors/errors.js';
import { assertCan, assertVisible, requirePermission } from './policy.js';
import { pick, systemFields, withLabels } from './render.js';
import { customFieldDefinitions, normaliseCustomFields, renderCustomFields, type CustomFieldsInput, type StoredCustomField } from './custom-fields.js';
import { dedupe } from './case.service.js';

export interface CaseTemplateInput {
  name: string;
  displayName?: string;
  titlePrefix?: string;
  description?: string;
  severity?: number;
  tags?: string[];
  flag?: boolean;
  tlp?: number;
  pap?: number;
  summary?: string;
  tasks?: TaskInput[];
  pageTemplateIds?: string[];
  customFields?: CustomFieldsInput;
}

type Nullable<T> = { [K in keyof T]?: T[K] | null };
export type CaseTemplateUpdate = Nullable<Omit<CaseTemplateInput, 'name'>> & { name?: string };

/** A task embedded in a template. */
export interface TemplateTask {
  _id: string;
  _createdAt: number;
  _createdBy: string;
  title: string;
  group: string;
  description?: string;
  flag: boolean;
  order: number;
  startDate?: number;
  endDate?: number;
  dueDate?: number;
  assignee?: string;
  mandatory: boolean;
}

export const EXPORT_FORMAT = 'waggle.caseTemplate';

/** The portable form of a template: `GET .../export` produces it, `POST .../_import` reads it. */
export interface CaseTemplateExport {
  format: typeof EXPORT_FORMAT;
  version: 1;
  caseTemplate: Omit<CaseTemplateInput, 'pageTemplateIds' | 'customFields'> & {
    customFields?: Array<{ name: string; value?: unknown; order?: number }>;
    pages?: PageInput[];
  };
}

const OPTIONAL = ['titlePrefix', 'description', 'severity', 'tlp', 'pap', 'summary'] as const;
const nameScope = (orgId: string): string => `caseTemplate.name.${orgId}`;

export class CaseTemplateService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly pageTemplates: PageTemplateService,
  ) {}

  /** The template by id or name, visible in the actor's organisation, or NotFoundError. */
  async resolve(actor: Actor, idOrName: string): Promise<Doc> {
    let doc: Doc | undefined;
    if (idOrName.startsWith('~')) doc = await this.store.get('caseTemplate', idOrName);
    if (!doc) {
      const owner = await this.store.uniqueOwner(nameScope(actor.orgId), idOrName);
      doc = owner ? await this.store.get('caseTemplate', owner) : undefined;
    }
    return assertVisible(actor, doc, 'CaseTemplate', idOrName);
  }

  private async checkAssignees(actor: Actor, tasks: readonly TaskInput[]): Promise<void> {
    for (const login of new Set(tasks.map((t) => t.assignee?.toLowerCase()).filter((l): l is string => !!l))) {
      const owner = await this.store.uniqueOwner('user.login', login);
      const user = owner ? await this.store.get('user', owner) : undefined;
      if (!user || !((user.orgIds as string[]) ?? []).includes(actor.orgId)) throw new BadRequestError(`User ${login} is not a member of ${actor.orgName}`);
    }
  }

  private embedTasks(actor: Actor, tasks: readonly TaskInput[]): TemplateTask[] {
    const now = Date.now();
    return tasks.map((t, i) => ({
      _id: this.store.newId(),
      _createdAt: now,
      _createdBy: actor.login,
      title: t.title,
      group: t.group ?? 'default',
      ...(t.description !== undefined ? { description: t.description } : {}),
      flag: t.flag ?? false,
      order: t.order ?? i,
      ...(t.startDate !== undefined ? { startDate: t.startDate } : {}),
      ...(t.endDate !== undefined ? { endDate: t.endDate } : {}),
      ...(t.dueDate !== undefined ? { dueDate: t.dueDate } : {}),
      ...(t.assignee ? { assignee: t.assignee.toLowerCase() } : {}),
      mandatory: t.mandatory ?? false,
    }));
  }

  private async customFields(input: CustomFieldsInput | undefined): Promise<StoredCustomField[]> {
    if (input === undefined) return [];
    return normaliseCustomFields(input, await customFieldDefinitions(this.store), () => this.store.newId());
  }

  private async checkPageTemplates(actor: Actor, ids: readonly string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    await this.pageTemplates.getMany(actor, unique);
    return unique;
  }

  /** The template document (not written), after every check. */
  async build(actor: Actor, input: CaseTemplateInput): Promise<NewDoc> {
    requirePermission(actor, 'manageCaseTemplate');
    if (input.name.trim() === '') throw new AttributeCheckingError('A case template needs a name');
    await this.checkAssignees(actor, input.tasks ?? []);
    return {
      _id: this.store.newId(),
      _type: 'caseTemplate',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      _orgs: [actor.orgId],
      _parents: {},
      name: input.name,
      displayName: input.displayName ?? input.name,
      ...Object.fromEntries(OPTIONAL.filter((f) => input[f] !== undefined).map((f) => [f, input[f]])),
      tags: dedupe(input.tags ?? []),
      flag: input.flag ?? false,
      customFields: await this.customFields(input.customFields),
      tasks: this.embedTasks(actor, input.tasks ?? []),
      pageTemplateIds: await this.checkPageTemplates(actor, input.pageTemplateIds ?? []),
    };
  }

  /** Writes `ops` plus the template with its name claim; a taken name is a CreateError. */
  private async insert(actor: Actor, doc: NewDoc, ops: BatchOp[] = []): Promise<Doc> {
    try {
      const results = await this.audit.commit([
        ...ops,
        { op: 'claim', scope: nameScope(actor.orgId), key: String(doc.name), owner: doc._id },
        { op: 'insert', doc },
        this.audit.op(actor, 'create', doc, { name: doc.name }),
      ]);
      return results[ops.length + 1] as Doc;
    } catch (e) {
      if ((e as { type?: string }).type === 'ConflictError') throw new CreateError(`Case template ${String(doc.name)} already exists`);
      throw e;
    }
  }

  async create(actor: Actor, input: CaseTemplateInput): Promise<Doc> {
    return this.insert(actor, await this.build(actor, input));
  }

  async get(actor: Actor, idOrName: string): Promise<Doc> {
    return this.resolve(actor, idOrName);
  }

  async update(actor: Actor, idOrName: string, input: CaseTemplateUpdate): Promise<Doc> {
    const doc = assertCan(actor, await this.resolve(actor, idOrName), 'CaseTemplate', idOrName, 'manageCaseTemplate');
    const patch: Record<string, unknown> = {};
    const ops: BatchOp[] = [];
    if (input.name !== undefined && input.name !== doc.name) {
      if (input.name.trim() === '') throw new AttributeCheckingError('A case template needs a name');
      patch.name = input.name;
      ops.push(
        { op: 'claim', scope: nameScope(actor.orgId), key: input.name, owner: doc._id },
        { op: 'release', scope: nameScope(actor.orgId), key: String(doc.name) },
      );
    }
    if (input.displayName !== undefined) patch.displayName = input.displayName ?? input.name ?? doc.name;
    for (const f of OPTIONAL) if (input[f] !== undefined) patch[f] = input[f];
    if (input.flag !== undefined) patch.flag = input.flag ?? false;
    if (input.tags !== undefined) patch.tags = dedupe(input.tags ?? []);
    if (input.customFields !== undefined) patch.customFields = await this.customFields(input.customFields ?? undefined);
    if (input.tasks !== undefined) {
      await this.checkAssignees(actor, input.tasks ?? []);
      patch.tasks = this.embedTasks(actor, input.tasks ?? []);
    }
    if (input.pageTemplateIds !== undefined) patch.pageTemplateIds = await this.checkPageTemplates(actor, input.pageTemplateIds ?? []);
    if (Object.keys(patch).length === 0) return doc;
    try {
      const results = await this.audit.commit([
        ...ops,
        { op: 'update', type: 'caseTemplate', id: doc._id, patch, by: actor.login },
        this.audit.op(actor, 'update', doc, patch),
      ]);
      return results[ops.length] as Doc;
    } catch (e) {
      if ((e as { type?: string }).type === 'ConflictError' && ops.length) throw new CreateError(`Case template ${String(input.name)} already exists`);
      throw e;
    }
  }

  async delete(actor: Actor, idOrName: string): Promise<void> {
    const doc = assertCan(actor, await this.resolve(actor, idOrName), 'CaseTemplate', idOrName, 'manageCaseTemplate');
    await this.audit.commit([
      { op: 'release', scope: nameScope(actor.orgId), key: String(doc.name) },
      { op: 'delete', type: 'caseTemplate', id: doc._id },
      this.audit.op(actor, 'delete', doc, { name: doc.name }),
    ]);
  }

  /** Replaces the page templates linked to the template. */
  async linkPageTemplates(actor: Actor, idOrName: string, pageTemplateIds: string[]): Promise<void> {
    await this.update(actor, idOrName, { pageTemplateIds });
  }

  /** The portable JSON of a template, with its linked page templates inlined as pages. */
  async export(actor: Actor, idOrName: string): Promise<CaseTemplateExport> {
    const doc = await this.resolve(actor, idOrName);
    const pages = await this.pageTemplates.getMany(actor, (doc.pageTemplateIds as string[]) ?? []).catch(() => [] as Doc[]);
    const tasks = ((doc.tasks as TemplateTask[]) ?? []).map((t): TaskInput => {
      const { _id: _i, _createdAt: _c, _createdBy: _b, ...rest } = t;
      return rest;
    });
    return {
      format: EXPORT_FORMAT,
      version: 1,
      caseTemplate: {
        name: String(doc.name),
        displayName: String(doc.displayName ?? doc.name),
        ...(pick(doc, OPTIONAL) as Partial<CaseTemplateInput>),
        tags: (doc.tags as string[]) ?? [],
        flag: doc.flag === true,
        customFields: renderCustomFields(doc.customFields).map((c) => ({ name: String(c.name), value: c.value, order: Number(c.order) })),
        tasks,
        pages: pages.map((p) => ({ title: String(p.title), content: String(p.content ?? ''), category: String(p.category), order: Number(p.order ?? 0) })),
      },
    };
  }

  /**
   * Creates a template from its portable JSON in the actor's organisation. Pages reuse the
   * organisation's page template with the same title, category and content, or create one.
   */
  async import(actor: Actor, data: CaseTemplateExport): Promise<Doc> {
    requirePermission(actor, 'manageCaseTemplate');
    if (data.format !== EXPORT_FORMAT || data.version !== 1) {
      throw new BadRequestError(`Unsupported case template format ${String(data.format)} version ${String(data.version)}`);
    }
    const { pages = [], ...template } = data.caseTemplate;
    const ops: BatchOp[] = [];
    const pageTemplateIds: string[] = [];
    const existing = pages.length ? await this.orgPageTemplates(actor) : [];
    for (const page of pages) {
      const same = existing.find((p) => p.title === page.title && p.category === page.category && (p.content ?? '') === page.content);
      if (same) {
        pageTemplateIds.push(same._id);
        continue;
      }
      const doc = this.pageTemplates.build(actor, page);
      existing.push(doc as Doc);
      pageTemplateIds.push(doc._id);
      ops.push({ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { title: page.title }));
    }
    const doc = await this.build(actor, { ...template, pageTemplateIds: [] });
    doc.pageTemplateIds = [...new Set(pageTemplateIds)];
    return this.insert(actor, doc, ops);
  }

  private async orgPageTemplates(actor: Actor): Promise<Doc[]> {
    const r = await this.store.query({
      entity: 'pageTemplate',
      where: { kind: 'visible', orgIds: [actor.orgId] },
      sort: [],
      output: { kind: 'rows', from: 0, to: 10_000 },
    });
    return r.kind === 'rows' ? r.rows : [];
  }

  /** A template task in TheHive's task output shape. */
  renderTask(t: TemplateTask): Record<string, unknown> {
    return {
      _id: t._id,
      _type: 'Task',
      _createdBy: t._createdBy,
      _createdAt: t._createdAt,
      title: t.title,
      group: t.group,
      ...(t.description !== undefined ? { description: t.description } : {}),
      status: 'Waiting',
      flag: t.flag,
      ...(t.startDate !== undefined ? { startDate: t.startDate } : {}),
      ...(t.endDate !== undefined ? { endDate: t.endDate } : {}),
      order: t.order,
      ...(t.dueDate !== undefined ? { dueDate: t.dueDate } : {}),
      ...(t.assignee !== undefined ? { assignee: t.assignee } : {}),
      mandatory: t.mandatory,
      extraData: {},
    };
  }

  render(doc: Doc): Record<string, unknown> {
    return withLabels({
      ...systemFields(doc),
      name: doc.name,
      displayName: doc.displayName ?? doc.name,
      ...pick(doc, OPTIONAL),
      tags: doc.tags ?? [],
      flag: doc.flag === true,
      customFields: renderCustomFields(doc.customFields),
      tasks: ((doc.tasks as TemplateTask[]) ?? []).map((t) => this.renderTask(t)),
      pageTemplateIds: doc.pageTemplateIds ?? [],
      extraData: {},
    });
  }
}
