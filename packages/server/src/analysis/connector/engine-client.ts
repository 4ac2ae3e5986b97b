/**
 * The EngineClient port: how the TheHive side talks to one analysis engine. Two implementations:
 * `LocalEngine` (the in-process engine, acting as the same Waggle user: identity is shared) and
 * `RemoteCortexEngine` (a Cortex 3 REST API: a real Cortex or `waggle analysis`, with a key).
 */
import type { Actor } from '../../services/actor.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { AnalysisService } from '../analysis.service.js';
import type { WorkerType } from '../catalog.js';
import type { Doc } from '../../storage/entity-store.js';
import { ENGINE_VERSION } from '../http/routes.js';

export interface EngineWorker {
  id: string;
  name: string;
  version: string;
  description: string;
  dataTypeList: string[];
  workerDefinitionId: string;
  maxTlp: number;
  maxPap: number;
}

export interface EngineReport {
  success?: boolean;
  summary?: { taxonomies?: unknown[] };
  full?: unknown;
  artifacts?: unknown[];
  operations?: unknown[];
  errorMessage?: string;
}

export interface EngineJob {
  id: string;
  status: string;
  workerName?: string;
  workerDefinitionId?: string;
  startDate?: number;
  endDate?: number;
  report?: EngineReport;
}

export interface EngineRunInput {
  dataType: string;
  data?: unknown;
  file?: { sha256: string; name: string; contentType: string; size: number };
  tlp: number;
  pap: number;
  message: string;
  parameters: Record<string, unknown>;
}

export interface EngineClient {
  readonly name: string;
  readonly kind: 'local' | 'cortex';
  /** The engine's version; throws when it is unreachable or refuses the credentials. */
  status(): Promise<{ version: string }>;
  /** Enabled workers for the actor's organisation, optionally of one data type. */
  workers(actor: Actor, type: WorkerType, dataType?: string): Promise<EngineWorker[]>;
  /** Starts a job; throws on refusal (unknown worker, rate limit, unreachable engine). */
  run(actor: Actor, type: WorkerType, workerId: string, input: EngineRunInput): Promise<EngineJob>;
  /** A job with its report, waiting up to `waitMs` for it to end. */
  job(actor: Actor | undefined, id: string, waitMs: number): Promise<EngineJob>;
}

function toWorker(w: Record<string, unknown>): EngineWorker {
  return {
    id: String(w.id),
    name: String(w.name),
    version: String(w.version ?? ''),
    description: String(w.description ?? ''),
    dataTypeList: Array.isArray(w.dataTypeList) ? w.dataTypeList.map(String) : [],
    workerDefinitionId: String(w.workerDefinitionId ?? w.analyzerDefinitionId ?? w.responderDefinitionId ?? ''),
    maxTlp: typeof w.maxTlp === 'number' ? w.maxTlp : 3,
    maxPap: typeof w.maxPap === 'number' ? w.maxPap : 3,
  };
}

function toJob(j: Record<string, unknown>): EngineJob {
  const report = j.report;
  return {
    id: String(j.id),
    status: String(j.status),
    ...(typeof j.workerName === 'string' ? { workerName: j.workerName } : typeof j.analyzerName === 'string' ? { workerName: j.analyzerName } : {}),
    ...(typeof j.workerDefinitionId === 'string' ? { workerDefinitionId: j.workerDefinitionId } : {}),
    ...(typeof j.startDate === 'number' ? { startDate: j.startDate } : {}),
    ...(typeof j.endDate === 'number' ? { endDate: j.endDate } : {}),
    ...(report && typeof report === 'object' ? { report: report } : {}),
  };
}

export class LocalEngine implements EngineClient {
  readonly kind = 'local';
  constructor(
    readonly name: string,
    private readonly engine: AnalysisService,
  ) {}

  status(): Promise<{ version: string }> {
    return Promise.resolve({ version: ENGINE_VERSION });
  }

