/**
 * The TheHive side of the analysis engines (thehive4py's `/api/connector/cortex/...`): analyzer
 * jobs on observables (`case_artifact_job`), responder actions, reports stored on observables
 * (`reports: {<analyzerName>: {taxonomies}}`), auto-run rules and per-engine health.
 * A job is always recorded, even for an unknown engine or analyzer or an unreachable engine:
 * it then ends at once in Failure with a clear message (never a hang, never a 5xx).
 */
import type { Actor } from '../../services/actor.js';
import { systemActor } from '../../services/actor.js';
import type { AuditService } from '../../services/audit.service.js';
import type { ObservableService } from '../../services/observable.service.js';
import type { EventBus } from '../../services/events.js';
import type { Doc, EntityStore, NewDoc } from '../../storage/entity-store.js';
import { q } from '../../query/ir.js';
import { BadRequestError, NotFoundError } from '../../errors/errors.js';
import { assertVisible, canSee, inheritAccess, requirePermission } from '../../services/policy.js';
import type { EngineClient, EngineJob, EngineWorker } from './engine-client.js';
import type { OperationContext, OperationRunner } from './operations.js';
import { LocalSingletons, type SingletonHandle, type Singletons } from '../../cluster/singletons.js';

export interface JobRequest {
  analyzerId: string;
  cortexId?: string;
  artifactId: string;
  parameters?: Record<string, unknown>;
}

export interface ActionRequest {
  responderId: string;
  cortexId?: string;
  objectType: string;
  objectId: string;
  parameters?: Record<string, unknown>;
  tlp?: number;
}

export interface EngineHealth {
  name: string;
  version: string | null;
  status: 'OK' | 'ERROR';
  reachable: boolean;
  error?: string;
}

export interface AutoRunRule {
  dataTypes: string[];
  analyzers: string[];
}

const DONE = new Set(['Success', 'Failure', 'Deleted']);
const OBJECT_TYPES: Record<string, string> = {
  case: 'case',
  case_task: 'task',
  case_artifact: 'observable',
  alert: 'alert',
  case_task_log: 'log',
  observable: 'observable',
  task: 'task',
  log: 'log',
};

