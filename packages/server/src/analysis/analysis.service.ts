/**
 * The analysis engine (Cortex 3 semantics): per-organisation workers (enabled definitions with
 * their configuration, rate limit, job cache and timeout), jobs persisted through the
 * EntityStore and run FIFO with bounded concurrency through the JobExecutor.
 * Every method checks the tenant first (other organisation -> NotFoundError), then the role.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Actor } from '../services/actor.js';
import type { AuditService } from '../services/audit.service.js';
import type { Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import { q, type Expr, type SortKey } from '../query/ir.js';
import { AttributeCheckingError, BadRequestError, NotFoundError, RateLimitExceededError } from '../errors/errors.js';
import { assertVisible, visibleTo } from '../services/policy.js';
import type { Catalog, WorkerDefinition, WorkerType } from './catalog.js';
import type { JobExecutor, Report } from './job-executor.js';
import { JobQueue } from './job-queue.js';
import { requireRole, rolesOf } from './roles.js';
import { runtimeConfig, validateConfiguration } from './worker-config.js';

export const RATE_UNITS: Record<string, number> = { Second: 1000, Minute: 60_000, Hour: 3_600_000, Day: 86_400_000, Month: 30 * 86_400_000 };

export interface EngineOptions {
  concurrency: number;
  /** Minutes, when a worker sets none; null = no timeout. */
  jobTimeout: number | null;
  /** Minutes, when a worker sets none. */
  jobCache: number;
}

export interface WorkerInput {
  name?: string;
  configuration?: unknown;
  rate?: number | null;
  rateUnit?: string | null;
  jobCache?: number | null;
  jobTimeout?: number | null;
  dataTypeList?: string[];
}

export interface RunInput {
  data?: unknown;
  dataType?: string;
  tlp?: number;
  pap?: number;
  message?: string;
  parameters?: Record<string, unknown>;
  label?: string;
  force?: boolean;
  /** A stored file (file observables). */
  file?: { sha256: string; size: number; name: string; contentType: string };
}

export interface JobDone {
  job: Doc;
}

function rows(r: Awaited<ReturnType<EntityStore['query']>>): Doc[] {
  return r.kind === 'rows' ? r.rows : [];
}

