/**
 * Full case creation (`POST /api/v1/case` with a template, tasks, pages and sharing) and the
 * bulk application of a template to existing cases. Everything a case is created with goes
 * into the same atomic batch as the case.
 */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { CaseInput, CaseService, ChildOps } from './case.service.js';
import type { CaseTemplateService, TemplateTask } from './case-template.service.js';
import type { PageInput, PageTemplateService } from './page-template.service.js';
import type { CasePageService } from './case-page.service.js';
import type { StoredCustomField, CustomFieldsInput } from './custom-fields.js';
import { buildTaskDoc, type TaskInput } from './task-doc.js';
import { BadRequestError } from '../errors/errors.js';
import { childAccess, requirePermission } from './policy.js';
import { dedupe } from './case.service.js';

export interface ShareParameter {
  organisation: string;
  share?: boolean;
  profile?: string;
  taskRule?: string;
  observableRule?: string;
}

/** The full InputCase of TheHive. */
export interface FullCaseInput extends CaseInput {
  caseTemplate?: string;
  tasks?: TaskInput[];
  pages?: PageInput[];
  sharingParameters?: ShareParameter[];
  access?: unknown;
}

export interface ApplyTemplateInput {
  ids: string[];
  caseTemplate: string;
  updateTitlePrefix?: boolean;
  updateDescription?: boolean;
  updateTags?: boolean;
  updateSeverity?: boolean;
  updateFlag?: boolean;
  updateTlp?: boolean;
  updatePap?: boolean;
  updateCustomFields?: boolean;
  /** Template task titles to add, or `true` for all of them. */
  importTasks?: boolean | string[];
  /** Page template ids or titles to add, or `true` for all of them. */
  importPages?: boolean | string[];
}

/** Shares a new case with other organisations; provided by the sharing module when present. */
export type CaseSharer = (actor: Actor, caseDoc: Doc, shares: ShareParameter[]) => Promise<unknown>;

/** Restricts a new case to named users (`access: {_kind: 'UserAccessKind', users}`); provided by the sharing module. */
export type CaseAccessSetter = (actor: Actor, caseDoc: Doc, access: { _kind: string; users?: string[] }) => Promise<unknown>;

interface CfEntry {
  name: string;
  value: unknown;
  order?: number;
}

/** Custom field input (list or map) as entries, keeping the absence of `order`. */
function entries(input: CustomFieldsInput | undefined): CfEntry[] {
  if (input === undefined || input === null) return [];
  if (Array.isArray(input)) return input.map((e) => ({ name: e.name, value: e.value ?? null, ...(typeof e.order === 'number' ? { order: e.order } : {}) }));
  return Object.entries(input).map(([name, value]) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const o = value as Record<string, unknown>;
      const typed = Object.entries(o).find(([k]) => ['string', 'integer', 'float', 'boolean', 'date', 'url'].includes(k));
      return { name, value: typed ? typed[1] : null, ...(typeof o.order === 'number' ? { order: o.order } : {}) };
    }
    return { name, value };
  });
}

/** TheHive's merge: the case's values win, template-only fields are added; ordered entries first, then renumbered. */
export function mergeCustomFields(caseFields: CfEntry[], templateFields: StoredCustomField[]): Array<{ name: string; value: unknown; order: number }> {
  const names = new Set(caseFields.map((c) => c.name));
  const all: CfEntry[] = [...caseFields, ...templateFields.filter((t) => !names.has(t.name)).map((t) => ({ name: t.name, value: t.value, order: t.order }))];
  return all
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const ao = a.e.order;
      const bo = b.e.order;
      if (ao === undefined && bo === undefined) return a.i - b.i;
      if (ao === undefined) return 1;
      if (bo === undefined) return -1;
      return ao - bo || a.i - b.i;
    })
    .map(({ e }, order) => ({ name: e.name, value: e.value, order }));
}

/** `prefix title`, as TheHive 4 does (trailing blanks of the prefix trimmed). */
export function prefixTitle(prefix: unknown, title: string): string {
  if (typeof prefix !== 'string' || prefix.trim() === '') return title;
  const p = prefix.replace(/\s+$/, '');
  return title.startsWith(`${p} `) ? title : `${p} ${title}`;
}

