/** Case export to and import from a password-protected `.thar` archive. */
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { readMultipart } from '../../multipart.js';
import { sendDownload } from '../attachment/download.js';
import { BadRequestError } from '../../../errors/errors.js';
import { ExportQuery, checkInputImportCase } from './schema.js';

export function caseExportRoutes(app: FastifyInstance, s: Services): void {
  app.get<{ Params: { id: string }; Querystring: Static<typeof ExportQuery> }>(
    '/api/v1/case/:id/export',
    { schema: { querystring: ExportQuery } },
    async (req, reply) => {
      const { filename, data } = await s.caseExport.export(actorOf(req), idParam(req.params.id), req.query.password);
      return sendDownload(reply, filename, data, data.length);
    },
  );
  app.post('/api/v1/case/import', async (req, reply) => {
    const actor = actorOf(req);
    const mp = await readMultipart(req, s.blobs);
    const input = checkInputImportCase(mp.json ?? {});
    const file = mp.files.find((f) => f.field === 'file') ?? mp.files[0];
    if (!file) throw new BadRequestError('No archive: send the .thar file as the multipart part "file"');
    const r = await s.caseExport.import(actor, input, file);
    return reply.status(201).send({
      case: s.cases.render(r.case),
      observables: r.observables.map((o) => s.observables.render(o)),
      procedures: r.procedures.map((p) => s.procedures.render(p)),
      errors: r.errors,
    });
  });
}
