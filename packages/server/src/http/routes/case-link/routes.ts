/** Case links (to cases and URLs), link types, cases linked by observables and similar observables. */
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { InputCaseLink, InputUrlLink } from './schema.js';

type P = { id: string };

export function caseLinkRoutes(app: FastifyInstance, s: Services): void {
  app.get('/api/v1/case/link/types', async (req) => s.caseLinks.linkTypes(actorOf(req)));
  app.post<{ Params: P }>('/api/v1/case/:id/link/case/add', { schema: { body: InputCaseLink } }, async (req, reply) => {
    await s.caseLinks.addCaseLink(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputCaseLink>);
    return reply.status(204).send();
  });
  app.post<{ Params: P }>('/api/v1/case/:id/link/case/remove', { schema: { body: InputCaseLink } }, async (req, reply) => {
    await s.caseLinks.removeCaseLink(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputCaseLink>);
    return reply.status(204).send();
  });
  app.post<{ Params: P }>('/api/v1/case/:id/link/external/add', { schema: { body: InputUrlLink } }, async (req, reply) => {
    await s.caseLinks.addUrlLink(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputUrlLink>);
    return reply.status(204).send();
  });
  app.post<{ Params: P }>('/api/v1/case/:id/link/external/remove', { schema: { body: InputUrlLink } }, async (req, reply) => {
    await s.caseLinks.removeUrlLink(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputUrlLink>);
    return reply.status(204).send();
  });
  app.get<{ Params: P }>('/api/v1/case/:id/links', async (req) => {
    const linked = await s.caseLinks.linkedCases(actorOf(req), idParam(req.params.id));
    return linked.map((l) => ({ ...s.cases.render(l.case), linksCount: l.observables.length, linkedWith: l.observables.map((o) => s.observables.render(o)) }));
  });
  app.get<{ Params: P & { other: string } }>('/api/v1/case/:id/similar/:other/observables', async (req) => {
    const docs = await s.caseLinks.similarObservables(actorOf(req), idParam(req.params.id), idParam(req.params.other));
    return docs.map((o) => s.observables.render(o));
  });
}
