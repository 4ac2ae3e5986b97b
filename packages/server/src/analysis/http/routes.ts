/** Cortex 3 REST routes (analyzers, responders, definitions, jobs, status, current user). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services/index.js';
import type { AnalysisService, RunInput, WorkerInput } from '../analysis.service.js';
import type { WorkerType } from '../catalog.js';
import { actorOf } from '../../http/app.js';
import { isMultipart, readMultipart } from '../../http/multipart.js';
import { BadRequestError } from '../../errors/errors.js';
import { cortexQuery, parseRange, parseSort, storedField } from '../cortex-query.js';
import { q, type Expr } from '../../query/ir.js';
import { rolesOf } from '../roles.js';
import { sendDownload } from '../../http/routes/attachment/download.js';

export const ENGINE_VERSION = '3.1.8-waggle';

type Fields = Record<string, unknown>;
type P = { id: string };

/** The request's fields: JSON body (or form) merged with the query string. */
function fieldsOf(req: FastifyRequest): Fields {
  const body = req.body;
  const fromBody = body && typeof body === 'object' && !Array.isArray(body) ? (body as Fields) : {};
  return { ...(req.query as Fields), ...fromBody };
}

function bool(v: unknown): boolean {
  return v === true || v === 1 || v === 'true' || v === '1';
}

/** Scala-like durations: `1minute`, `1 second`, `30seconds`, `500ms`, `Inf`. */
export function parseDuration(s: unknown, def: number): number {
  if (s === undefined || s === null || s === '') return def;
  const text = String(s).trim();
  if (/^inf/i.test(text)) return 3_600_000;
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text);
  if (!m) throw new BadRequestError(`Invalid duration ${text}`);
  const n = Number(m[1]);
  const u = (m[2] ?? '').toLowerCase();
  const unit =
    u === '' || u === 'ms' || u.startsWith('milli')
      ? 1
      : u === 's' || u.startsWith('sec')
        ? 1000
        : u === 'm' || u.startsWith('min')
          ? 60_000
          : u === 'h' || u.startsWith('hour')
            ? 3_600_000
            : u === 'd' || u.startsWith('day')
              ? 86_400_000
              : NaN;
  if (Number.isNaN(unit)) throw new BadRequestError(`Invalid duration unit ${u}`);
  return Math.min(n * unit, 3_600_000);
}

function sendList(reply: FastifyReply, list: unknown[], total: number): FastifyReply {
  return reply.header('X-Total', String(total)).send(list);
}

function numOrNull(v: unknown): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new BadRequestError(`Not a number: ${String(v)}`);
  return n;
}

function workerInput(f: Fields): WorkerInput {
  const out: WorkerInput = {};
  if (typeof f.name === 'string') out.name = f.name;
  if (f.configuration !== undefined) out.configuration = f.configuration;
  const rate = numOrNull(f.rate);
  if (rate !== undefined) out.rate = rate;
  if (f.rateUnit !== undefined) out.rateUnit = f.rateUnit === null ? null : String(f.rateUnit);
  const jc = numOrNull(f.jobCache);
  if (jc !== undefined) out.jobCache = jc;
  const jt = numOrNull(f.jobTimeout);
  if (jt !== undefined) out.jobTimeout = jt;
  if (Array.isArray(f.dataTypeList)) out.dataTypeList = f.dataTypeList.map(String);
  return out;
}

