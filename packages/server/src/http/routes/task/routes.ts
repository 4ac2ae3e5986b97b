import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { BulkUpdateTask, InputTask, InputUpdateTask } from './schema.js';

type P = { id: string };
type PO = { id: string; org: string };

export function taskRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Params: P }>('/api/v1/case/:id/task', { schema: { body: InputTask } }, async (req, reply) => {
    const doc = await s.tasks.create(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputTask>);
    return reply.status(201).send(s.tasks.render(doc));
  });
  app.patch('/api/v1/task/_bulk', { schema: { body: BulkUpdateTask } }, async (req, reply) => {
    const { ids, ...update } = req.body as Static<typeof BulkUpdateTask>;
    await s.tasks.bulkUpdate(actorOf(req), ids, update);
    return reply.status(204).send();
  });
  app.get<{ Params: P }>('/api/v1/task/:id', async (req) => s.tasks.render(await s.tasks.get(actorOf(req), idParam(req.params.id))));
  app.patch<{ Params: P }>('/api/v1/task/:id', { schema: { body: InputUpdateTask } }, async (req, reply) => {
    await s.tasks.update(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputUpdateTask>);
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/task/:id', async (req, reply) => {
    await s.tasks.delete(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
  app.get<{ Params: P }>('/api/v1/task/:id/actionRequired', async (req) => s.tasks.actionRequired(actorOf(req), idParam(req.params.id)));
  app.put<{ Params: PO }>('/api/v1/task/:id/actionRequired/:org', async (req, reply) => {
    await s.tasks.setActionRequired(actorOf(req), idParam(req.params.id), idParam(req.params.org, 'organisation'), true);
    return reply.status(204).send();
  });
  app.put<{ Params: PO }>('/api/v1/task/:id/actionDone/:org', async (req, reply) => {
    await s.tasks.setActionRequired(actorOf(req), idParam(req.params.id), idParam(req.params.org, 'organisation'), false);
    return reply.status(204).send();
  });
}
