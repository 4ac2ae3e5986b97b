import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { InputPage, InputUpdatePage } from '../page-template/schema.js';

type P = { id: string };
type PP = { id: string; pageId: string };

export function casePageRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Params: P }>('/api/v1/case/:id/page', { schema: { body: InputPage } }, async (req, reply) => {
    const doc = await s.pages.create(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputPage>);
    return reply.status(201).send(s.pages.render(doc));
  });
  app.patch<{ Params: PP }>('/api/v1/case/:id/page/:pageId', { schema: { body: InputUpdatePage } }, async (req, reply) => {
    await s.pages.update(actorOf(req), idParam(req.params.id), idParam(req.params.pageId), req.body as Static<typeof InputUpdatePage>);
    return reply.status(204).send();
  });
  app.delete<{ Params: PP }>('/api/v1/case/:id/page/:pageId', async (req, reply) => {
    await s.pages.delete(actorOf(req), idParam(req.params.id), idParam(req.params.pageId));
    return reply.status(204).send();
  });
}
