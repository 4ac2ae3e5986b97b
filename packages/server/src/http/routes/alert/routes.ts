import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import type { StoredFile } from '../../../services/attachment.service.js';
import { actorOf } from '../../app.js';
import { boolParam, idParam } from '../../params.js';
import { isMultipart, readMultipart } from '../../multipart.js';
import { BadRequestError } from '../../../errors/errors.js';
import { readObservableRequest, sendObservableResult } from '../observable/request.js';
import { InputComment } from '../comment/schema.js';
import { InputProcedure, InputProcedures } from '../procedure/schema.js';
import { sendDownload } from '../attachment/download.js';
import { BulkDeleteAlert, BulkMergeAlert, BulkUpdateAlert, InputUpdateAlert, checkInputAlert, checkPromoteAlert, type InputAlert } from './schema.js';

type P = { id: string };
type AttP = { id: string; attachmentId: string };

/** The InputAlert of a JSON body, or of the `_json` part of a multipart body with its file parts. */
async function readAlertRequest(req: FastifyRequest, s: Services): Promise<{ input: Static<typeof InputAlert>; files: StoredFile[] }> {
  if (!isMultipart(req)) return { input: checkInputAlert(req.body ?? {}), files: [] };
  const mp = await readMultipart(req, s.blobs);
  if (mp.json === undefined) throw new BadRequestError('The multipart body has no "_json" part holding the alert');
  return { input: checkInputAlert(mp.json), files: mp.files };
}

