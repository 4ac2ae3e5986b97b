import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { boolParam, idParam } from '../../params.js';
import { readMultipart } from '../../multipart.js';
import { sendDownload } from './download.js';

type CaseP = { caseId: string; attachmentId: string };
type P = { id: string };

export function attachmentRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Params: { caseId: string } }>('/api/v1/case/:caseId/attachments', async (req, reply) => {
    const docs = await s.attachmentAccess.addToCase(actorOf(req), idParam(req.params.caseId, 'case id'), async () => (await readMultipart(req, s.blobs)).files);
    return reply.status(201).send({ attachments: docs.map((d) => s.attachments.render(d)) });
  });
  app.get<{ Params: CaseP }>('/api/v1/case/:caseId/attachment/:attachmentId/download', async (req, reply) => {
    const { doc, stream } = await s.attachmentAccess.openInCase(
      actorOf(req),
      idParam(req.params.caseId, 'case id'),
      idParam(req.params.attachmentId, 'attachment id'),
    );
    return sendDownload(reply, String(doc.name), stream, Number(doc.size));
  });
  app.delete<{ Params: CaseP }>('/api/v1/case/:caseId/attachment/:attachmentId', async (req, reply) => {
    await s.attachmentAccess.deleteFromCase(actorOf(req), idParam(req.params.caseId, 'case id'), idParam(req.params.attachmentId, 'attachment id'));
    return reply.status(204).send();
  });

  app.post('/api/v1/attachment', async (req, reply) => {
    const docs = await s.attachmentAccess.addToOrganisation(actorOf(req), async () => {
      const mp = await readMultipart(req, s.blobs);
      return { files: mp.files, canRename: boolParam(mp.fields.canRename, true) };
    });
    return reply.status(201).send({ attachments: docs.map((d) => s.attachments.render(d)) });
  });
  app.get<{ Params: P }>('/api/v1/attachment/:id/download', async (req, reply) => {
    const { doc, stream } = await s.attachmentAccess.open(actorOf(req), idParam(req.params.id, 'attachment id'));
    return sendDownload(reply, String(doc.name), stream, Number(doc.size));
  });
  app.delete<{ Params: P }>('/api/v1/attachment/:id', async (req, reply) => {
    await s.attachmentAccess.delete(actorOf(req), idParam(req.params.id, 'attachment id'));
    return reply.status(204).send();
  });
}
