/**
 * Case export and import as a password-protected `.thar` archive (see thar.ts). The archive
 * holds `case.json` (the case with its tasks and logs, observables, pages, procedures,
 * comments, custom events and attachment references) and `files/<sha256>` for every file.
 * Export contains what the actor can see; import creates a new case of the actor's
 * organisation in one atomic batch, then applies `sharingParameters`.
 */
import { createHash } from 'node:crypto';
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { AuditService } from './audit.service.js';
import type { CaseInput, CaseService } from './case.service.js';
import { observableKey } from './case.service.js';
import type { AttachmentService, StoredFile } from './attachment.service.js';
import type { ObservableInput, ObservableService } from './observable.service.js';
import type { CasePageService } from './case-page.service.js';
import type { ProcedureService } from './procedure.service.js';
import type { ShareInput, ShareService } from './share.service.js';
import type { Expr } from '../query/ir.js';
import { q } from '../query/ir.js';
import { BadRequestError, WaggleError } from '../errors/errors.js';
import { childAccess, inheritAccess, requirePermission, visibleTo } from './policy.js';
import { buildTaskDoc, type TaskInput } from './task-doc.js';
import { readThar, writeThar, type TharEntry, type TharLimits } from './thar.js';

export interface ImportInput {
  password: string;
  sharingParameters?: ShareInput[];
  taskRule?: string;
  observableRule?: string;
}

export interface ImportError {
  type: string;
  message: string;
  object?: unknown;
}

export interface ImportResult {
  case: Doc;
  observables: Doc[];
  procedures: Doc[];
  errors: ImportError[];
}

interface FileRef {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
}

type Json = Record<string, unknown>;

const FORMAT_VERSION = 1;
const MAX_ROWS = 100_000;
const CASE_FIELDS = [
  'title',
  'description',
  'severity',
  'startDate',
  'endDate',
  'tags',
  'flag',
  'tlp',
  'pap',
  'status',
  'summary',
  'impactStatus',
  'customFields',
  'taskRule',
  'observableRule',
  'caseTemplate',
  'externalLinks',
];
const TASK_FIELDS = ['title', 'group', 'description', 'status', 'flag', 'startDate', 'endDate', 'order', 'dueDate', 'mandatory'];
const LOG_FIELDS = ['message', 'date', 'owner', 'includeInTimeline'];
const OBSERVABLE_FIELDS = ['dataType', 'data', 'message', 'startDate', 'tlp', 'pap', 'tags', 'ioc', 'sighted', 'sightedAt', 'ignoreSimilarity'];
const PAGE_FIELDS = ['title', 'content', 'category', 'order'];
const PROCEDURE_FIELDS = ['occurDate', 'patternId', 'tactic', 'description'];
const COMMENT_FIELDS = ['message', 'isEdited', '_createdBy', '_createdAt'];
const EVENT_FIELDS = ['date', 'endDate', 'title', 'description'];

