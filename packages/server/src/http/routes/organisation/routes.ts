import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';

const InputOrganisation = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  description: Type.String({ maxLength: 100_000 }),
  taskRule: Type.Optional(Type.String({ maxLength: 128 })),
  observableRule: Type.Optional(Type.String({ maxLength: 128 })),
  locked: Type.Optional(Type.Boolean()),
});
const UpdateOrganisation = Type.Partial(Type.Object({ ...InputOrganisation.properties, avatar: Type.String({ maxLength: 1_000_000 }) }));
const LinkBody = Type.Object({ linkType: Type.Optional(Type.String()), otherLinkType: Type.Optional(Type.String()) });
const BulkLinks = Type.Object({
  links: Type.Array(
    Type.Object({ toOrganisation: Type.String(), linkType: Type.String(), otherLinkType: Type.String(), avatar: Type.Optional(Type.String()) }),
    { maxItems: 1000 },
  ),
});

type P = { id: string };

export function organisationRoutes(app: FastifyInstance, s: Services): void {
  app.post('/api/v1/organisation', { schema: { body: InputOrganisation } }, async (req, reply) => {
    const org = await s.orgs.create(actorOf(req), req.body as Static<typeof InputOrganisation>);
    return reply.status(201).send(s.orgs.render(org));
  });
  app.get<{ Params: P }>('/api/v1/organisation/:id', async (req) => s.orgs.render(await s.orgs.get(actorOf(req), idParam(req.params.id))));
  app.patch<{ Params: P }>('/api/v1/organisation/:id', { schema: { body: UpdateOrganisation } }, async (req, reply) => {
    await s.orgs.update(actorOf(req), idParam(req.params.id), req.body as Static<typeof UpdateOrganisation>);
    return reply.status(204).send();
  });
  app.put<{ Params: P & { other: string } }>('/api/v1/organisation/:id/link/:other', { schema: { body: Type.Optional(LinkBody) } }, async (req, reply) => {
    const b = (req.body as Static<typeof LinkBody> | undefined) ?? {};
    await s.orgs.link(actorOf(req), idParam(req.params.id), idParam(req.params.other), b.linkType, b.otherLinkType);
    return reply.status(204).send();
  });
  app.delete<{ Params: P & { other: string } }>('/api/v1/organisation/:id/link/:other', async (req, reply) => {
    await s.orgs.unlink(actorOf(req), idParam(req.params.id), idParam(req.params.other));
    return reply.status(204).send();
  });
  app.get<{ Params: P }>('/api/v1/organisation/:id/links', async (req) => s.orgs.links(actorOf(req), idParam(req.params.id)));
  app.put<{ Params: P }>('/api/v1/organisation/:id/links', { schema: { body: BulkLinks } }, async (req, reply) => {
    await s.orgs.setLinks(actorOf(req), idParam(req.params.id), (req.body as Static<typeof BulkLinks>).links);
    return reply.status(204).send();
  });
  app.get('/api/v1/sharingProfile', async () => [
    { name: 'all', description: 'Share everything', autoShare: false, editable: false, permissionProfile: 'analyst', taskRule: 'all', observableRule: 'all' },
    {
      name: 'read-only',
      description: 'Share everything, read only',
      autoShare: false,
      editable: false,
      permissionProfile: 'read-only',
      taskRule: 'all',
      observableRule: 'all',
    },
  ]);
}