function isUserAccess(access: unknown): access is { _kind: string; users?: string[] } {
  return typeof access === 'object' && access !== null && (access as { _kind?: unknown })._kind === 'UserAccessKind';
}

/** Tasks that template tasks become in a case. */
function templateTaskInput(t: TemplateTask): TaskInput {
  const { _id: _i, _createdAt: _c, _createdBy: _b, ...rest } = t;
  return rest;
}

export class CaseCreationService {
  /** Set by the sharing module to share new cases (`sharingParameters`); ignored while unset. */
  sharer: CaseSharer | undefined;
  /** Set by the sharing module to apply a non-default `access` given at creation; ignored while unset. */
  accessSetter: CaseAccessSetter | undefined;

  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly cases: CaseService,
    private readonly templates: CaseTemplateService,
    private readonly pageTemplates: PageTemplateService,
    private readonly pages: CasePageService,
  ) {}

  /** The template for a new case: BadRequest (not 404) when unknown, as TheHive answers. */
  private async template(actor: Actor, idOrName: string): Promise<Doc> {
    try {
      return await this.templates.resolve(actor, idOrName);
    } catch (e) {
      if ((e as { type?: string }).type === 'NotFoundError') throw new BadRequestError(`Case template ${idOrName} not found`);
      throw e;
    }
  }

  /** Page templates of a template that are still visible (deleted ones are skipped). */
  private async linkedPages(actor: Actor, template: Doc): Promise<Doc[]> {
    const ids = (template.pageTemplateIds as string[]) ?? [];
    const docs = await this.store.getMany('pageTemplate', ids);
    const visible = await Promise.all(docs.map((d) => this.pageTemplates.get(actor, d._id).catch(() => undefined)));
    return visible.filter((d): d is Doc => d !== undefined);
  }

  private childOps(actor: Actor, caseDoc: NewDoc, tasks: TaskInput[], pages: PageInput[]): BatchOp[] {
    const ops: BatchOp[] = [];
    for (const t of tasks) {
      const doc: NewDoc = { ...buildTaskDoc(this.store, actor, caseDoc, t), ...childAccess(caseDoc, 'task') };
      ops.push({ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { title: doc.title }));
    }
    for (const p of pages) {
      const doc = this.pages.build(actor, caseDoc, p);
      ops.push({ op: 'insert', doc }, this.audit.op(actor, 'create', doc, { title: doc.title }));
    }
    return ops;
  }

  /**
   * Creates a case from the full InputCase, applying its template, in one batch.
   * `more` adds ops built once the case document exists (e.g. an alert's content on promotion)
   * and `extraFields` extra case fields, both in the same batch as the case.
   */
  async create(actor: Actor, input: FullCaseInput, more?: ChildOps, extraFields: Record<string, unknown> = {}): Promise<Doc> {
    requirePermission(actor, 'manageCase/create');
    const { caseTemplate, tasks = [], pages = [], sharingParameters, access, ...base } = input;
    let caseInput: CaseInput = base;
    let allTasks: TaskInput[] = tasks;
    let allPages: PageInput[] = pages;
    const extra: Record<string, unknown> = { ...extraFields };
    if (caseTemplate !== undefined && caseTemplate !== '') {
      const t = await this.template(actor, caseTemplate);
      caseInput = {
        ...base,
        title: prefixTitle(t.titlePrefix, base.title),
        description: base.description === '' && typeof t.description === 'string' ? t.description : base.description,
        severity: base.severity ?? (t.severity as number | undefined),
        flag: base.flag ?? (t.flag as boolean | undefined),
        tlp: base.tlp ?? (t.tlp as number | undefined),
        pap: base.pap ?? (t.pap as number | undefined),
        summary: base.summary ?? (t.summary as string | undefined),
        tags: dedupe([...(base.tags ?? []), ...((t.tags as string[]) ?? [])]),
        customFields: mergeCustomFields(entries(base.customFields), (t.customFields as StoredCustomField[]) ?? []),
      };
      allTasks = [...((t.tasks as TemplateTask[]) ?? []).map(templateTaskInput), ...tasks];
      const linked = await this.linkedPages(actor, t);
      allPages = [
        ...linked.map((p) => ({ title: String(p.title), content: String(p.content ?? ''), category: String(p.category), order: Number(p.order ?? 0) })),
        ...pages,
      ];
      extra.caseTemplate = t.name;
    }
    const created = await this.cases.create(
      actor,
      caseInput,
      async (doc) => [...this.childOps(actor, doc, allTasks, allPages), ...(more ? await more(doc) : [])],
      extra,
    );
    if (sharingParameters?.length && this.sharer) await this.sharer(actor, created, sharingParameters);
    if (isUserAccess(access) && this.accessSetter) {
      await this.accessSetter(actor, created, access);
      return (await this.store.get('case', created._id)) ?? created;
    }
    return created;
  }

  /** Applies a template to existing cases (`POST /api/v1/case/_bulk/caseTemplate`), in one batch. */
  async applyTemplate(actor: Actor, input: ApplyTemplateInput): Promise<void> {
    requirePermission(actor, 'manageCase/update');
    const t = await this.template(actor, input.caseTemplate);
    if (input.importTasks) requirePermission(actor, 'manageTask');
    if (input.importPages) requirePermission(actor, 'managePage');
    const templateTasks = (t.tasks as TemplateTask[]) ?? [];
    const tasks =
      input.importTasks === true
        ? templateTasks
        : Array.isArray(input.importTasks)
          ? templateTasks.filter((x) => (input.importTasks as string[]).includes(x.title))
          : [];
    const linked = input.importPages ? await this.linkedPages(actor, t) : [];
    const pages =
      input.importPages === true
        ? linked
        : Array.isArray(input.importPages)
          ? linked.filter((p) => (input.importPages as string[]).some((k) => k === p._id || k === p.title))
          : [];
    const ops: BatchOp[] = [];
    for (const id of new Set(input.ids)) {
      const doc = await this.cases.resolve(actor, id);
      requirePermission(actor, 'manageCase/update', doc);
      if (tasks.length) requirePermission(actor, 'manageTask', doc);
      if (pages.length) requirePermission(actor, 'managePage', doc);
      const update: Parameters<CaseService['patchFor']>[2] = {};
      if (input.updateTitlePrefix) update.title = prefixTitle(t.titlePrefix, String(doc.title));
      if (input.updateDescription && typeof t.description === 'string') update.description = t.description;
      if (input.updateTags) update.addTags = (t.tags as string[]) ?? [];
      if (input.updateSeverity && typeof t.severity === 'number') update.severity = t.severity;
      if (input.updateFlag && typeof t.flag === 'boolean') update.flag = t.flag;
      if (input.updateTlp && typeof t.tlp === 'number') update.tlp = t.tlp;
      if (input.updatePap && typeof t.pap === 'number') update.pap = t.pap;
      if (input.updateCustomFields) {
        const current = (doc.customFields as StoredCustomField[]) ?? [];
        const missing = ((t.customFields as StoredCustomField[]) ?? []).filter(
          (c) => !current.some((x) => x.name === c.name && x.value !== null && x.value !== undefined),
        );
        if (missing.length) update.customFields = missing.map((c) => ({ name: c.name, value: c.value }));
      }
      const patch = await this.cases.patchFor(actor, doc, update);
      patch.caseTemplate = t.name;
      ops.push({ op: 'update', type: 'case', id: doc._id, patch, by: actor.login }, this.audit.op(actor, 'update', doc, patch));
      ops.push(
        ...this.childOps(
          actor,
          doc,
          tasks.map(templateTaskInput),
          pages.map((p) => ({ title: String(p.title), content: String(p.content ?? ''), category: String(p.category), order: Number(p.order ?? 0) })),
        ),
      );
    }
    await this.audit.commit(ops);
  }
}
