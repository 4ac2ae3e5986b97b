import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { BulkDeleteProcedures, InputProcedure, InputProcedures, InputUpdateProcedure } from './schema.js';

type P = { id: string };

/** Case procedures and procedure updates; the alert routes call `s.procedures.createIn(actor, 'alert', ...)`. */
export function procedureRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Params: P }>('/api/v1/case/:id/procedure', { schema: { body: InputProcedure } }, async (req, reply) => {
    const [doc] = await s.procedures.createIn(actorOf(req), 'case', idParam(req.params.id), [req.body as Static<typeof InputProcedure>]);
    return reply.status(201).send(s.procedures.render(doc!));
  });
  app.post<{ Params: P }>('/api/v1/case/:id/procedures', { schema: { body: InputProcedures } }, async (req, reply) => {
    const docs = await s.procedures.createIn(actorOf(req), 'case', idParam(req.params.id), (req.body as Static<typeof InputProcedures>).procedures);
    return reply.status(201).send(docs.map((d) => s.procedures.render(d)));
  });
  app.post('/api/v1/procedure/delete/_bulk', { schema: { body: BulkDeleteProcedures } }, async (req, reply) => {
    await s.procedures.bulkDelete(actorOf(req), (req.body as Static<typeof BulkDeleteProcedures>).ids);
    return reply.status(204).send();
  });
  app.get<{ Params: P }>('/api/v1/procedure/:id', async (req) => s.procedures.render(await s.procedures.get(actorOf(req), idParam(req.params.id))));
  app.patch<{ Params: P }>('/api/v1/procedure/:id', { schema: { body: InputUpdateProcedure } }, async (req, reply) => {
    await s.procedures.update(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputUpdateProcedure>);
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/procedure/:id', async (req, reply) => {
    await s.procedures.delete(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
}
