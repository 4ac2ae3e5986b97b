import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { boolParam, idParam } from '../../params.js';
import { DeleteCustomFieldQuery, InputCustomField, InputUpdateCustomField } from './schema.js';

type P = { id: string };

export function customFieldRoutes(app: FastifyInstance, s: Services): void {
  app.get('/api/v1/customField', async () => (await s.customFields.list()).map((d) => s.customFields.render(d)));
  app.post('/api/v1/customField', { schema: { body: InputCustomField } }, async (req, reply) => {
    const doc = await s.customFields.create(actorOf(req), req.body as Static<typeof InputCustomField>);
    return reply.status(201).send(s.customFields.render(doc));
  });
  app.get<{ Params: P }>('/api/v1/customField/:id', async (req) => s.customFields.render(await s.customFields.get(idParam(req.params.id))));
  app.patch<{ Params: P }>('/api/v1/customField/:id', { schema: { body: InputUpdateCustomField } }, async (req, reply) => {
    await s.customFields.update(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputUpdateCustomField>);
    return reply.status(204).send();
  });
  app.delete<{ Params: P; Querystring: Static<typeof DeleteCustomFieldQuery> }>(
    '/api/v1/customField/:id',
    { schema: { querystring: DeleteCustomFieldQuery } },
    async (req, reply) => {
      await s.customFields.delete(actorOf(req), idParam(req.params.id), boolParam(req.query.force, false));
      return reply.status(204).send();
    },
  );
  app.delete<{ Params: P }>('/api/v1/case/customField/:id', async (req, reply) => {
    await s.customFields.deleteCaseValue(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
}
