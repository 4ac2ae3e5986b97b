import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import type { StoredFile } from '../../../services/attachment.service.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { isMultipart, readMultipart } from '../../multipart.js';
import { BadRequestError } from '../../../errors/errors.js';
import { InputTaskLog, InputUpdateTaskLog, validate } from './schema.js';

type P = { id: string };

/** File parts that carry log attachments. */
const ATTACHMENT_FIELDS = new Set(['attachments', 'attachment']);

async function readFiles(req: FastifyRequest, s: Services): Promise<{ json: unknown; files: StoredFile[] }> {
  const body = await readMultipart(req, s.blobs);
  return { json: body.json, files: body.files.filter((f) => ATTACHMENT_FIELDS.has(f.field)) };
}

export function logRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Params: P }>('/api/v1/task/:id/log', async (req, reply) => {
    const actor = actorOf(req);
    const taskId = idParam(req.params.id);
    let input: Static<typeof InputTaskLog>;
    let files: StoredFile[] = [];
    if (isMultipart(req)) {
      await s.tasks.writable(actor, taskId); // authorize before storing any upload
      const body = await readFiles(req, s);
      input = validate(InputTaskLog, body.json, '_json');
      files = body.files;
    } else {
      input = validate(InputTaskLog, req.body);
    }
    const { log, attachments } = await s.logs.create(actor, taskId, input, files);
    return reply.status(201).send(await s.logs.render(log, attachments));
  });
  app.patch<{ Params: P }>('/api/v1/log/:id', { schema: { body: InputUpdateTaskLog } }, async (req, reply) => {
    await s.logs.update(actorOf(req), idParam(req.params.id), req.body as Static<typeof InputUpdateTaskLog>);
    return reply.status(204).send();
  });
  app.delete<{ Params: P }>('/api/v1/log/:id', async (req, reply) => {
    await s.logs.delete(actorOf(req), idParam(req.params.id));
    return reply.status(204).send();
  });
  app.post<{ Params: P }>('/api/v1/log/:id/attachments', async (req, reply) => {
    const actor = actorOf(req);
    const id = idParam(req.params.id);
    if (!isMultipart(req)) throw new BadRequestError('Expected a multipart/form-data body with file parts named "attachments"');
    await s.logs.writable(actor, id); // authorize before storing any upload
    const { files } = await readFiles(req, s);
    if (files.length === 0) throw new BadRequestError('No file part named "attachments"');
    const docs = await s.logs.addAttachments(actor, id, files);
    return reply.status(201).send({ attachments: docs.map((d) => s.attachments.render(d)) });
  });
  app.delete<{ Params: { id: string; attachmentId: string } }>('/api/v1/log/:id/attachments/:attachmentId', async (req, reply) => {
    await s.logs.deleteAttachment(actorOf(req), idParam(req.params.id), idParam(req.params.attachmentId, 'attachment id'));
    return reply.status(204).send();
  });
}
