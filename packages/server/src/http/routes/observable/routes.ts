import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { boolParam, idParam } from '../../params.js';
import { InputBulkUpdateObservable, InputUpdateObservable } from './schema.js';
import { readObservableRequest, sendObservableResult } from './request.js';
import { sendDownload } from '../attachment/download.js';
import { zipCryptoStream } from '../../../services/zip-crypto.js';
import { safeFileName } from '../../../services/attachment.service.js';

type P = { id: string };

/** The password of TheHive's malware ZIP downloads. */
const ZIP_PASSWORD = 'malware';

export function observableRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Params: { caseId: string } }>('/api/v1/case/:caseId/observable', async (req, reply) => {
    const r = await s.observables.createInCase(actorOf(req), idParam(req.params.caseId, 'case id'), () => readObservableRequest(req, s));
    return sendObservableResult(reply, s, r);
  });
  app.get<{ Params: P }>('/api/v1/observable/:id', async (req) => s.observables.render(await s.observables.get(actorOf(req), idParam(req.params.id))));
  app.patch('/api/v1/observable/_bulk', { schema: { body: InputBulkUpdateObservable } }, async (req, reply) => {
    const { ids, ...update } = req.body as Static<typeof InputBulkUpdateObservable>;
    await s.observables.bulkUpdate(actorOf(req), ids, update);
    return reply.status(204).send();
  });
  app.patch<{ Params: P }>('/api/v1/observable/:id', { schema: { body: InputUpdateObservable } }, async (req, reply) => {
    await s.observables.update(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputUpdateObservable>);
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/observable/:id', async (req, reply) => {
    await s.observables.delete(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
  app.get<{ Params: { id: string; attachmentId: string }; Querystring: { asZip?: string } }>(
    '/api/v1/observable/:id/attachment/:attachmentId/download',
    async (req, reply) => {
      const asZip = boolParam(req.query.asZip, false);
      const file = await s.observables.openAttachment(actorOf(req), idParam(req.params.id), idParam(req.params.attachmentId, 'attachment id'));
      if (!asZip) return sendDownload(reply, file.name, file.stream, file.size);
      const name = safeFileName(file.name);
      return sendDownload(reply, `${name}.zip`, zipCryptoStream(name, file.stream, ZIP_PASSWORD));
    },
  );
}
