import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { InputPage, InputUpdatePage } from './schema.js';

type P = { id: string };

export function pageTemplateRoutes(app: FastifyInstance, s: Services): void {
  app.post('/api/v1/pageTemplate', { schema: { body: InputPage } }, async (req, reply) => {
    const doc = await s.pageTemplates.create(actorOf(req), req.body as Static<typeof InputPage>);
    return reply.status(201).send(s.pageTemplates.render(doc));
  });
  app.get<{ Params: P }>('/api/v1/pageTemplate/:id', async (req) => s.pageTemplates.render(await s.pageTemplates.get(actorOf(req), idParam(req.params.id))));
  app.patch<{ Params: P }>('/api/v1/pageTemplate/:id', { schema: { body: InputUpdatePage } }, async (req, reply) => {
    await s.pageTemplates.update(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputUpdatePage>);
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/pageTemplate/:id', async (req, reply) => {
    await s.pageTemplates.delete(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
}
