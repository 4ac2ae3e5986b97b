import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../../../services/index.js';
import { openApiDocument } from '../../openapi.js';

export const VERSION = '0.1.0';

export function statusRoutes(app: FastifyInstance, s: Services): void {
  // 503 while a cluster node lacks its quorum (DESIGN §5): load balancers check this route
  const ready = (reply: FastifyReply): boolean => {
    const ok = s.readiness?.ready() ?? true;
    if (!ok) reply.code(503);
    return ok;
  };
  app.get('/api/status', { config: { auth: false } }, async (_req, reply) => ({
    versions: { Waggle: VERSION, TheHive: '5.5.0-waggle', Scala: 'none', Play: 'none' },
    config: {
      protectDownloadsWith: 'malware',
      authType: ['local', 'key', 'basic', 'session'],
      capabilities: ['changePassword', 'setPassword', 'authByKey'],
      ssoAutoLogin: false,
      pollingDuration: 1000,
    },
    ready: ready(reply),
    storage: s.config.storage.backend,
  }));
  app.get('/api/v1/status', { config: { auth: false } }, async (_req, reply) => ({ ready: ready(reply), version: VERSION }));

  app.get('/api/v1/license/current', async () => {
    const far = Date.UTC(2999, 11, 31);
    return {
      fallback: { expiresAt: far, limits: {}, features: ['all'] },
      current: { type: 'Waggle', expiresAt: far, limits: { users: null, organisations: null }, features: ['all'] },
      limits: { users: null, organisations: null },
    };
  });

  app.get('/api/openapi.json', { config: { auth: false } }, async () => openApiDocument(app));
}
