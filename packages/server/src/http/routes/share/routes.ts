/**
 * Sharing: case shares, task and observable shares, owner change and access restriction
 * (reference §2.2, §2.4, §2.5). Handlers are thin: the rules live in services/share.service.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { InputAccess, InputOrganisations, InputOwner, InputShares, InputUpdateShare } from './schema.js';

type P = { id: string };

export function shareRoutes(app: FastifyInstance, s: Services): void {
  app.get<{ Params: P }>('/api/v1/case/:id/shares', async (req) => s.shares.renderMany(await s.shares.list(actorOf(req), idParam(req.params.id))));
  app.post<{ Params: P }>('/api/v1/case/:id/shares', { schema: { body: InputShares } }, async (req, reply) => {
    const docs = await s.shares.share(actorOf(req), idParam(req.params.id), (req.body as Static<typeof InputShares>).shares);
    return reply.status(200).send(await s.shares.renderMany(docs));
  });
  app.put<{ Params: P }>('/api/v1/case/:id/shares', { schema: { body: InputShares } }, async (req) =>
    s.shares.renderMany(await s.shares.setShares(actorOf(req), idParam(req.params.id), (req.body as Static<typeof InputShares>).shares)),
  );
  app.delete<{ Params: P }>('/api/v1/case/:id/shares', { schema: { body: InputOrganisations } }, async (req, reply) => {
    await s.shares.unshare(actorOf(req), idParam(req.params.id), (req.body as Static<typeof InputOrganisations>).organisations);
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/case/share/:id', async (req, reply) => {
    await s.shares.removeShare(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
  app.patch<{ Params: P }>('/api/v1/case/share/:id', { schema: { body: InputUpdateShare } }, async (req, reply) => {
    await s.shares.updateShare(actorOf(req), idParam(req.params.id), (req.body as Static<typeof InputUpdateShare>).profile);
    return reply.status(204).send();
  });

  app.get<{ Params: P }>('/api/v1/task/:id/shares', async (req) => s.shares.renderMany(await s.shares.taskShares(actorOf(req), idParam(req.params.id))));
  for (const type of ['task', 'observable'] as const) {
    app.post<{ Params: P }>(`/api/v1/${type}/:id/shares`, { schema: { body: InputOrganisations } }, async (req, reply) => {
      await s.shares.setChildShares(actorOf(req), type, idParam(req.params.id), (req.body as Static<typeof InputOrganisations>).organisations, true);
      return reply.status(204).send();
    });
    app.delete<{ Params: P }>(`/api/v1/${type}/:id/shares`, { schema: { body: InputOrganisations } }, async (req, reply) => {
      await s.shares.setChildShares(actorOf(req), type, idParam(req.params.id), (req.body as Static<typeof InputOrganisations>).organisations, false);
      return reply.status(204).send();
    });
  }

  app.post<{ Params: P }>('/api/v1/case/:id/owner', { schema: { body: InputOwner } }, async (req, reply) => {
    await s.shares.changeOwner(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputOwner>);
    return reply.status(204).send();
  });
  app.post<{ Params: P }>('/api/v1/case/:id/access', { schema: { body: InputAccess } }, async (req, reply) => {
    await s.shares.setAccess(actorOf(req), idParam(req.params.id), (req.body as Static<typeof InputAccess>).access);
    return reply.status(204).send();
  });
}
