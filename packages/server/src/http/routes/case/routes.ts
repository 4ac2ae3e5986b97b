import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { BulkUpdateCase, InputCase, InputUpdateCase } from './schema.js';

type P = { id: string };

/** Hook for modules that extend case creation (templates, tasks, pages, sharing). */
export type CaseCreateHandler = (
  actor: import('../../../services/actor.js').Actor,
  body: Static<typeof InputCase>,
) => Promise<import('../../../storage/entity-store.js').Doc>;

export function caseRoutes(app: FastifyInstance, s: Services): void {
  app.post('/api/v1/case', { schema: { body: InputCase } }, async (req, reply) => {
    const actor = actorOf(req);
    const body = req.body as Static<typeof InputCase>;
    const doc = s.caseCreator ? await s.caseCreator(actor, body) : await s.cases.create(actor, body);
    return reply.status(201).send(s.cases.render(doc));
  });
  app.get<{ Params: P }>('/api/v1/case/:id', async (req) => s.cases.render(await s.cases.get(actorOf(req), idParam(req.params.id))));
  app.patch('/api/v1/case/_bulk', { schema: { body: BulkUpdateCase } }, async (req, reply) => {
    const { ids, ...update } = req.body as Static<typeof BulkUpdateCase>;
    await s.cases.bulkUpdate(actorOf(req), ids, update);
    return reply.status(204).send();
  });
  app.patch<{ Params: P }>('/api/v1/case/:id', { schema: { body: InputUpdateCase } }, async (req, reply) => {
    await s.cases.update(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputUpdateCase>);
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/case/:id', async (req, reply) => {
    await s.cases.delete(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/case/:id/force', async (req, reply) => {
    await s.cases.delete(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
}
