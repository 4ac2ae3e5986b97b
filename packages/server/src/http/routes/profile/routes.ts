import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';

const InputProfile = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  permissions: Type.Optional(Type.Array(Type.String(), { maxItems: 200 })),
});
const UpdateProfile = Type.Partial(InputProfile);

type P = { id: string };

export function profileRoutes(app: FastifyInstance, s: Services): void {
  app.post('/api/v1/profile', { schema: { body: InputProfile } }, async (req, reply) => {
    const p = await s.profiles.create(actorOf(req), req.body as Static<typeof InputProfile>);
    return reply.status(201).send(s.profiles.render(p));
  });
  app.get<{ Params: P }>('/api/v1/profile/:id', async (req) => s.profiles.render(await s.profiles.get(idParam(req.params.id))));
  app.patch<{ Params: P }>('/api/v1/profile/:id', { schema: { body: UpdateProfile } }, async (req, reply) => {
    await s.profiles.update(actorOf(req), idParam(req.params.id), req.body as Static<typeof UpdateProfile>);
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/profile/:id', async (req, reply) => {
    await s.profiles.delete(actorOf(req), idParam(req.params.id), (name) => s.users.profileInUse(name));
    return reply.status(204).send();
  });
}
