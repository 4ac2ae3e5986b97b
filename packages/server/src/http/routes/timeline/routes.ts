import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { InputCustomEvent, InputUpdateCustomEvent } from './schema.js';

type P = { id: string };

export function timelineRoutes(app: FastifyInstance, s: Services): void {
  app.get<{ Params: P }>('/api/v1/case/:id/timeline', async (req) => s.timeline.get(actorOf(req), idParam(req.params.id)));
  app.post<{ Params: P }>('/api/v1/case/:id/customEvent', { schema: { body: InputCustomEvent } }, async (req, reply) => {
    const doc = await s.customEvents.create(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputCustomEvent>);
    return reply.status(201).send(s.customEvents.render(doc));
  });
  app.patch<{ Params: P }>('/api/v1/customEvent/:id', { schema: { body: InputUpdateCustomEvent } }, async (req, reply) => {
    await s.customEvents.update(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputUpdateCustomEvent>);
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/customEvent/:id', async (req, reply) => {
    await s.customEvents.delete(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
}
