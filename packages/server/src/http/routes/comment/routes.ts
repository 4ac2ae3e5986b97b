import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { InputComment, InputUpdateComment } from './schema.js';

type P = { id: string };

export function commentRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Params: P }>('/api/v1/case/:id/comment', { schema: { body: InputComment } }, async (req, reply) => {
    const { message } = req.body as Static<typeof InputComment>;
    const doc = await s.comments.createInCase(actorOf(req), idParam(req.params.id), message);
    return reply.status(201).send(s.comments.render(doc));
  });
  app.patch<{ Params: P }>('/api/v1/comment/:id', { schema: { body: InputUpdateComment } }, async (req, reply) => {
    await s.comments.update(actorOf(req), idParam(req.params.id), (req.body as Static<typeof InputUpdateComment>).message);
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/comment/:id', async (req, reply) => {
    await s.comments.delete(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
}
