import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import type { CaseTemplateExport, CaseTemplateUpdate } from '../../../services/case-template.service.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { ApplyCaseTemplate, ImportCaseTemplate, InputCaseTemplate, InputUpdateCaseTemplate, LinkPageTemplates } from './schema.js';

type P = { id: string };

export function caseTemplateRoutes(app: FastifyInstance, s: Services): void {
  app.post('/api/v1/caseTemplate', { schema: { body: InputCaseTemplate } }, async (req, reply) => {
    const doc = await s.caseTemplates.create(actorOf(req), req.body as Static<typeof InputCaseTemplate>);
    return reply.status(201).send(s.caseTemplates.render(doc));
  });
  app.post('/api/v1/caseTemplate/_import', { schema: { body: ImportCaseTemplate } }, async (req, reply) => {
    const doc = await s.caseTemplates.import(actorOf(req), req.body as CaseTemplateExport);
    return reply.status(201).send(s.caseTemplates.render(doc));
  });
  app.get<{ Params: P }>('/api/v1/caseTemplate/:id', async (req) =>
    s.caseTemplates.render(await s.caseTemplates.get(actorOf(req), idParam(req.params.id, 'case template'))),
  );
  app.get<{ Params: P }>('/api/v1/caseTemplate/:id/export', async (req) => s.caseTemplates.export(actorOf(req), idParam(req.params.id, 'case template')));
  app.patch<{ Params: P }>('/api/v1/caseTemplate/:id', { schema: { body: InputUpdateCaseTemplate } }, async (req, reply) => {
    await s.caseTemplates.update(actorOf(req), idParam(req.params.id, 'case template'), req.body as CaseTemplateUpdate);
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/caseTemplate/:id', async (req, reply) => {
    await s.caseTemplates.delete(actorOf(req), idParam(req.params.id, 'case template'));
    return reply.status(204).send();
  });
  app.put<{ Params: P }>('/api/v1/caseTemplate/:id/pageTemplate/link', { schema: { body: LinkPageTemplates } }, async (req, reply) => {
    await s.caseTemplates.linkPageTemplates(
      actorOf(req),
      idParam(req.params.id, 'case template'),
      (req.body as Static<typeof LinkPageTemplates>).pageTemplateIds,
    );
    return reply.status(204).send();
  });
  app.post('/api/v1/case/_bulk/caseTemplate', { schema: { body: ApplyCaseTemplate } }, async (req, reply) => {
    await s.caseCreation.applyTemplate(actorOf(req), req.body as Static<typeof ApplyCaseTemplate>);
    return reply.status(204).send();
  });
}
