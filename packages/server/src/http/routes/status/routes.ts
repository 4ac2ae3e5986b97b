import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.js';
import { openApiDocument } from '../../openapi.js';

export const VERSION = '0.1.0';

export function statusRoutes(app: FastifyInstance, s: Services): void {
  app.get('/api/status', { config: { auth: false } }, async () => ({
    versions: { Waggle: VERSION, TheHive: '5.5.0-waggle', Scala: 'none', Play: 'none' },
    config: {
      protectDownloadsWith: 'malware',
      authType: ['local', 'key', 'basic', 'session'],
      capabilities: ['changePassword', 'setPassword', 'authByKey'],
      ssoAutoLogin: false,
      pollingDuration: 1000,
    },
    ready: true,
    storage: s.config.storage.backend,
  }));
  app.get('/api/v1/status', { config: { auth: false } }, async () => ({ ready: true, version: VERSION }));

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
