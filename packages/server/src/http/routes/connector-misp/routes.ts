import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { readMultipart } from '../../multipart.js';
import { BadRequestError } from '../../../errors/errors.js';
import type { MispImportInput } from '../../../services/misp.service.js';

export function mispConnectorRoutes(app: FastifyInstance, s: Services): void {
  app.get('/api/v1/connector/misp/status', async (req) => {
    actorOf(req);
    return s.misp.status();
  });
  const sync = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    s.misp.syncAlerts(actorOf(req));
    return reply.status(200).send();
  };
  app.get('/api/v1/connector/misp/_syncAlerts', sync);
  app.get('/api/connector/misp/_syncAlerts', sync);
  app.post<{ Params: { caseId: string; server: string } }>('/api/v1/connector/misp/export/:caseId/:server', async (req) => {
    await s.misp.exportCase(actorOf(req), idParam(req.params.caseId), idParam(req.params.server, 'server name'));
  });
  app.post('/api/v1/connector/misp/case/import', async (req, reply) => {
    const actor = actorOf(req);
    const body = await readMultipart(req, s.blobs);
    const input = (body.json ?? {}) as MispImportInput;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new BadRequestError('The _json part must be a JSON object');
    const file = body.files.find((f) => f.field === 'file');
    const doc = await s.misp.importCase(actor, input, file);
    return reply.status(201).send(s.cases.render(doc));
  });
}