export function cortexRoutes(app: FastifyInstance, s: Services, engine: AnalysisService): void {
  app.get('/api/status', { config: { auth: false } }, async () => ({
    versions: { Cortex: ENGINE_VERSION, Elastic4Play: 'waggle', Play: 'waggle', Elastic4s: 'waggle', 'ElasticSearch client': 'waggle' },
    config: { protectDownloadsWith: 'malware', authType: ['key', 'local'], capabilities: ['authByKey', 'changePassword', 'setPassword'], ssoAutoLogin: false },
  }));
  app.get('/api/health', { config: { auth: false } }, async () => ({ status: 'OK' }));
  app.get('/api/user/current', async (req) => {
    const a = actorOf(req);
    return {
      id: a.login,
      _id: a.login,
      _type: 'user',
      name: a.name,
      roles: rolesOf(a),
      status: 'Ok',
      organization: a.orgName,
      preferences: {},
      hasKey: a.via === 'key',
      hasPassword: true,
    };
  });

  for (const type of ['analyzer', 'responder'] as const satisfies readonly WorkerType[]) {
    const list = async (req: FastifyRequest, reply: FastifyReply) => {
      const f = fieldsOf(req);
      const where: Expr = req.method === 'POST' || f.query !== undefined ? cortexQuery(f.query) : q.true();
      const r = await engine.listWorkers(actorOf(req), type, where, parseRange(f.range), parseSort(f.sort, []));
      return sendList(
        reply,
        r.rows.map((d) => engine.renderWorker(actorOf(req), d)),
        r.total,
      );
    };
    app.get(`/api/${type}`, list);
    app.post(`/api/${type}/_search`, list);
    app.get(`/api/organization/${type}`, list);
    app.get(`/api/organization/${type}/_search`, list);
    app.get<{ Params: { dataType: string } }>(`/api/${type}/type/:dataType`, async (req) =>
      (await engine.workersByType(actorOf(req), type, req.params.dataType)).map((d) => engine.renderWorker(actorOf(req), d)),
    );
    app.get<{ Params: P }>(`/api/${type}/:id`, async (req) => engine.renderWorker(actorOf(req), await engine.getWorker(actorOf(req), type, req.params.id)));
    app.post<{ Params: { definitionId: string } }>(`/api/organization/${type}/:definitionId`, async (req, reply) => {
      const doc = await engine.enable(actorOf(req), type, req.params.definitionId, workerInput(fieldsOf(req)));
      return reply.status(201).send(engine.renderWorker(actorOf(req), doc));
    });
    app.patch<{ Params: P }>(`/api/${type}/:id`, async (req) =>
      engine.renderWorker(actorOf(req), await engine.updateWorker(actorOf(req), type, req.params.id, workerInput(fieldsOf(req)))),
    );
    app.delete<{ Params: P }>(`/api/${type}/:id`, async (req, reply) => {
      await engine.disable(actorOf(req), type, req.params.id);
      return reply.status(204).send();
    });
    app.get(`/api/${type}definition`, async (req) => engine.definitions(actorOf(req), type).map((d) => engine.renderDefinition(d)));
    app.post(`/api/${type}definition/scan`, async (req, reply) => {
      engine.scan(actorOf(req));
      return reply.status(204).send();
    });
    app.post<{ Params: P }>(`/api/${type}/:id/run`, async (req) => {
      const actor = actorOf(req);
      let f: Fields;
      let file: RunInput['file'];
      if (isMultipart(req)) {
        const mp = await readMultipart(req, s.blobs);
        f = { ...(req.query as Fields), ...mp.fields, ...(mp.json && typeof mp.json === 'object' ? (mp.json as Fields) : {}) };
        const part = mp.files.find((x) => x.field === 'data' || x.field === 'attachment') ?? mp.files[0];
        if (part) file = { sha256: part.sha256, size: part.size, name: part.filename, contentType: part.contentType };
      } else f = fieldsOf(req);
      // legacy Cortex 1 body: {data, attributes: {dataType, tlp, ...}}
      if (f.attributes && typeof f.attributes === 'object') f = { ...(f.attributes as Fields), ...f };
      const input: RunInput = {
        ...(f.data !== undefined ? { data: f.data } : {}),
        ...(typeof f.dataType === 'string' ? { dataType: f.dataType } : {}),
        ...(f.tlp !== undefined ? { tlp: Number(f.tlp) } : {}),
        ...(f.pap !== undefined ? { pap: Number(f.pap) } : {}),
        ...(typeof f.message === 'string' ? { message: f.message } : {}),
        ...(f.parameters && typeof f.parameters === 'object' ? { parameters: f.parameters as Record<string, unknown> } : {}),
        ...(typeof f.label === 'string' ? { label: f.label } : {}),
        force: bool(f.force),
        ...(file ? { file } : {}),
      };
      const { job, fromCache } = await engine.run(actor, type, req.params.id, input);
      return engine.renderJob(job, { fromCache });
    });
  }

  const jobList = async (req: FastifyRequest, reply: FastifyReply) => {
    const f = fieldsOf(req);
    const filters: Expr[] = [];
    if (req.method === 'POST') filters.push(cortexQuery(f.query), q.not(q.eq('status', 'Deleted')));
    else {
      if (typeof f.dataTypeFilter === 'string' && f.dataTypeFilter) {
        filters.push({ kind: 'like', field: 'dataType', mode: 'contains', value: f.dataTypeFilter, ci: true });
      }
      if (typeof f.dataFilter === 'string' && f.dataFilter) filters.push({ kind: 'like', field: 'data', mode: 'contains', value: f.dataFilter, ci: true });
      if (typeof f.analyzerFilter === 'string' && f.analyzerFilter) {
        filters.push(q.or(q.eq('workerId', f.analyzerFilter), { kind: 'like', field: 'workerName', mode: 'contains', value: f.analyzerFilter, ci: true }));
      }
      if (f.query !== undefined) filters.push(cortexQuery(f.query));
    }
    const r = await engine.listJobs(
      actorOf(req),
      q.and(...filters),
      parseRange(f.range),
      parseSort(f.sort, [{ field: storedField('createdAt'), dir: 'desc' }]),
    );
    return sendList(reply, await Promise.all(r.rows.map((d) => engine.renderJob(d))), r.total);
  };
  app.get('/api/job', jobList);
  app.post('/api/job/_search', jobList);
  app.post('/api/job/status', async (req) => {
    const ids = (fieldsOf(req).jobIds as unknown[] | undefined) ?? [];
    if (!Array.isArray(ids)) throw new BadRequestError('jobIds must be a list');
    return engine.jobStatuses(actorOf(req), ids.map(String));
  });
  app.get<{ Params: P }>('/api/job/:id', async (req) => engine.renderJob(await engine.getJob(actorOf(req), req.params.id)));
  app.get<{ Params: P }>('/api/job/:id/report', async (req) => engine.renderJob(await engine.getJob(actorOf(req), req.params.id), { report: true }));
  app.get<{ Params: P; Querystring: { atMost?: string } }>('/api/job/:id/waitreport', async (req) => {
    const atMost = parseDuration(req.query.atMost, 60_000);
    return engine.renderJob(await engine.waitJob(actorOf(req), req.params.id, atMost), { report: true });
  });
  app.get<{ Params: P }>('/api/job/:id/artifacts', async (req, reply) => {
    const list = await engine.artifacts(actorOf(req), req.params.id);
    const { from, to } = parseRange((req.query as Fields).range);
    return sendList(reply, list.slice(from, to), list.length);
  });
  app.delete<{ Params: P }>('/api/job/:id', async (req, reply) => {
    await engine.deleteJob(actorOf(req), req.params.id);
    return reply.status(204).send();
  });
  app.get<{ Params: { hash: string }; Querystring: { name?: string } }>('/api/datastore/:hash', async (req, reply) => {
    const stream = await engine.openFile(actorOf(req), req.params.hash);
    return sendDownload(reply, typeof req.query.name === 'string' ? req.query.name : req.params.hash, stream);
  });
}
