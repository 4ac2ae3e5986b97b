import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { InputDashboard, InputStats, InputUpdateDashboard } from './schema.js';

type P = { id: string };

/** Dashboards: CRUD, export/import, and widget statistics (issue 6). */
export function dashboardRoutes(app: FastifyInstance, s: Services): void {
  app.get('/api/v1/dashboard', async (req) => {
    const actor = actorOf(req);
    return (await s.dashboards.list(actor)).map((d) => s.dashboards.render(d, actor));
  });
  app.post('/api/v1/dashboard', { schema: { body: InputDashboard } }, async (req, reply) => {
    const actor = actorOf(req);
    const doc = await s.dashboards.create(actor, req.body as Static<typeof InputDashboard>);
    return reply.status(201).send(s.dashboards.render(doc, actor));
  });
  app.post('/api/v1/dashboard/stats', { schema: { body: InputStats } }, async (req) => s.dashboards.stats(actorOf(req), req.body));
  app.post('/api/v1/dashboard/_import', async (req, reply) => {
    const actor = actorOf(req);
    const doc = await s.dashboards.import(actor, req.body);
    return reply.status(201).send(s.dashboards.render(doc, actor));
  });
  app.get<{ Params: P }>('/api/v1/dashboard/:id', async (req) => {
    const actor = actorOf(req);
    return s.dashboards.render(await s.dashboards.get(actor, idParam(req.params.id)), actor);
  });
  app.get<{ Params: P }>('/api/v1/dashboard/:id/export', async (req, reply) => {
    const exported = await s.dashboards.export(actorOf(req), idParam(req.params.id));
    return reply.header('Content-Disposition', 'attachment; filename="dashboard.json"').send(exported);
  });
  app.get<{ Params: P }>('/api/v1/dashboard/:id/widgets', async (req) => s.dashboards.widgets(actorOf(req), idParam(req.params.id)));
  app.patch<{ Params: P }>('/api/v1/dashboard/:id', { schema: { body: InputUpdateDashboard } }, async (req) => {
    const actor = actorOf(req);
    return s.dashboards.render(await s.dashboards.update(actor, idParam(req.params.id), req.body as Static<typeof InputUpdateDashboard>), actor);
  });
  app.delete<{ Params: P }>('/api/v1/dashboard/:id', async (req, reply) => {
    await s.dashboards.delete(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
}
