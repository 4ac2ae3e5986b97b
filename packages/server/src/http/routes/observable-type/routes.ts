import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { InputObservableType } from './schema.js';

type P = { idOrName: string };

export function observableTypeRoutes(app: FastifyInstance, s: Services): void {
  app.post('/api/v1/observable/type', { schema: { body: InputObservableType } }, async (req, reply) => {
    const doc = await s.observableTypes.create(actorOf(req), req.body as Static<typeof InputObservableType>);
    return reply.status(201).send(s.observableTypes.render(doc));
  });
  app.get<{ Params: P }>('/api/v1/observable/type/:idOrName', async (req) =>
    s.observableTypes.render(await s.observableTypes.get(idParam(req.params.idOrName, 'observable type'))),
  );
  app.delete<{ Params: P }>('/api/v1/observable/type/:idOrName', async (req, reply) => {
    await s.observableTypes.delete(actorOf(req), idParam(req.params.idOrName, 'observable type'));
    return reply.status(204).send();
  });
}
