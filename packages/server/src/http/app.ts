/**
 * Builds the Fastify application (no `listen`): content parsers, authentication hook,
 * error mapping and every route module. Tests call `buildApp` and use `app.inject`.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { Services } from '../services/index.js';
import type { Actor } from '../services/actor.js';
import { errorHandler, jsonErrorMessage } from './error-handler.js';
import { authenticate } from './auth.js';
import { loggerOptions } from '../logging/logger.js';
import { BadRequestError, NotFoundError } from '../errors/errors.js';
import { routeModules } from './routes/index.js';
import { collectRoutes } from './openapi.js';
import { webFallback } from './web.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
  interface FastifyContextConfig {
    /** Routes are authenticated unless they say `auth: false`. */
    auth?: boolean;
  }
}

/** The authenticated actor of a request (set by the auth hook). */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new Error('Route used without authentication');
  return req.actor;
}

export interface AppOptions {
  logger?: boolean;
  /** Folder of the built web UI (default `packages/web/dist`; see http/web.ts). */
  webRoot?: string;
}

export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    logger: options.logger === false ? false : { ...loggerOptions(config.logLevel) },
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    genReqId: () => Math.random().toString(36).slice(2, 12),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    routerOptions: { maxParamLength: 1000, ignoreTrailingSlash: true },
    return503OnClosing: true,
    // bad URLs (e.g. `%00`) and over-long path parameters get the same `{type, message}` body as every other error
    frameworkErrors: (error, req, reply) => errorHandler(error, req, reply),
    logController: new LogController({ disableRequestLogging: true }),
  });

  // JSON: empty bodies are allowed (body-less POSTs), malformed ones are a 400.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new BadRequestError(`Invalid JSON: ${jsonErrorMessage(e)}`), undefined);
    }
  });
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  await app.register(multipart, {
    limits: { fileSize: config.http.uploadLimit, files: 100, fields: 200, fieldSize: config.http.bodyLimit, parts: 300 },
  });

  collectRoutes(app);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(
    webFallback(options.webRoot, (req, reply) => {
      void reply.status(404).send(new NotFoundError(`No route for ${req.method} ${req.url.split('?')[0]}`).toJSON());
    }),
  );

  app.addHook('onRequest', async (req, reply) => {
    void reply.header('X-Content-Type-Options', 'nosniff');
    void reply.header('X-Frame-Options', 'DENY');
    void reply.header('Referrer-Policy', 'same-origin');
    if (req.routeOptions.config?.auth === false) return;
    if (!req.routeOptions.url) return; // 404 handler
    req.actor = await authenticate(req, services.auth);
  });

  app.addHook('onResponse', async (req, reply) => {
    const level = reply.statusCode >= 500 ? 'error' : 'debug';
    req.log[level](
      {
        method: req.method,
        url: req.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        user: req.actor?.login,
        org: req.actor?.orgName,
      },
      'request',
    );
  });

  for (const register of routeModules) await register(app, services);
  return app;
}
