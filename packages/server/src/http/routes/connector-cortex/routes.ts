/** thehive4py's Cortex connector endpoints (`/api/connector/cortex/...`), backed by the configured analysis engines. */
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { InputAnalyzerJob, InputBulkJobs, InputImportArtifacts, InputResponderAction } from './schema.js';

type P = { id: string };

export function cortexConnectorRoutes(app: FastifyInstance, s: Services): void {
  const c = s.cortex;
  if (!c) {
    // no connector: the lists are empty, as TheHive answers without Cortex
    for (const url of [
      '/api/connector/cortex/analyzer',
      '/api/connector/cortex/analyzer/type/:dataType',
      '/api/connector/cortex/responder/:entityType/:entityId',
    ]) {
      app.get(url, async () => []);
    }
    return;
  }
  app.post('/api/connector/cortex/job', { schema: { body: InputAnalyzerJob } }, async (req, reply) => {
    const job = await c.createJob(actorOf(req), req.body as Static<typeof InputAnalyzerJob>);
    return reply.status(201).send(c.renderJob(job));
  });
  app.post('/api/v1/connector/cortex/job/_bulk', { schema: { body: InputBulkJobs } }, async (req, reply) => {
    const out = [];
    for (const j of (req.body as Static<typeof InputBulkJobs>).jobs) out.push(c.renderJob(await c.createJob(actorOf(req), j)));
    return reply.status(201).send(out);
  });
  app.get<{ Params: P }>('/api/connector/cortex/job/:id', async (req) => c.renderJob(await c.getJob(actorOf(req), idParam(req.params.id))));
  app.post<{ Params: P }>('/api/connector/cortex/job/:id/import', { schema: { body: InputImportArtifacts } }, async (req) => {
    const body = (req.body ?? {}) as Static<typeof InputImportArtifacts>;
    const r = await c.importArtifacts(actorOf(req), idParam(req.params.id), body?.artifacts);
    return { success: r.success.map((d) => s.observables.render(d)), failure: r.failure };
  });
  app.get<{ Querystring: { range?: string } }>('/api/connector/cortex/analyzer', async (req) => c.analyzers(actorOf(req)));
  app.get<{ Params: { dataType: string } }>('/api/connector/cortex/analyzer/type/:dataType', async (req) => c.analyzers(actorOf(req), req.params.dataType));
  app.get<{ Params: P }>('/api/connector/cortex/analyzer/:id', async (req) => c.analyzer(actorOf(req), req.params.id));
  app.get<{ Params: { entityType: string; entityId: string } }>('/api/connector/cortex/responder/:entityType/:entityId', async (req) =>
    c.responders(actorOf(req), req.params.entityType, idParam(req.params.entityId)),
  );
  app.post('/api/connector/cortex/action', { schema: { body: InputResponderAction } }, async (req, reply) => {
    const action = await c.runAction(actorOf(req), req.body as Static<typeof InputResponderAction>);
    return reply.status(201).send(c.renderAction(action));
  });
  app.get<{ Params: { entityType: string; entityId: string } }>('/api/connector/cortex/action/:entityType/:entityId', async (req) =>
    (await c.actionsOf(actorOf(req), req.params.entityType, idParam(req.params.entityId))).map((d) => c.renderAction(d)),
  );
  app.get('/api/connector/cortex/status', async () => c.health());
}
