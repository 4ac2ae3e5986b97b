import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { ChangePassword, InputUpdateUser, InputUser, SetOrganisations, SetPassword } from './schema.js';

type P = { id: string };

export function userRoutes(app: FastifyInstance, s: Services): void {
  app.post('/api/v1/user', { schema: { body: InputUser } }, async (req, reply) => {
    const actor = actorOf(req);
    const user = await s.users.create(actor, req.body as Static<typeof InputUser>);
    return reply.status(201).send(await s.users.render(user, actor));
  });
  app.get<{ Params: P }>('/api/v1/user/:id', async (req) => {
    const actor = actorOf(req);
    return s.users.render(await s.users.get(actor, idParam(req.params.id)), actor);
  });
  app.patch<{ Params: P }>('/api/v1/user/:id', { schema: { body: InputUpdateUser } }, async (req, reply) => {
    await s.users.update(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputUpdateUser>);
    return reply.status(204).send();
  });
  const del = async (req: import('fastify').FastifyRequest<{ Params: P; Querystring: { organisation?: string } }>, reply: import('fastify').FastifyReply) => {
    await s.users.delete(actorOf(req), idParam(req.params.id), req.query.organisation);
    return reply.status(204).send();
  };
  app.delete<{ Params: P; Querystring: { organisation?: string } }>('/api/v1/user/:id/force', del);
  app.delete<{ Params: P; Querystring: { organisation?: string } }>('/api/v1/user/:id', del);
  app.put<{ Params: P }>('/api/v1/user/:id/organisations', { schema: { body: SetOrganisations } }, async (req) => {
    const body = req.body as Static<typeof SetOrganisations>;
    return { organisations: await s.users.setOrganisations(actorOf(req), idParam(req.params.id), body.organisations) };
  });
  app.get<{ Params: P }>('/api/v1/user/:id/organisations', async (req) => {
    const actor = actorOf(req);
    const rendered = await s.users.render(await s.users.get(actor, idParam(req.params.id)), actor);
    return { organisations: rendered.organisations };
  });
  app.post<{ Params: P }>('/api/v1/user/:id/password/set', { schema: { body: SetPassword } }, async (req, reply) => {
    await s.users.setPassword(actorOf(req), idParam(req.params.id), (req.body as Static<typeof SetPassword>).password);
    return reply.status(204).send();
  });
  app.post<{ Params: P }>('/api/v1/user/:id/password/change', { schema: { body: ChangePassword } }, async (req, reply) => {
    const b = req.body as Static<typeof ChangePassword>;
    await s.users.changePassword(actorOf(req), idParam(req.params.id), b.currentPassword, b.password);
    return reply.status(204).send();
  });
  app.get<{ Params: P }>('/api/v1/user/:id/key', async (req, reply) => {
    const key = await s.users.getKey(actorOf(req), idParam(req.params.id));
    return reply.type('text/plain').send(key);
  });
  app.post<{ Params: P }>('/api/v1/user/:id/key/renew', async (req, reply) => {
    const key = await s.users.renewKey(actorOf(req), idParam(req.params.id));
    return reply.type('text/plain').send(key);
  });
  app.delete<{ Params: P }>('/api/v1/user/:id/key', async (req, reply) => {
    await s.users.removeKey(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
}
