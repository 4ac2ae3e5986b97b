/**
 * The Cortex 3 REST API of the analysis engine, as its own Fastify app (served on
 * `analysis.port`, default 9001, by `waggle server` and `waggle analysis`). Identity is
 * Waggle's: API keys, basic auth and sessions of Waggle users; Cortex roles derive from
 * permissions (see ../roles.ts). Tests use `buildAnalysisApp(services)` with `inject`.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import type { Services } from '../../services/index.js';
import { errorHandler } from '../../http/error-handler.js';
import { authenticate } from '../../http/auth.js';
import { loggerOptions } from '../../logging/logger.js';
import { BadRequestError, NotFoundError } from '../../errors/errors.js';
import { cortexRoutes } from './routes.js';
import { cortexIdentityRoutes } from './identity-routes.js';
import { CortexIdentityService } from '../identity.service.js';

export async function buildAnalysisApp(services: Services, options: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const { config } = services;
  const engine = services.analysis;
  if (!engine) throw new Error('The analysis engine is disabled (analysis.enabled = false)');
  const app = Fastify({
    logger: options.logger === false ? false : { ...loggerOptions(config.logLevel) },
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    routerOptions: { maxParamLength: 1000, ignoreTrailingSlash: true },
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'text/json'], { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new BadRequestError(`Invalid JSON: ${(e as Error).message}`), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const out: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(String(body))) {
      if (k.startsWith('_')) return done(new BadRequestError(`Field ${k} is not allowed`), undefined);
      out[k] = v;
    }
    done(null, out);
  });
  await app.register(multipart, { limits: { fileSize: config.http.uploadLimit, files: 10, fields: 100, fieldSize: config.http.bodyLimit, parts: 200 } });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send(new NotFoundError(`No route for ${req.method} ${req.url.split('?')[0]}`).toJSON());
  });
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config?.auth === false) return;
    if (!req.routeOptions.url) return;
    req.actor = await authenticate(req, services.auth);
  });
  cortexRoutes(app, services, engine);
  cortexIdentityRoutes(app, new CortexIdentityService(services.store, services.users, services.orgs, services.profiles));
  return app;
}