function fields(doc: Doc, names: readonly string[]): Json {
  const out: Json = {};
  for (const n of names) if (doc[n] !== undefined && doc[n] !== null) out[n] = doc[n];
  return out;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const inRange = (v: unknown, min: number, max: number): number | undefined =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : undefined;
const strs = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
function defined<T extends Json>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export class CaseExportService {
  constructor(
    private readonly store: EntityStore,
    private readonly blobs: BlobStore,
    private readonly audit: AuditService,
    private readonly cases: CaseService,
    private readonly attachments: AttachmentService,
    private readonly observables: ObservableService,
    private readonly pages: CasePageService,
    private readonly procedures: ProcedureService,
    private readonly shares: ShareService,
    private readonly limits: TharLimits,
  ) {}

  private async rows(actor: Actor, entity: string, where: Expr): Promise<Doc[]> {
    const r = await this.store.query({
      entity,
      where: q.and(visibleTo(actor), where),
      sort: [{ field: '_createdAt', dir: 'asc' }],
      output: { kind: 'rows', from: 0, to: MAX_ROWS },
    });
    return r.kind === 'rows' ? r.rows : [];
  }

  private static async read(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of stream) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts);
  }

  /**
   * `GET /case/{id}/export?password=`: the archive of a visible case, with what the actor sees.
   * @returns the archive and a file name (`case-<number>.thar`).
   */
  async export(actor: Actor, caseId: string, password: string): Promise<{ filename: string; data: Buffer }> {
    if (!password) throw new BadRequestError('A password is required to export a case');
    const doc = await this.cases.resolve(actor, caseId);
    const files = new Map<string, FileRef>();
    const ref = (a: Doc | Json): FileRef => {
      const r: FileRef = {
        name: String(a.name ?? 'file'),
        contentType: String(a.contentType ?? 'application/octet-stream'),
        size: Number(a.size ?? 0),
        sha256: String(a.id),
      };
      files.set(r.sha256, r);
      return r;
    };
    const tasks = await this.rows(actor, 'task', q.parentId('case', doc._id));
    const logs = tasks.length ? await this.rows(actor, 'log', q.parentId('task', ...tasks.map((t) => t._id))) : [];
    const logAtts = logs.length ? await this.rows(actor, 'attachment', q.parentId('log', ...logs.map((l) => l._id))) : [];
    const caseAtts = (await this.rows(actor, 'attachment', q.parentId('case', doc._id))).filter(
      (a) => !a._parents.log && !a._parents.observable && !a._parents.task,
    );
    const observables = await this.rows(actor, 'observable', q.parentId('case', doc._id));
    const body = {
      version: FORMAT_VERSION,
      exportedAt: Date.now(),
      case: fields(doc, CASE_FIELDS),
      tasks: tasks.map((t) => ({
        ...fields(t, TASK_FIELDS),
        logs: logs
          .filter((l) => l._parents.task === t._id)
          .map((l) => ({ ...fields(l, LOG_FIELDS), attachments: logAtts.filter((a) => a._parents.log === l._id).map(ref) })),
      })),
      observables: observables.map((o) => ({
        ...fields(o, OBSERVABLE_FIELDS),
        ...(isObj(o.attachment) && o.attachment.id ? { attachment: ref(o.attachment) } : {}),
      })),
      pages: (await this.rows(actor, 'page', q.parentId('case', doc._id))).map((p) => fields(p, PAGE_FIELDS)),
      procedures: (await this.rows(actor, 'procedure', q.parentId('case', doc._id))).map((p) => fields(p, PROCEDURE_FIELDS)),
      comments: (await this.rows(actor, 'comment', q.parentId('case', doc._id))).map((c) => fields(c, COMMENT_FIELDS)),
      customEvents: (await this.rows(actor, 'customEvent', q.parentId('case', doc._id))).map((e) => fields(e, EVENT_FIELDS)),
      attachments: caseAtts.map(ref),
    };
    const entries: TharEntry[] = [{ name: 'case.json', data: Buffer.from(JSON.stringify(body), 'utf8') }];
    let total = entries[0]!.data.length;
    for (const f of files.values()) {
      const data = await CaseExportService.read(await this.blobs.get(f.sha256));
      total += data.length;
      if (total > this.limits.maxTotalSize) throw new BadRequestError('The case is too large to export');
      entries.push({ name: `files/${f.sha256}`, data });
    }
    return { filename: `case-${String(doc.number)}.thar`, data: writeThar(entries, password) };
  }

  /** Reads and checks an uploaded archive: the case JSON and its files by SHA-256. */
  private async open(file: StoredFile, password: string): Promise<{ body: Json; files: Map<string, Buffer> }> {
    if (!password) throw new BadRequestError('The archive password is required');
    const entries = readThar(await CaseExportService.read(await this.blobs.get(file.sha256)), password, this.limits);
    const json = entries.find((e) => e.name === 'case.json');
    if (!json) throw new BadRequestError('Invalid case archive: case.json is missing');
    let body: unknown;
    try {
      body = JSON.parse(json.data.toString('utf8'));
    } catch {
      throw new BadRequestError('Invalid case archive: case.json is not JSON');
    }
    if (!isObj(body) || !isObj(body.case)) throw new BadRequestError('Invalid case archive: no case in case.json');
    const files = new Map<string, Buffer>();
    for (const e of entries) if (e.name.startsWith('files/')) files.set(e.name.slice('files/'.length), e.data);
    return { body, files };
  }

  /** Stores a referenced file (its content must match its SHA-256). */
  private async storeFile(ref: Json, files: Map<string, Buffer>, field: string): Promise<StoredFile> {
    const sha = str(ref.sha256) ?? '';
    const data = files.get(sha);
    if (!data || createHash('sha256').update(data).digest('hex') !== sha) {
      throw new BadRequestError(`File ${String(ref.name)} is missing or corrupt in the archive`);
    }
    const info = await this.blobs.put(data);
    return { field, filename: str(ref.name) ?? 'file', contentType: str(ref.contentType) ?? 'application/octet-stream', sha256: info.sha256, size: info.size };
  }

  /**
   * `POST /case/import`: creates a case of the actor's organisation from an archive. Items that
   * cannot be imported (unknown observable type or pattern, bad custom field...) are skipped
   * and reported in `errors`; a wrong password or a corrupt archive is a 400.
   */
  async import(actor: Actor, input: ImportInput, file: StoredFile): Promise<ImportResult> {
    requirePermission(actor, 'manageCase/create');
    const { body, files } = await this.open(file, input.password);
    const errors: ImportError[] = [];
    const c = body.case as Json;
    const caseInput: CaseInput = defined({
      title: str(c.title) ?? 'Imported case',
      description: str(c.description) ?? '',
      severity: inRange(c.severity, 1, 4),
      startDate: num(c.startDate),
      endDate: num(c.endDate),
      tags: strs(c.tags),
      flag: bool(c.flag),
      tlp: inRange(c.tlp, 0, 4),
      pap: inRange(c.pap, 0, 3),
      status: str(c.status),
      summary: str(c.summary),
      taskRule: input.taskRule ?? str(c.taskRule),
      observableRule: input.observableRule ?? str(c.observableRule),
    });
    const cfs = list(c.customFields).map((cf) => defined({ name: String(cf.name), value: cf.value, order: num(cf.order) }));
    let caseDoc: NewDoc;
    try {
      caseDoc = await this.cases.build(actor, { ...caseInput, customFields: cfs });
    } catch (e) {
      if (!(e instanceof WaggleError) || e.status !== 400 || cfs.length === 0) throw e;
      errors.push({ type: e.type, message: e.message, object: { customFields: cfs } });
      caseDoc = await this.cases.build(actor, caseInput);
    }
    if (str(c.impactStatus)) caseDoc.impactStatus = c.impactStatus;
    if (Array.isArray(c.externalLinks)) {
      caseDoc.externalLinks = list(c.externalLinks).flatMap((l) => (str(l.url) && str(l.type) ? [{ url: l.url, type: l.type }] : []));
    }
    const ops: BatchOp[] = [{ op: 'insert', doc: caseDoc }, this.audit.op(actor, 'import', caseDoc, { title: caseDoc.title })];
    const asDoc = { ...caseDoc, _version: 1 } as Doc;
    const skip = (what: string, e: unknown, object: unknown): void => {
      if (!(e instanceof WaggleError) || e.status >= 500) throw e;
      errors.push({ type: e.type, message: `${what}: ${e.message}`, object });
    };

    for (const t of list(body.tasks)) {
      let task: NewDoc;
      try {
        const ti: TaskInput = defined({
          title: str(t.title) ?? 'task',
          group: str(t.group),
          description: str(t.description),
          status: str(t.status),
          flag: bool(t.flag),
          startDate: num(t.startDate),
          endDate: num(t.endDate),
          order: num(t.order),
          dueDate: num(t.dueDate),
          mandatory: bool(t.mandatory),
        });
        task = buildTaskDoc(this.store, actor, caseDoc, ti);
      } catch (e) {
        skip('Task', e, { title: t.title });
        continue;
      }
      ops.push({ op: 'insert', doc: task });
      for (const l of list(t.logs)) {
        const now = Date.now();
        const log: NewDoc = {
          _id: this.store.newId(),
          _type: 'log',
          _createdAt: now,
          _createdBy: actor.login,
          ...inheritAccess(task),
          _parents: { task: task._id, case: caseDoc._id },
          message: str(l.message) ?? '',
          date: num(l.date) ?? now,
          owner: str(l.owner) ?? actor.login,
          ...(num(l.includeInTimeline) !== undefined ? { includeInTimeline: l.includeInTimeline } : {}),
        };
        ops.push({ op: 'insert', doc: log });
        for (const a of list(l.attachments)) {
          try {
            ops.push({ op: 'insert', doc: this.attachments.buildDoc(actor, { relation: 'log', doc: log }, await this.storeFile(a, files, 'attachments')) });
          } catch (e) {
            skip('Log attachment', e, { name: a.name });
          }
        }
      }
    }

    const prepared: NewDoc[] = [];
    const keys = new Set<string>();
    for (const o of list(body.observables)) {
      try {
        const oi: ObservableInput = defined({
          dataType: str(o.dataType) ?? '',
          data: str(o.data),
          message: str(o.message),
          startDate: num(o.startDate),
          tlp: inRange(o.tlp, 0, 4),
          pap: inRange(o.pap, 0, 3),
          tags: strs(o.tags),
          ioc: bool(o.ioc),
          sighted: bool(o.sighted),
          sightedAt: num(o.sightedAt),
          ignoreSimilarity: bool(o.ignoreSimilarity),
        });
        const fileList = isObj(o.attachment) ? [await this.storeFile(o.attachment, files, 'attachment')] : [];
        const { items, failure } = await this.observables.prepare(actor, { relation: 'case', doc: asDoc }, oi, fileList);
        for (const f of failure) errors.push({ type: f.type, message: f.message, object: f.object });
        for (const item of items) {
          const key = observableKey(item.doc);
          if (keys.has(key)) {
            errors.push({ type: 'CreateError', message: 'Observable already exists', object: item.object });
            continue;
          }
          keys.add(key);
          ops.push(...item.ops);
          prepared.push(item.doc);
        }
      } catch (e) {
        skip('Observable', e, { dataType: o.dataType, data: o.data });
      }
    }

    for (const p of list(body.pages)) {
      ops.push({
        op: 'insert',
        doc: this.pages.build(actor, caseDoc, {
          title: str(p.title) ?? 'page',
          content: str(p.content) ?? '',
          category: str(p.category) ?? 'default',
          ...(num(p.order) !== undefined ? { order: num(p.order)! } : {}),
        }),
      });
    }
    const procedures: NewDoc[] = [];
    for (const p of list(body.procedures)) {
      try {
        const doc = await this.procedures.build(
          actor,
          caseDoc,
          defined({ occurDate: num(p.occurDate) ?? Date.now(), patternId: str(p.patternId) ?? '', tactic: str(p.tactic), description: str(p.description) }),
        );
        procedures.push(doc);
        ops.push({ op: 'insert', doc });
      } catch (e) {
        skip('Procedure', e, { patternId: p.patternId });
      }
    }
    for (const cm of list(body.comments)) {
      const doc: NewDoc = {
        _id: this.store.newId(),
        _type: 'comment',
        _createdAt: Date.now(),
        _createdBy: actor.login,
        ...childAccess(caseDoc, 'other'),
        _parents: { case: caseDoc._id },
        message: str(cm.message) ?? '',
        isEdited: false,
      };
      ops.push({ op: 'insert', doc });
    }
    for (const ev of list(body.customEvents)) {
      const date = num(ev.date);
      if (date === undefined || !str(ev.title)) {
        errors.push({ type: 'AttributeCheckingError', message: 'Custom event: date and title are required', object: ev });
        continue;
      }
      const doc: NewDoc = {
        _id: this.store.newId(),
        _type: 'customEvent',
        _createdAt: Date.now(),
        _createdBy: actor.login,
        ...childAccess(caseDoc, 'other'),
        _parents: { case: caseDoc._id },
        ...defined({ date, endDate: num(ev.endDate), title: str(ev.title), description: str(ev.description) }),
      };
      ops.push({ op: 'insert', doc });
    }
    for (const a of list(body.attachments)) {
      try {
        ops.push({ op: 'insert', doc: this.attachments.buildDoc(actor, { relation: 'case', doc: caseDoc }, await this.storeFile(a, files, 'attachments')) });
      } catch (e) {
        skip('Attachment', e, { name: a.name });
      }
    }

    const results = await this.audit.commit(ops);
    const written = new Map(results.filter((r): r is Doc => typeof r === 'object').map((r) => [r._id, r]));
    if (input.sharingParameters?.length) {
      try {
        await this.shares.share(actor, caseDoc._id, input.sharingParameters);
      } catch (e) {
        skip('Sharing', e, input.sharingParameters);
      }
    }
    const created = (await this.store.get('case', caseDoc._id)) ?? written.get(caseDoc._id);
    if (!created) throw new Error(`Imported case ${caseDoc._id} vanished`);
    return {
      case: created,
      observables: prepared.flatMap((d) => (written.has(d._id) ? [written.get(d._id)!] : [])),
      procedures: procedures.flatMap((d) => (written.has(d._id) ? [written.get(d._id)!] : [])),
      errors,
    };
  }
}