export function alertRoutes(app: FastifyInstance, s: Services): void {
  app.post('/api/v1/alert', async (req, reply) => {
    const actor = actorOf(req);
    const { input, files } = await readAlertRequest(req, s);
    const { doc, observableCount } = await s.alerts.create(actor, input, files);
    return reply.status(201).send(s.alerts.renderWith(doc, observableCount));
  });
  app.get<{ Params: P }>('/api/v1/alert/:id', async (req) => s.alerts.render(await s.alerts.get(actorOf(req), idParam(req.params.id))));
  app.patch('/api/v1/alert/_bulk', { schema: { body: BulkUpdateAlert } }, async (req, reply) => {
    const { ids, ...update } = req.body as Static<typeof BulkUpdateAlert>;
    await s.alerts.bulkUpdate(actorOf(req), ids, update);
    return reply.status(204).send();
  });
  app.patch<{ Params: P }>('/api/v1/alert/:id', { schema: { body: InputUpdateAlert } }, async (req, reply) => {
    await s.alerts.update(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputUpdateAlert>);
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/alert/:id', async (req, reply) => {
    await s.alerts.delete(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
  app.post('/api/v1/alert/delete/_bulk', { schema: { body: BulkDeleteAlert } }, async (req, reply) => {
    await s.alerts.bulkDelete(actorOf(req), (req.body as Static<typeof BulkDeleteAlert>).ids);
    return reply.status(204).send();
  });

  for (const [action, follow] of [
    ['follow', true],
    ['unfollow', false],
  ] as const) {
    app.post<{ Params: P }>(`/api/v1/alert/:id/${action}`, async (req, reply) => {
      await s.alerts.follow(actorOf(req), idParam(req.params.id), follow);
      return reply.status(204).send();
    });
  }
  for (const [action, read] of [
    ['markAsRead', true],
    ['markAsUnread', false],
  ] as const) {
    app.post<{ Params: P }>(`/api/v1/alert/:id/${action}`, async (req, reply) => {
      await s.alerts.markRead(actorOf(req), idParam(req.params.id), read);
      return reply.status(204).send();
    });
    // API v0 (TheHive 3/4 clients): answers with the alert.
    app.post<{ Params: P }>(`/api/alert/:id/${action}`, async (req) => {
      const actor = actorOf(req);
      const id = idParam(req.params.id);
      await s.alerts.markRead(actor, id, read);
      return s.alerts.render(await s.alerts.get(actor, id));
    });
  }

  // ---- promotion, merge, import ----
  app.post<{ Params: P }>('/api/v1/alert/:id/case', async (req, reply) => {
    const doc = await s.alertImport.promote(actorOf(req), idParam(req.params.id), checkPromoteAlert(req.body ?? {}));
    return reply.status(201).send(s.cases.render(doc));
  });
  app.post('/api/v1/alert/merge/_bulk', { schema: { body: BulkMergeAlert } }, async (req) => {
    const body = req.body as Static<typeof BulkMergeAlert>;
    return s.cases.render(await s.alertImport.bulkMerge(actorOf(req), idParam(body.caseId, 'case id'), body.alertIds));
  });
  app.post<{ Params: { id: string; caseId: string } }>('/api/v1/alert/:id/merge/:caseId', async (req) =>
    s.cases.render(await s.alertImport.merge(actorOf(req), idParam(req.params.id), idParam(req.params.caseId, 'case id'))),
  );
  app.post<{ Params: { id: string; caseId: string } }>('/api/v1/alert/:id/import/:caseId', async (req) =>
    s.cases.render(await s.alertImport.import(actorOf(req), idParam(req.params.id), idParam(req.params.caseId, 'case id'))),
  );
  app.delete<{ Params: { caseId: string; alertId: string } }>('/api/v1/case/:caseId/alert/:alertId', async (req, reply) => {
    await s.alertImport.unlink(actorOf(req), idParam(req.params.caseId, 'case id'), idParam(req.params.alertId, 'alert id'));
    return reply.status(204).send();
  });

  // ---- similarity ----
  app.get<{ Params: { id: string; otherId: string } }>('/api/v1/alert/:id/similar/:otherId/observables', async (req) => {
    const docs = await s.alertSimilarity.similarObservables(actorOf(req), idParam(req.params.id), idParam(req.params.otherId, 'case or alert id'));
    return docs.map((d) => s.observables.render(d));
  });
  app.get<{ Params: P }>('/api/v1/observable/:id/similar', async (req) => s.alertSimilarity.sightings(actorOf(req), idParam(req.params.id)));

  // ---- children ----
  app.post<{ Params: P }>('/api/v1/alert/:id/observable', async (req, reply) => {
    const r = await s.alerts.addObservables(actorOf(req), idParam(req.params.id), () => readObservableRequest(req, s));
    return sendObservableResult(reply, s, r);
  });
  app.post<{ Params: P }>('/api/v1/alert/:id/comment', { schema: { body: InputComment } }, async (req, reply) => {
    const doc = await s.alerts.addComment(actorOf(req), idParam(req.params.id), (req.body as Static<typeof InputComment>).message);
    return reply.status(201).send(s.comments.render(doc));
  });
  app.post<{ Params: P }>('/api/v1/alert/:id/procedure', { schema: { body: InputProcedure } }, async (req, reply) => {
    const [doc] = await s.alerts.addProcedures(actorOf(req), idParam(req.params.id), [req.body as Static<typeof InputProcedure>]);
    return reply.status(201).send(s.procedures.render(doc!));
  });
  app.post<{ Params: P }>('/api/v1/alert/:id/procedures', { schema: { body: InputProcedures } }, async (req, reply) => {
    const docs = await s.alerts.addProcedures(actorOf(req), idParam(req.params.id), (req.body as Static<typeof InputProcedures>).procedures);
    return reply.status(201).send(docs.map((d) => s.procedures.render(d)));
  });
  app.post<{ Params: P }>('/api/v1/alert/:id/attachments', async (req, reply) => {
    const docs = await s.alerts.addAttachments(actorOf(req), idParam(req.params.id), async () => {
      const mp = await readMultipart(req, s.blobs);
      return { files: mp.files.filter((f) => f.field === 'attachments'), canRename: boolParam(mp.fields.canRename, true) };
    });
    return reply.status(201).send({ attachments: docs.map((d) => s.attachments.render(d)) });
  });
  app.get<{ Params: AttP }>('/api/v1/alert/:id/attachment/:attachmentId/download', async (req, reply) => {
    const { doc, stream } = await s.alerts.openAttachment(actorOf(req), idParam(req.params.id), idParam(req.params.attachmentId, 'attachment id'));
    return sendDownload(reply, String(doc.name), stream, Number(doc.size));
  });
  app.delete<{ Params: AttP }>('/api/v1/alert/:id/attachment/:attachmentId', async (req, reply) => {
    await s.alerts.deleteAttachment(actorOf(req), idParam(req.params.id), idParam(req.params.attachmentId, 'attachment id'));
    return reply.status(204).send();
  });
}