export class CortexConnectorService {
  private poller: SingletonHandle | undefined;
  private polling = false;

  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
    private readonly observables: ObservableService,
    private readonly engines: readonly EngineClient[],
    private readonly rules: readonly AutoRunRule[],
    private readonly runOperations?: OperationRunner,
  ) {}

  private engine(name: string | undefined): EngineClient | undefined {
    return name ? this.engines.find((e) => e.name === name) : this.engines[0];
  }

  // ---- analyzers and responders ----

  /** Analyzers of every engine, merged by name (`cortexIds` lists the engines). Unreachable engines are skipped. */
  async analyzers(actor: Actor, dataType?: string): Promise<Array<Record<string, unknown>>> {
    const byName = new Map<string, Record<string, unknown> & { cortexIds: string[] }>();
    for (const e of this.engines) {
      let list: EngineWorker[];
      try {
        list = await e.workers(actor, 'analyzer', dataType);
      } catch {
        continue;
      }
      for (const w of list) {
        const cur = byName.get(w.name);
        if (cur) cur.cortexIds.push(e.name);
        else byName.set(w.name, { id: w.id, name: w.name, version: w.version, description: w.description, dataTypeList: w.dataTypeList, cortexIds: [e.name] });
      }
    }
    return [...byName.values()];
  }

  async analyzer(actor: Actor, id: string): Promise<Record<string, unknown>> {
    const found = (await this.analyzers(actor)).find((a) => a.id === id || a.name === id);
    if (!found) throw new NotFoundError(`Analyzer ${id} not found`);
    return found;
  }

  /** Responders for an entity, filtered by the entity's TLP/PAP against the responders' maxTlp/maxPap. */
  async responders(actor: Actor, entityType: string, entityId: string): Promise<Array<Record<string, unknown>>> {
    const entity = await this.entity(actor, entityType, entityId);
    const tlp = typeof entity.tlp === 'number' ? entity.tlp : 2;
    const pap = typeof entity.pap === 'number' ? entity.pap : 2;
    const out: Array<Record<string, unknown>> = [];
    for (const e of this.engines) {
      let list: EngineWorker[];
      try {
        list = await e.workers(actor, 'responder', `thehive:${entityType}`);
      } catch {
        continue;
      }
      for (const w of list) {
        if (w.maxTlp >= tlp && w.maxPap >= pap) {
          out.push({ id: w.id, name: w.name, version: w.version, description: w.description, dataTypeList: w.dataTypeList, cortexIds: [e.name] });
        }
      }
    }
    return out;
  }

  private async entity(actor: Actor, entityType: string, entityId: string): Promise<Doc> {
    const type = OBJECT_TYPES[entityType];
    if (!type) throw new NotFoundError(`Unknown entity type ${entityType}`);
    if (type === 'observable') return this.observables.get(actor, entityId);
    return assertVisible(actor, await this.store.get(type, entityId), entityType, entityId);
  }

  // ---- analyzer jobs ----

  /** Records and starts an analyzer job on an observable. */
  async createJob(actor: Actor, req: JobRequest): Promise<Doc> {
    const obs = await this.observables.get(actor, req.artifactId);
    requirePermission(actor, 'manageAnalyse', obs);
    const engine = this.engine(req.cortexId);
    const now = Date.now();
    const parents: Record<string, string> = { observable: obs._id };
    if (obs._parents.case) parents.case = obs._parents.case;
    if (obs._parents.alert) parents.alert = obs._parents.alert;
    const base: NewDoc = {
      _id: this.store.newId(),
      _type: 'analyzerJob',
      _createdAt: now,
      _createdBy: actor.login,
      ...inheritAccess(obs),
      _parents: parents,
      analyzerId: req.analyzerId,
      analyzerName: req.analyzerId,
      analyzerDefinition: req.analyzerId,
      cortexId: req.cortexId ?? engine?.name ?? 'none',
      cortexJobId: '',
      status: 'Waiting',
      startDate: now,
      parameters: req.parameters ?? {},
    };
    let started: EngineJob | undefined;
    let failure: string | undefined;
    if (!engine) failure = `No analysis engine named ${req.cortexId ?? '(default)'} is configured`;
    else {
      try {
        const worker = (await engine.workers(actor, 'analyzer')).find(
          (w) => w.id === req.analyzerId || w.name === req.analyzerId || w.workerDefinitionId === req.analyzerId,
        );
        if (!worker) failure = `Analyzer ${req.analyzerId} is not enabled on engine ${engine.name}`;
        else {
          base.analyzerName = worker.name;
          base.analyzerDefinition = worker.workerDefinitionId;
          const att = obs.attachment as { id?: string; name?: string; contentType?: string; size?: number } | undefined;
          const caseDoc = obs._parents.case ? await this.store.get('case', obs._parents.case) : undefined;
          started = await engine.run(actor, 'analyzer', worker.id, {
            dataType: String(obs.dataType),
            ...(att?.id
              ? {
                  file: {
                    sha256: att.id,
                    name: String(att.name ?? 'file'),
                    contentType: String(att.contentType ?? 'application/octet-stream'),
                    size: Number(att.size ?? 0),
                  },
                }
              : { data: String(obs.data ?? '') }),
            tlp: typeof obs.tlp === 'number' ? obs.tlp : 2,
            pap: typeof caseDoc?.pap === 'number' ? caseDoc.pap : 2,
            message: caseDoc ? String(caseDoc.number ?? '') : '',
            parameters: { ...(req.parameters ?? {}), organisation: actor.orgName, user: actor.login },
          });
        }
      } catch (e) {
        failure = (e as Error).message;
      }
    }
    if (failure !== undefined) Object.assign(base, { status: 'Failure', endDate: Date.now(), report: { errorMessage: failure }, errorMessage: failure });
    else if (started) Object.assign(base, { cortexJobId: started.id, status: started.status });
    const [doc] = await this.audit.commit([
      { op: 'insert', doc: base },
      this.audit.op(actor, 'create', base, { analyzerId: base.analyzerId, cortexId: base.cortexId }),
    ]);
    const job = doc as Doc;
    if (started && engine) {
      // a fast job may have ended before the record existed: look once more
      const now2 = DONE.has(started.status) ? started : await engine.job(actor, started.id, 0).catch(() => started);
      if (now2 && DONE.has(now2.status)) await this.complete(job, now2);
    }
    return (await this.store.get('analyzerJob', job._id)) ?? job;
  }

  async getJob(actor: Actor, id: string): Promise<Doc> {
    const doc = assertVisible(actor, await this.store.get('analyzerJob', id), 'Job', id);
    return doc;
  }

  /**
   * Imports the artifacts of a finished job's report as observables of the job's case (all, or
   * those at `indexes`). Duplicates and unknown data types are reported per artifact in `failure`.
   */
  async importArtifacts(actor: Actor, id: string, indexes?: number[]): Promise<{ success: Doc[]; failure: Array<Record<string, unknown>> }> {
    const job = await this.getJob(actor, id);
    const caseId = job._parents.case;
    if (!caseId) throw new BadRequestError('Only the artifacts of a case job can be imported');
    // permission first, on the case (share-reduced), even when the report has nothing to import
    const caseDoc = assertVisible(actor, await this.store.get('case', caseId), 'Case', caseId);
    requirePermission(actor, 'manageObservable', caseDoc);
    const report = job.report as
      | {
          artifacts?: Array<{
            dataType?: string;
            data?: string;
            message?: string;
            tags?: string[];
            tlp?: number;
            attachment?: { id: string; name: string; contentType: string; size: number };
          }>;
        }
      | undefined;
    const all = report?.artifacts ?? [];
    const chosen = indexes ? indexes.map((i) => all[i]).filter((a) => a !== undefined) : all;
    const out: { success: Doc[]; failure: Array<Record<string, unknown>> } = { success: [], failure: [] };
    for (const a of chosen) {
      const base = {
        dataType: String(a.dataType ?? 'other'),
        message: a.message ?? `from ${String(job.analyzerName)} job ${job._id}`,
        tags: a.tags ?? [],
        ...(typeof a.tlp === 'number' ? { tlp: a.tlp } : {}),
      };
      if (a.attachment && this.engine(String(job.cortexId))?.kind !== 'local') {
        out.failure.push({ type: 'BadRequest', message: 'File artifacts of remote engines are not imported', object: a });
        continue;
      }
      const r = await this.observables.createInCase(actor, caseId, async () =>
        a.attachment
          ? {
              input: { ...base, dataType: 'file' },
              files: [
                { field: 'attachment', filename: a.attachment.name, contentType: a.attachment.contentType, sha256: a.attachment.id, size: a.attachment.size },
              ],
            }
          : { input: { ...base, data: String(a.data ?? '') }, files: [] },
      );
      out.success.push(...r.success);
      out.failure.push(...r.failure.map((f) => ({ ...f })));
    }
    return out;
  }

  /** Applies a finished engine job: job status and report, and the observable's mini-report. */
  async complete(job: Doc, remote: EngineJob): Promise<void> {
    if (DONE.has(String(job.status)) && job.endDate !== undefined) return;
    const r = remote.report ?? {};
    const success = remote.status === 'Success';
    const patch: Record<string, unknown> = {
      status: remote.status === 'Deleted' ? 'Failure' : remote.status,
      endDate: remote.endDate ?? Date.now(),
      report: success
        ? { full: r.full ?? {}, summary: r.summary ?? {}, artifacts: r.artifacts ?? [], operations: r.operations ?? [], success: true }
        : { errorMessage: r.errorMessage ?? 'Job failed', success: false },
    };
    const ops: Parameters<AuditService['commit']>[0][number][] = [{ op: 'update', type: 'analyzerJob', id: job._id, patch, by: job._createdBy }];
    const obsId = job._parents.observable;
    const obs = obsId ? await this.store.get('observable', obsId) : undefined;
    if (success && obs) {
      const name = remote.workerName ?? String(job.analyzerName);
      const reports = {
        ...((obs.reports as Record<string, unknown> | undefined) ?? {}),
        [name]: { taxonomies: Array.isArray(r.summary?.taxonomies) ? r.summary.taxonomies : [] },
      };
      const actor = systemActor(obs._orgs[0] ?? '', '');
      ops.push({ op: 'update', type: 'observable', id: obs._id, patch: { reports }, by: job._createdBy }, this.audit.op(actor, 'update', obs, { reports }));
    }
    await this.audit.commit(ops);
    const operations = success && Array.isArray(r.operations) ? r.operations : [];
    if (operations.length && this.runOperations) {
      const ctx: OperationContext = {
        orgId: job._orgs[0] ?? '',
        ...(job._parents.case ? { caseId: job._parents.case } : {}),
        ...(job._parents.alert ? { alertId: job._parents.alert } : {}),
        ...(obsId ? { observableId: obsId } : {}),
      };
      const results = await this.runOperations(ctx, operations);
      await this.store.update('analyzerJob', job._id, { report: { ...(patch.report as Record<string, unknown>), operations: results } }, job._createdBy);
    }
  }

  /**
   * Polls engines for jobs still running; local jobs also end through `onLocalJobDone`. Stops
   * between two jobs once `signal` aborts (this node lost the poller's lease: another polls now).
   */
  async pollOnce(waitMs = 0, signal?: AbortSignal): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const r = await this.store.query({
        entity: 'analyzerJob',
        where: q.in('status', ['Waiting', 'InProgress']),
        sort: [{ field: '_createdAt', dir: 'asc' }],
        output: { kind: 'rows', from: 0, to: 500 },
      });
      for (const job of r.kind === 'rows' ? r.rows : []) {
        if (signal?.aborted) return;
        const engine = this.engine(String(job.cortexId));
        if (!engine || !job.cortexJobId) continue;
        try {
          const actor = engine.kind === 'local' ? systemActor(job._orgs[0] ?? '', '') : undefined;
          const remote = await engine.job(actor, String(job.cortexJobId), waitMs);
          if (DONE.has(remote.status)) await this.complete(job, remote);
        } catch {
          // retried at the next poll
        }
      }
      const actions = await this.store.query({
        entity: 'action',
        where: q.in('status', ['Waiting', 'InProgress']),
        sort: [{ field: '_createdAt', dir: 'asc' }],
        output: { kind: 'rows', from: 0, to: 500 },
      });
      for (const action of actions.kind === 'rows' ? actions.rows : []) {
        if (signal?.aborted) return;
        const engine = this.engine(String(action.cortexId));
        if (!engine || !action.cortexJobId) continue;
        try {
          const actor = engine.kind === 'local' ? systemActor(action._orgs[0] ?? '', '') : undefined;
          const remote = await engine.job(actor, String(action.cortexJobId), waitMs);
          if (DONE.has(remote.status)) await this.finishAction(action, remote);
        } catch {
          // retried at the next poll
        }
      }
    } finally {
      this.polling = false;
    }
  }

  /** Called by the in-process engine when one of its jobs ends. */
  async onLocalJobDone(engineJob: EngineJob, orgId: string): Promise<void> {
    const local = this.engines.filter((e) => e.kind === 'local').map((e) => e.name);
    const r = await this.store.query({
      entity: 'analyzerJob',
      where: q.and(q.eq('cortexJobId', engineJob.id), q.visible([orgId])),
      sort: [],
      output: { kind: 'rows', from: 0, to: 100 },
    });
    for (const job of r.kind === 'rows' ? r.rows : []) if (local.includes(String(job.cortexId))) await this.complete(job, engineJob);
    const actions = await this.store.query({
      entity: 'action',
      where: q.and(q.eq('cortexJobId', engineJob.id), q.visible([orgId])),
      sort: [],
      output: { kind: 'rows', from: 0, to: 100 },
    });
    for (const action of actions.kind === 'rows' ? actions.rows : []) if (local.includes(String(action.cortexId))) await this.finishAction(action, engineJob);
  }

  /** Applies a finished responder job: status, report, and its operations executed. */
  async finishAction(action: Doc, engineJob: EngineJob): Promise<void> {
    if (DONE.has(String(action.status))) return;
    const r = engineJob.report ?? {};
    const success = engineJob.status === 'Success';
    let operations: unknown[] = success && Array.isArray(r.operations) ? r.operations : [];
    if (operations.length && this.runOperations) {
      const type = OBJECT_TYPES[String(action.objectType)];
      const id = String(action.objectId);
      const p = action._parents;
      const ctx: OperationContext = {
        orgId: action._orgs[0] ?? '',
        ...(type === 'case' ? { caseId: id } : p.case ? { caseId: p.case } : {}),
        ...(type === 'alert' ? { alertId: id } : p.alert ? { alertId: p.alert } : {}),
        ...(type === 'observable' ? { observableId: id } : {}),
        ...(type === 'task' ? { taskId: id } : p.task ? { taskId: p.task } : {}),
      };
      operations = await this.runOperations(ctx, operations);
    }
    await this.store.update(
      'action',
      action._id,
      {
        status: engineJob.status === 'Deleted' ? 'Failure' : engineJob.status,
        endDate: engineJob.endDate ?? Date.now(),
        operations,
        report: success ? { full: r.full ?? {}, success: true } : { errorMessage: r.errorMessage ?? 'Action failed', success: false },
      },
      action._createdBy,
    );
  }

  /**
   * Polls the remote engines every `seconds` as the singleton job `cortex-poller`: on one node of
   * a cluster at a time (`singletons`; default: this node).
   */
  startPolling(seconds: number, singletons: Singletons = new LocalSingletons()): void {
    if (this.poller || !this.engines.some((e) => e.kind === 'cortex')) return;
    this.poller = singletons.runSingleton('cortex-poller', (signal) => this.pollOnce(0, signal), { everyMs: seconds * 1000 });
  }

  /** Stops polling (waits for a poll in progress). */
  async stop(): Promise<void> {
    const poller = this.poller;
    this.poller = undefined;
    await poller?.stop();
  }

  // ---- responders ----

  async runAction(actor: Actor, req: ActionRequest): Promise<Doc> {
    const entity = await this.entity(actor, req.objectType, req.objectId);
    requirePermission(actor, 'manageAction', entity);
    const engine = this.engine(req.cortexId);
    const now = Date.now();
    const parents: Record<string, string> = { ...entity._parents };
    const rel = OBJECT_TYPES[req.objectType] ?? req.objectType;
    if (['case', 'alert', 'task', 'observable', 'log'].includes(rel)) parents[rel] = entity._id;
    const base: NewDoc = {
      _id: this.store.newId(),
      _type: 'action',
      _createdAt: now,
      _createdBy: actor.login,
      ...inheritAccess(entity),
      _parents: parents,
      responderId: req.responderId,
      responderName: req.responderId,
      cortexId: req.cortexId ?? engine?.name ?? 'none',
      cortexJobId: '',
      objectType: req.objectType,
      objectId: req.objectId,
      status: 'Waiting',
      startDate: now,
      operations: [],
      parameters: req.parameters ?? {},
    };
    let failure: string | undefined;
    if (!engine) failure = `No analysis engine named ${req.cortexId ?? '(default)'} is configured`;
    else {
      try {
        const worker = (await engine.workers(actor, 'responder', `thehive:${req.objectType}`)).find(
          (w) => w.id === req.responderId || w.name === req.responderId,
        );
        if (!worker) failure = `Responder ${req.responderId} is not enabled for thehive:${req.objectType} on engine ${engine.name}`;
        else {
          base.responderName = worker.name;
          base.responderDefinition = worker.workerDefinitionId;
          const started = await engine.run(actor, 'responder', worker.id, {
            dataType: `thehive:${req.objectType}`,
            data: { ...entity, _id: entity._id },
            tlp: req.tlp ?? (typeof entity.tlp === 'number' ? entity.tlp : 2),
            pap: typeof entity.pap === 'number' ? entity.pap : 2,
            message: '',
            parameters: req.parameters ?? {},
          });
          Object.assign(base, { cortexJobId: started.id, status: started.status });
        }
      } catch (e) {
        failure = (e as Error).message;
      }
    }
    if (failure !== undefined) Object.assign(base, { status: 'Failure', endDate: Date.now(), report: { errorMessage: failure } });
    const [doc] = await this.audit.commit([{ op: 'insert', doc: base }, this.audit.op(actor, 'create', base, { responderId: req.responderId })]);
    const action = doc as Doc;
    if (engine && action.cortexJobId) {
      // a fast job may have ended before the record existed: look once more
      const now2 = await engine.job(engine.kind === 'local' ? actor : undefined, String(action.cortexJobId), 0).catch(() => undefined);
      if (now2 && DONE.has(now2.status)) await this.finishAction(action, now2);
    }
    return (await this.store.get('action', action._id)) ?? action;
  }

  /** The responder actions run on an entity, newest first. */
  async actionsOf(actor: Actor, entityType: string, entityId: string): Promise<Doc[]> {
    const entity = await this.entity(actor, entityType, entityId);
    const r = await this.store.query({
      entity: 'action',
      where: q.and(q.visible([actor.orgId]), q.eq('objectId', entity._id)),
      sort: [{ field: '_createdAt', dir: 'desc' }],
      output: { kind: 'rows', from: 0, to: 1000 },
    });
    return r.kind === 'rows' ? r.rows : [];
  }

  // ---- health ----

  /** Per-engine reachability and version; overall green (all up), orange (some down), red (all down). */
  async health(): Promise<{ enabled: boolean; status: 'OK' | 'WARNING' | 'ERROR'; health: 'green' | 'orange' | 'red'; servers: EngineHealth[] }> {
    const servers = await Promise.all(
      this.engines.map(async (e): Promise<EngineHealth> => {
        try {
          const s = await e.status();
          return { name: e.name, version: s.version, status: 'OK', reachable: true };
        } catch (err) {
          return { name: e.name, version: null, status: 'ERROR', reachable: false, error: (err as Error).message };
        }
      }),
    );
    const up = servers.filter((s) => s.reachable).length;
    const status = servers.length > 0 && up === servers.length ? 'OK' : up === 0 ? 'ERROR' : 'WARNING';
    return { enabled: servers.length > 0, status, health: status === 'OK' ? 'green' : status === 'WARNING' ? 'orange' : 'red', servers };
  }

  // ---- auto-run ----

  /** Subscribes to observable creations: matching data types are analysed by the rules' analyzers. */
  watch(bus: EventBus): () => void {
    if (this.rules.length === 0) return () => undefined;
    return bus.subscribe((audit) => {
      if (audit.operation !== 'create' || audit.objectType !== 'Observable') return;
      void this.autoRun(String(audit.objectId), audit._orgs[0] ?? '').catch(() => undefined);
    });
  }

  /** Runs the auto-run rules on one observable; resolves with the jobs recorded. */
  async autoRun(observableId: string, orgId: string): Promise<Doc[]> {
    const obs = await this.store.get('observable', observableId);
    if (!obs) return [];
    const org = await this.store.get('organisation', orgId);
    const actor = systemActor(orgId, String(org?.name ?? ''));
    if (!canSee(actor, obs)) return [];
    const names = new Set(this.rules.filter((r) => r.dataTypes.includes(String(obs.dataType))).flatMap((r) => r.analyzers));
    const out: Doc[] = [];
    for (const name of names) {
      const engine = await this.findEngineFor(actor, name);
      if (engine) out.push(await this.createJob(actor, { analyzerId: name, cortexId: engine, artifactId: obs._id }));
    }
    return out;
  }

  private async findEngineFor(actor: Actor, analyzer: string): Promise<string | undefined> {
    for (const e of this.engines) {
      try {
        if ((await e.workers(actor, 'analyzer')).some((w) => w.name === analyzer || w.id === analyzer || w.workerDefinitionId === analyzer)) return e.name;
      } catch {
        // next engine
      }
    }
    return undefined;
  }

  // ---- rendering ----

  renderJob(doc: Doc): Record<string, unknown> {
    const report = doc.report as Record<string, unknown> | undefined;
    return {
      _id: doc._id,
      id: doc._id,
      _type: 'case_artifact_job',
      _createdBy: doc._createdBy,
      _createdAt: doc._createdAt,
      ...(doc._updatedAt !== undefined ? { _updatedAt: doc._updatedAt, _updatedBy: doc._updatedBy } : {}),
      analyzerId: doc.analyzerId,
      analyzerName: doc.analyzerName,
      analyzerDefinition: doc.analyzerDefinition,
      status: doc.status,
      startDate: doc.startDate,
      ...(doc.endDate !== undefined ? { endDate: doc.endDate } : {}),
      ...(report ? { report } : {}),
      cortexId: doc.cortexId,
      cortexJobId: doc.cortexJobId,
      operations: JSON.stringify((report?.operations as unknown[] | undefined) ?? []),
      extraData: {},
    };
  }

  renderAction(doc: Doc): Record<string, unknown> {
    return {
      _id: doc._id,
      _type: 'Action',
      _createdBy: doc._createdBy,
      _createdAt: doc._createdAt,
      responderId: doc.responderId,
      responderName: doc.responderName,
      ...(doc.responderDefinition !== undefined ? { responderDefinition: doc.responderDefinition } : {}),
      cortexId: doc.cortexId,
      cortexJobId: doc.cortexJobId,
      objectType: doc.objectType,
      objectId: doc.objectId,
      status: doc.status,
      startDate: doc.startDate,
      ...(doc.endDate !== undefined ? { endDate: doc.endDate } : {}),
      operations: JSON.stringify(doc.operations ?? []),
      report: JSON.stringify(doc.report ?? {}),
    };
  }
}