  async workers(actor: Actor, type: WorkerType, dataType?: string): Promise<EngineWorker[]> {
    const docs = dataType
      ? await this.engine.workersByType(actor, type, dataType)
      : (await this.engine.listWorkers(actor, type, { kind: 'true' }, { from: 0, to: 10_000 }, [])).rows;
    return docs.map((d) => toWorker(this.engine.renderWorker(actor, d)));
  }

  async run(actor: Actor, type: WorkerType, workerId: string, input: EngineRunInput): Promise<EngineJob> {
    const { job } = await this.engine.run(actor, type, workerId, input);
    return this.render(job);
  }

  async job(actor: Actor | undefined, id: string, waitMs: number): Promise<EngineJob> {
    if (!actor) throw new Error('local jobs are read with an actor');
    return this.render(await this.engine.waitJob(actor, id, waitMs));
  }

  async render(doc: Doc): Promise<EngineJob> {
    return toJob(await this.engine.renderJob(doc, { report: true }));
  }
}

export class RemoteCortexEngine implements EngineClient {
  readonly kind = 'cortex';
  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly key: string | undefined,
    private readonly blobs: BlobStore,
    private readonly timeoutMs = 5000,
  ) {}

  private async call(method: string, path: string, body?: unknown, form?: FormData, timeoutMs = this.timeoutMs): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.url.replace(/\/+$/, '')}${path}`, {
        method,
        headers,
        body: form ?? (body !== undefined ? JSON.stringify(body) : undefined),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new Error(`Cortex engine ${this.name} is unreachable (${cause ?? (e as Error).message})`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // plain text
    }
    if (!res.ok) {
      const msg = parsed && typeof parsed === 'object' && 'message' in parsed ? String(parsed.message) : text.slice(0, 200);
      throw new Error(`Cortex engine ${this.name} answered ${res.status}: ${msg}`);
    }
    return parsed;
  }

  async status(): Promise<{ version: string }> {
    const s = (await this.call('GET', '/api/status')) as { versions?: { Cortex?: string } };
    await this.call('GET', '/api/user/current');
    return { version: String(s.versions?.Cortex ?? 'unknown') };
  }

  async workers(_actor: Actor, type: WorkerType, dataType?: string): Promise<EngineWorker[]> {
    const list = dataType
      ? await this.call('GET', `/api/${type}/type/${encodeURIComponent(dataType)}`)
      : await this.call('POST', `/api/${type}/_search?range=all`, { query: {} });
    return Array.isArray(list) ? list.map((w) => toWorker(w as Record<string, unknown>)) : [];
  }

  async run(_actor: Actor, type: WorkerType, workerId: string, input: EngineRunInput): Promise<EngineJob> {
    const fields = { dataType: input.dataType, tlp: input.tlp, pap: input.pap, message: input.message, parameters: input.parameters };
    if (input.file) {
      const chunks: Buffer[] = [];
      for await (const c of await this.blobs.get(input.file.sha256)) chunks.push(Buffer.from(c as Uint8Array));
      const form = new FormData();
      form.append('_json', JSON.stringify(fields));
      form.append('data', new Blob([Buffer.concat(chunks)], { type: input.file.contentType }), input.file.name);
      return toJob((await this.call('POST', `/api/${type}/${encodeURIComponent(workerId)}/run`, undefined, form, 60_000)) as Record<string, unknown>);
    }
    return toJob((await this.call('POST', `/api/${type}/${encodeURIComponent(workerId)}/run`, { ...fields, data: input.data })) as Record<string, unknown>);
  }

  async job(_actor: Actor | undefined, id: string, waitMs: number): Promise<EngineJob> {
    const secs = Math.max(0, Math.round(waitMs / 1000));
    return toJob(
      (await this.call('GET', `/api/job/${encodeURIComponent(id)}/waitreport?atMost=${secs}second`, undefined, undefined, this.timeoutMs + waitMs)) as Record<
        string,
        unknown
      >,
    );
  }
}
