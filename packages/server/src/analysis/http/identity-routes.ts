/** Cortex organisation and user routes, as views of Waggle's organisations and users. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../../http/app.js';
import { BadRequestError } from '../../errors/errors.js';
import type { CortexIdentityService } from '../identity.service.js';
import { parseRange } from '../cortex-query.js';

type Fields = Record<string, unknown>;
type P = { id: string };

function fields(req: FastifyRequest): Fields {
  return { ...(req.query as Fields), ...(req.body && typeof req.body === 'object' ? (req.body as Fields) : {}) };
}

export function cortexIdentityRoutes(app: FastifyInstance, ids: CortexIdentityService): void {
  const listOrgs = async (req: FastifyRequest, reply: FastifyReply) => {
    const all = (await ids.listOrganisations(actorOf(req))).map((d) => ids.renderOrganisation(d));
    const { from, to } = parseRange(fields(req).range);
    return reply.header('X-Total', String(all.length)).send(all.slice(from, to));
  };
  app.get('/api/organization', listOrgs);
  app.post('/api/organization/_search', listOrgs);
  app.post('/api/organization/_stats', async (req) => ({ count: (await ids.listOrganisations(actorOf(req))).length }));
  const listUsers = async (req: FastifyRequest, reply: FastifyReply) => {
    const all = await Promise.all((await ids.allUsers(actorOf(req))).map((u) => ids.renderUser(u)));
    const { from, to } = parseRange(fields(req).range);
    return reply.header('X-Total', String(all.length)).send(all.slice(from, to));
  };
  app.get('/api/user', listUsers);
  app.post('/api/user/_search', listUsers);
  app.post('/api/organization', async (req, reply) => {
    const f = fields(req);
    if (typeof f.name !== 'string' || !f.name) throw new BadRequestError('name is required');
    const org = await ids.createOrganisation(actorOf(req), f.name, typeof f.description === 'string' ? f.description : f.name);
    return reply.status(201).send(ids.renderOrganisation(org));
  });
  app.get<{ Params: P }>('/api/organization/:id', async (req) => ids.renderOrganisation(await ids.getOrganisation(actorOf(req), req.params.id)));
  const orgUsers = async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const org = await ids.getOrganisation(actorOf(req), req.params.id);
    const all = await Promise.all((await ids.orgUsers(actorOf(req), req.params.id)).map((u) => ids.renderUser(u, org._id)));
    const { from, to } = parseRange(fields(req).range);
    return reply.header('X-Total', String(all.length)).send(all.slice(from, to));
  };
  app.get<{ Params: P }>('/api/organization/:id/user', orgUsers);
  app.post<{ Params: P }>('/api/organization/:id/user/_search', orgUsers);
  app.post('/api/user', async (req, reply) => {
    const f = fields(req);
    if (typeof f.login !== 'string' || typeof f.name !== 'string' || !Array.isArray(f.roles)) throw new BadRequestError('login, name and roles are required');
    const user = await ids.createUser(actorOf(req), {
      login: f.login,
      name: f.name,
      roles: f.roles.map(String),
      ...(typeof f.password === 'string' ? { password: f.password } : {}),
      ...(typeof f.organization === 'string' ? { organization: f.organization } : {}),
    });
    return reply.status(201).send(await ids.renderUser(user));
  });
  app.get<{ Params: P }>('/api/user/:id', async (req) => ids.renderUser(await ids.getUser(actorOf(req), req.params.id), actorOf(req).orgId));
  app.get<{ Params: P }>('/api/user/:id/key', async (req, reply) => reply.type('text/plain').send(await ids.getKey(actorOf(req), req.params.id)));
  app.post<{ Params: P }>('/api/user/:id/key/renew', async (req, reply) => reply.type('text/plain').send(await ids.renewKey(actorOf(req), req.params.id)));
  app.delete<{ Params: P }>('/api/user/:id/key', async (req, reply) => {
    await ids.revokeKey(actorOf(req), req.params.id);
    return reply.status(204).send();
  });
}