export class AnalysisService {
  private readonly queue: JobQueue<string>;
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly listeners: Array<(job: Doc) => void> = [];
  private readonly orgNames = new Map<string, string>();
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: EntityStore,
    private readonly blobs: BlobStore,
    private readonly audit: AuditService,
    readonly catalog: Catalog,
    private readonly executor: JobExecutor,
    private readonly opts: EngineOptions,
  ) {
    this.queue = new JobQueue((id) => this.handle(id), opts.concurrency);
  }

  /**
   * Re-queues the jobs left `Waiting` by a previous run (Cortex leaves InProgress ones as they
   * are). It lists them through the store's query, which a cluster store cannot answer while its
   * index is down: then the start goes on, `onRetry` hears of it, and the listing is tried again
   * every `retryMs` until it succeeds or `stop()` is called.
   */
  async start(onRetry?: (error: unknown) => void, retryMs = 5000): Promise<void> {
    try {
      const r = await this.store.query({
        entity: 'job',
        where: q.eq('status', 'Waiting'),
        sort: [{ field: '_createdAt', dir: 'asc' }],
        output: { kind: 'rows', from: 0, to: 1_000_000 },
      });
      for (const j of rows(r)) this.queue.push(j._id);
    } catch (e) {
      if (this.stopped) return;
      onRetry?.(e);
      this.retry = setTimeout(() => void this.start(onRetry, retryMs), retryMs);
      this.retry.unref();
    }
  }

  /** Stops a pending retry of `start()`. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  /** Resolves when no job is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Called with every job that reaches Success or Failure. */
  onJobDone(listener: (job: Doc) => void): void {
    this.listeners.push(listener);
  }

  // ---- definitions ----

  definitions(actor: Actor, type: WorkerType): WorkerDefinition[] {
    requireRole(actor, 'orgadmin', 'superadmin');
    return this.catalog.list(type);
  }

  scan(actor: Actor): void {
    requireRole(actor, 'orgadmin', 'superadmin');
    this.catalog.scan();
  }

  // ---- workers ----

  private workerWhere(actor: Actor, type: WorkerType): Expr {
    return q.and(visibleTo(actor), q.eq('workerType', type));
  }

  async listWorkers(
    actor: Actor,
    type: WorkerType,
    where: Expr,
    range: { from: number; to: number },
    sort: SortKey[],
  ): Promise<{ rows: Doc[]; total: number }> {
    requireRole(actor, 'read');
    const w = q.and(this.workerWhere(actor, type), where);
    const [r, c] = await Promise.all([
      this.store.query({ entity: 'analyzerConfig', where: w, sort: sort.length ? sort : [{ field: 'name', dir: 'asc' }], output: { kind: 'rows', ...range } }),
      this.store.query({ entity: 'analyzerConfig', where: w, sort: [], output: { kind: 'count' } }),
    ]);
    return { rows: rows(r), total: c.kind === 'count' ? c.count : 0 };
  }

  /** The worker by id, or by name (Cortex clients may pass either). */
  async getWorker(actor: Actor, type: WorkerType, idOrName: string): Promise<Doc> {
    requireRole(actor, 'read');
    let doc = idOrName.startsWith('~') ? await this.store.get('analyzerConfig', idOrName) : undefined;
    if (doc && doc.workerType !== type) doc = undefined;
    if (!doc) {
      const r = await this.store.query({
        entity: 'analyzerConfig',
        where: q.and(this.workerWhere(actor, type), q.or(q.eq('name', idOrName), q.eq('workerDefinitionId', idOrName))),
        sort: [],
        output: { kind: 'rows', from: 0, to: 1 },
      });
      doc = rows(r)[0];
    }
    return assertVisible(actor, doc, type === 'analyzer' ? 'Analyzer' : 'Responder', idOrName);
  }

  async workersByType(actor: Actor, type: WorkerType, dataType: string): Promise<Doc[]> {
    requireRole(actor, 'read');
    const r = await this.store.query({
      entity: 'analyzerConfig',
      where: q.and(this.workerWhere(actor, type), q.eq('dataTypeList', dataType)),
      sort: [{ field: 'name', dir: 'asc' }],
      output: { kind: 'rows', from: 0, to: 10_000 },
    });
    return rows(r);
  }

  async enable(actor: Actor, type: WorkerType, definitionId: string, input: WorkerInput): Promise<Doc> {
    requireRole(actor, 'orgadmin');
    const def = this.catalog.get(type, definitionId);
    if (!def) throw new NotFoundError(`${type} definition ${definitionId} not found`);
    const name = input.name ?? def.id;
    if (!name.trim()) throw new AttributeCheckingError('name is required', { tableName: 'worker', errors: [{ type: 'MissingAttributeError', name: 'name' }] });
    const configuration = validateConfiguration(def, input.configuration);
    checkRate(input.rate, input.rateUnit);
    const now = Date.now();
    const doc: NewDoc = {
      _id: this.store.newId(),
      _type: 'analyzerConfig',
      _createdAt: now,
      _createdBy: actor.login,
      _orgs: [actor.orgId],
      _parents: {},
      name,
      workerDefinitionId: def.id,
      workerType: type,
      dataTypeList: input.dataTypeList ?? def.dataTypeList,
      configuration,
      ...(input.rate !== undefined && input.rate !== null ? { rate: input.rate } : {}),
      ...(input.rateUnit !== undefined && input.rateUnit !== null ? { rateUnit: input.rateUnit } : {}),
      ...(input.jobCache !== undefined && input.jobCache !== null ? { jobCache: input.jobCache } : {}),
      ...(input.jobTimeout !== undefined && input.jobTimeout !== null ? { jobTimeout: input.jobTimeout } : {}),
    };
    const [, created] = await this.audit
      .commit([
        { op: 'claim', scope: `worker.${actor.orgId}.${type}`, key: name, owner: doc._id },
        { op: 'insert', doc },
        this.audit.op(actor, 'create', doc, { name, workerDefinitionId: def.id }),
      ])
      .catch((e: unknown) => {
        if (e instanceof Error && /claim|unique|conflict/i.test(`${e.constructor.name} ${e.message}`)) {
          throw new BadRequestError(`The ${type} ${name} is already enabled in this organisation`);
        }
        throw e;
      });
    return created as Doc;
  }

  async updateWorker(actor: Actor, type: WorkerType, id: string, input: WorkerInput): Promise<Doc> {
    const doc = await this.getWorker(actor, type, id);
    requireRole(actor, 'orgadmin');
    const patch: Record<string, unknown> = {};
    if (input.configuration !== undefined) {
      const def = this.catalog.get(type, String(doc.workerDefinitionId));
      patch.configuration = def ? validateConfiguration(def, input.configuration) : input.configuration;
    }
    checkRate(input.rate ?? doc.rate, input.rateUnit ?? doc.rateUnit);
    for (const k of ['rate', 'rateUnit', 'jobCache', 'jobTimeout', 'dataTypeList'] as const) if (input[k] !== undefined) patch[k] = input[k];
    if (Object.keys(patch).length === 0) return doc;
    const [updated] = await this.audit.commit([
      { op: 'update', type: 'analyzerConfig', id: doc._id, patch, by: actor.login },
      this.audit.op(actor, 'update', doc, { ...patch, configuration: undefined }),
    ]);
    return updated as Doc;
  }

  async disable(actor: Actor, type: WorkerType, id: string): Promise<void> {
    const doc = await this.getWorker(actor, type, id);
    requireRole(actor, 'orgadmin', 'superadmin');
    await this.audit.commit([
      { op: 'delete', type: 'analyzerConfig', id: doc._id },
      { op: 'release', scope: `worker.${actor.orgId}.${type}`, key: String(doc.name) },
      this.audit.op(actor, 'delete', doc, { name: doc.name }),
    ]);
  }

  // ---- jobs ----

  /** Serialises the rate-limit check and the insert of one worker's jobs. */
  private async locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return next;
  }

  /**
   * Runs a worker: cache lookup (analyzers, unless `force`), then the rate limit (429 when reached,
   * no job created), then a `Waiting` job is stored and queued.
   * @returns the job, and whether it is an earlier job from the cache.
   */
  async run(actor: Actor, type: WorkerType, workerId: string, input: RunInput): Promise<{ job: Doc; fromCache: boolean }> {
    const worker = await this.getWorker(actor, type, workerId);
    requireRole(actor, 'analyze');
    const dataType = input.dataType;
    if (!dataType) throw new AttributeCheckingError('dataType is missing', { tableName: 'job', errors: [{ type: 'MissingAttributeError', name: 'dataType' }] });
    if (!input.file && (input.data === undefined || input.data === null || (type === 'analyzer' && typeof input.data !== 'string'))) {
      throw new AttributeCheckingError('data/attachment is missing', {
        tableName: 'job',
        errors: [{ type: 'MissingAttributeError', name: 'data/attachment' }],
      });
    }
    const tlp = input.tlp ?? 2;
    const pap = input.pap ?? 2;
    for (const [n, v] of [
      ['tlp', tlp],
      ['pap', pap],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v > 3) {
        throw new AttributeCheckingError(`${n} must be 0 to 3`, { tableName: 'job', errors: [{ type: 'InvalidFormatAttributeError', name: n, value: v }] });
      }
    }
    const parameters = input.parameters ?? {};
    const dataText = input.file ? undefined : typeof input.data === 'string' ? input.data : JSON.stringify(input.data);
    const cacheTag = createHash('md5')
      .update(`${worker._id}|${dataType}|${tlp}|${input.file ? input.file.sha256 : dataText}|${JSON.stringify(parameters)}`)
      .digest('hex');
    if (type === 'analyzer' && !input.force) {
      const minutes = typeof worker.jobCache === 'number' ? worker.jobCache : this.opts.jobCache;
      if (minutes > 0) {
        const r = await this.store.query({
          entity: 'job',
          where: q.and(q.visible([actor.orgId]), q.eq('cacheTag', cacheTag), q.in('status', ['InProgress', 'Success']), {
            kind: 'compare',
            op: 'gte',
            field: 'startDate',
            value: Date.now() - minutes * 60_000,
          }),
          sort: [{ field: '_createdAt', dir: 'desc' }],
          output: { kind: 'rows', from: 0, to: 1 },
        });
        const hit = rows(r)[0];
        if (hit) return { job: hit, fromCache: true };
      }
    }
    const job = await this.locked(worker._id, async () => {
      const rate = worker.rate as number | undefined;
      const unit = worker.rateUnit as string | undefined;
      if (typeof rate === 'number' && unit && RATE_UNITS[unit]) {
        const c = await this.store.query({
          entity: 'job',
          where: q.and(q.eq('workerId', worker._id), { kind: 'compare', op: 'gte', field: '_createdAt', value: Date.now() - RATE_UNITS[unit] }),
          sort: [],
          output: { kind: 'count' },
        });
        if ((c.kind === 'count' ? c.count : 0) >= rate) {
          throw new RateLimitExceededError(`Rate limit of ${rate} per ${unit} reached for the ${type} ${String(worker.name)}. Job cannot be started`);
        }
      }
      const doc: NewDoc = {
        _id: this.store.newId(),
        _type: 'job',
        _createdAt: Date.now(),
        _createdBy: actor.login,
        _orgs: [actor.orgId],
        _parents: {},
        workerId: worker._id,
        workerName: worker.name,
        workerDefinitionId: worker.workerDefinitionId,
        workerType: type,
        dataType,
        ...(dataText !== undefined ? { data: dataText } : {}),
        ...(input.file
          ? {
              attachment: {
                name: input.file.name,
                hashes: [input.file.sha256],
                size: input.file.size,
                contentType: input.file.contentType,
                id: input.file.sha256,
              },
              fileIds: [input.file.sha256],
            }
          : {}),
        tlp,
        pap,
        message: input.message ?? '',
        parameters,
        ...(input.label !== undefined ? { label: input.label } : {}),
        cacheTag,
        status: 'Waiting',
      };
      return this.store.insert(doc);
    });
    this.queue.push(job._id);
    return { job, fromCache: false };
  }

  /** The job handler: idempotent (only a `Waiting` job runs), always ends in Success or Failure. */
  private async handle(jobId: string): Promise<void> {
    let job = await this.store.get('job', jobId);
    if (!job || job.status !== 'Waiting') return;
    const by = job._createdBy;
    job = await this.store.update('job', jobId, { status: 'InProgress', startDate: Date.now() }, by);
    let report: Report;
    try {
      report = await this.execute(job);
    } catch (e) {
      report = { success: false, errorMessage: `Job execution error: ${(e as Error).message}`, input: null };
    }
    const patch: Record<string, unknown> = { status: report.success ? 'Success' : 'Failure', endDate: Date.now(), report };
    if (!report.success) patch.errorMessage = report.errorMessage;
    const artifactFiles = report.success ? report.artifacts.flatMap((a) => (a.attachment ? [a.attachment.id] : [])) : [];
    if (artifactFiles.length) patch.fileIds = [...new Set([...((job.fileIds as string[] | undefined) ?? []), ...artifactFiles])];
    const current = await this.store.get('job', jobId);
    if (current?.status === 'Deleted') delete patch.status;
    const done = await this.store.update('job', jobId, patch, by);
    const w = this.waiters.get(jobId);
    this.waiters.delete(jobId);
    for (const r of w ?? []) r();
    for (const l of this.listeners) {
      try {
        l(done);
      } catch {
        // listeners must not break the engine
      }
    }
  }

  private async execute(job: Doc): Promise<Report> {
    const type = job.workerType as WorkerType;
    const worker = await this.store.get('analyzerConfig', String(job.workerId));
    if (!worker) return { success: false, errorMessage: `The ${type} ${String(job.workerName)} is no longer enabled`, input: null };
    const def = this.catalog.get(type, String(worker.workerDefinitionId));
    if (!def) return { success: false, errorMessage: `The definition ${String(worker.workerDefinitionId)} is no longer available`, input: null };
    const config = runtimeConfig(def, (worker.configuration as Record<string, unknown>) ?? {});
    const minutes = typeof worker.jobTimeout === 'number' ? worker.jobTimeout : this.opts.jobTimeout;
    const att = job.attachment as { id: string; name: string; contentType: string } | undefined;
    let data: unknown = job.data;
    if (type === 'responder' && typeof job.data === 'string') {
      try {
        data = JSON.parse(job.data);
      } catch {
        data = job.data;
      }
    }
    return this.executor.execute({
      jobId: job._id,
      def,
      config,
      dataType: String(job.dataType),
      ...(att ? { file: { name: att.name, contentType: att.contentType, open: (): Promise<Readable> => this.blobs.get(att.id) } } : { data }),
      tlp: Number(job.tlp),
      pap: Number(job.pap),
      message: String(job.message ?? ''),
      parameters: (job.parameters as Record<string, unknown>) ?? {},
      ...(minutes !== null && minutes > 0 ? { timeoutMs: Math.round(minutes * 60_000) } : {}),
    });
  }

  async getJob(actor: Actor, id: string): Promise<Doc> {
    requireRole(actor, 'read');
    return assertVisible(actor, await this.store.get('job', id), 'Job', id);
  }

  async listJobs(actor: Actor, where: Expr, range: { from: number; to: number }, sort: SortKey[]): Promise<{ rows: Doc[]; total: number }> {
    requireRole(actor, 'read');
    const w = q.and(visibleTo(actor), where);
    const [r, c] = await Promise.all([
      this.store.query({ entity: 'job', where: w, sort: sort.length ? sort : [{ field: '_createdAt', dir: 'desc' }], output: { kind: 'rows', ...range } }),
      this.store.query({ entity: 'job', where: w, sort: [], output: { kind: 'count' } }),
    ]);
    return { rows: rows(r), total: c.kind === 'count' ? c.count : 0 };
  }

  /** Soft delete: status `Deleted`. */
  async deleteJob(actor: Actor, id: string): Promise<void> {
    const job = await this.getJob(actor, id);
    requireRole(actor, 'analyze', 'orgadmin');
    await this.store.update('job', job._id, { status: 'Deleted' }, actor.login);
  }

  /** Waits up to `atMostMs` for a Waiting/InProgress job to end, then returns it. */
  async waitJob(actor: Actor, id: string, atMostMs: number): Promise<Doc> {
    const job = await this.getJob(actor, id);
    if (job.status !== 'Waiting' && job.status !== 'InProgress') return job;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(id) ?? [];
        this.waiters.set(
          id,
          list.filter((f) => f !== done),
        );
        resolve();
      }, atMostMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const list = this.waiters.get(id) ?? [];
      list.push(done);
      this.waiters.set(id, list);
    });
    return this.getJob(actor, id);
  }

  async jobStatuses(actor: Actor, ids: string[]): Promise<Record<string, string>> {
    requireRole(actor, 'read');
    const out: Record<string, string> = {};
    const docs = await this.store.getMany('job', ids);
    for (const id of ids) {
      const d = docs.find((x) => x._id === id);
      out[id] = d && d._orgs.includes(actor.orgId) ? String(d.status) : 'NotFound';
    }
    return out;
  }

  /** A stored file of the caller's organisation (job attachments and file artifacts). */
  async openFile(actor: Actor, sha256: string): Promise<Readable> {
    requireRole(actor, 'read');
    const c = await this.store.query({ entity: 'job', where: q.and(visibleTo(actor), q.eq('fileIds', sha256)), sort: [], output: { kind: 'count' } });
    const known = c.kind === 'count' && c.count > 0;
    if (!known || !(await this.blobs.has(sha256))) throw new NotFoundError(`File ${sha256} not found`);
    return this.blobs.get(sha256);
  }

  // ---- rendering (Cortex 3 JSON) ----

  private async orgName(orgId: string): Promise<string> {
    let n = this.orgNames.get(orgId);
    if (n === undefined) {
      n = String((await this.store.get('organisation', orgId))?.name ?? orgId);
      this.orgNames.set(orgId, n);
    }
    return n;
  }

  private entity(doc: Doc, type: string): Record<string, unknown> {
    return {
      id: doc._id,
      _id: doc._id,
      _type: type,
      _routing: doc._id,
      _parent: null,
      _version: doc._version,
      createdAt: doc._createdAt,
      createdBy: doc._createdBy,
      ...(doc._updatedAt !== undefined ? { updatedAt: doc._updatedAt, updatedBy: doc._updatedBy } : {}),
    };
  }

  renderWorker(actor: Actor, doc: Doc): Record<string, unknown> {
    const type = doc.workerType as WorkerType;
    const def = this.catalog.get(type, String(doc.workerDefinitionId));
    const cfg = (doc.configuration as Record<string, unknown>) ?? {};
    const limit = (k: string): number => (typeof cfg[k] === 'number' ? cfg[k] : typeof def?.config[k] === 'number' ? def.config[k] : 3);
    return {
      ...this.entity(doc, 'worker'),
      name: doc.name,
      version: def?.version ?? null,
      workerDefinitionId: doc.workerDefinitionId,
      ...(type === 'analyzer' ? { analyzerDefinitionId: doc.workerDefinitionId } : { responderDefinitionId: doc.workerDefinitionId }),
      description: def?.description ?? '',
      author: def?.author ?? '',
      url: def?.url ?? '',
      license: def?.license ?? '',
      command: def?.command ?? null,
      dataTypeList: doc.dataTypeList ?? [],
      baseConfig: def?.baseConfig ?? doc.name,
      rate: doc.rate ?? null,
      rateUnit: doc.rateUnit ?? null,
      jobCache: doc.jobCache ?? null,
      jobTimeout: doc.jobTimeout ?? null,
      type,
      maxTlp: limit('max_tlp'),
      maxPap: limit('max_pap'),
      ...(rolesOf(actor).includes('orgadmin') ? { configuration: cfg } : {}),
    };
  }

  renderDefinition(def: WorkerDefinition): Record<string, unknown> {
    return {
      id: def.id,
      name: def.name,
      version: def.version,
      description: def.description,
      dataTypeList: def.dataTypeList,
      author: def.author,
      url: def.url,
      license: def.license,
      baseConfig: def.baseConfig,
      configurationItems: def.configurationItems,
      command: def.commandName ?? null,
      ...(def.dockerImage ? { dockerImage: def.dockerImage } : {}),
    };
  }

  async renderJob(doc: Doc, opts: { report?: boolean; fromCache?: boolean } = {}): Promise<Record<string, unknown>> {
    const type = doc.workerType as WorkerType;
    const prefix = type === 'analyzer' ? 'analyzer' : 'responder';
    let data: unknown = doc.data;
    if (type === 'responder' && typeof doc.data === 'string') {
      try {
        data = JSON.parse(doc.data);
      } catch {
        data = doc.data;
      }
    }
    const report = doc.report as Report | undefined;
    const out: Record<string, unknown> = {
      ...this.entity(doc, 'job'),
      workerDefinitionId: doc.workerDefinitionId,
      workerId: doc.workerId,
      workerName: doc.workerName,
      [`${prefix}DefinitionId`]: doc.workerDefinitionId,
      [`${prefix}Id`]: doc.workerId,
      [`${prefix}Name`]: doc.workerName,
      date: doc._createdAt,
      organization: await this.orgName(doc._orgs[0] ?? ''),
      status: doc.status,
      type,
      dataType: doc.dataType,
      ...(doc.attachment ? { attachment: doc.attachment } : { data }),
      tlp: doc.tlp,
      pap: doc.pap,
      message: doc.message ?? '',
      parameters: doc.parameters ?? {},
      ...(doc.label !== undefined ? { label: doc.label } : {}),
      cacheTag: doc.cacheTag,
      ...(doc.startDate !== undefined ? { startDate: doc.startDate } : {}),
      ...(doc.endDate !== undefined ? { endDate: doc.endDate } : {}),
      ...(report && !report.success ? { errorMessage: report.errorMessage, input: report.input } : {}),
      ...(opts.fromCache ? { fromCache: true } : {}),
    };
    if (opts.report) {
      if (doc.status === 'Waiting') out.report = 'Waiting';
      else if (doc.status === 'InProgress') out.report = 'Running';
      else if (doc.status === 'Deleted' && !report) out.report = 'Deleted';
      else out.report = report ?? 'Deleted';
    }
    return out;
  }

  /** The artifacts of a job's report, as Cortex artifact entities. */
  async artifacts(actor: Actor, id: string): Promise<Array<Record<string, unknown>>> {
    const job = await this.getJob(actor, id);
    const report = job.report as Report | undefined;
    if (!report || !report.success) return [];
    return report.artifacts.map((a, i) => ({
      id: `${job._id}-${i}`,
      _id: `${job._id}-${i}`,
      _type: 'artifact',
      _parent: job._id,
      createdAt: job.endDate ?? job._createdAt,
      createdBy: job._createdBy,
      dataType: a.dataType,
      ...(a.attachment ? { attachment: a.attachment } : { data: a.data }),
      tlp: a.tlp ?? job.tlp,
      tags: a.tags ?? [],
      message: a.message ?? '',
    }));
  }
}

function checkRate(rate: unknown, unit: unknown): void {
  if (rate !== undefined && rate !== null && (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 0)) {
    throw new AttributeCheckingError('rate must be a positive integer', {
      tableName: 'worker',
      errors: [{ type: 'InvalidFormatAttributeError', name: 'rate', value: rate }],
    });
  }
  if (unit !== undefined && unit !== null && (typeof unit !== 'string' || !RATE_UNITS[unit])) {
    throw new AttributeCheckingError('rateUnit must be Second, Minute, Hour, Day or Month', {
      tableName: 'worker',
      errors: [{ type: 'InvalidFormatAttributeError', name: 'rateUnit', value: unit }],
    });
  }
}
