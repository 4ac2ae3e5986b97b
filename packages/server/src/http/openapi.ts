/**
 * The OpenAPI 3 document, generated from the routes' own schemas (the same schemas that
 * validate requests), so it cannot drift from what the server accepts.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

interface Collected {
  method: string;
  url: string;
  schema?: Record<string, unknown>;
}

const collected: WeakMap<FastifyInstance, Collected[]> = new WeakMap();

/** Registers the onRoute hook that records routes; call before routes are added. */
export function collectRoutes(app: FastifyInstance): void {
  const list: Collected[] = [];
  collected.set(app, list);
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) {
      if (m !== 'HEAD') list.push({ method: m.toLowerCase(), url: route.url, schema: route.schema as Record<string, unknown> | undefined });
    }
  });
}

export function openApiDocument(app: FastifyInstance): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of collected.get(app) ?? []) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const params = [...r.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const op: Record<string, unknown> = {
      operationId: `${r.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      responses: { default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
    };
    if (params.length) op.parameters = params;
    const body = r.schema?.body;
    if (body) op.requestBody = { content: { 'application/json': { schema: body } } };
    const resp = r.schema?.response as Record<string, unknown> | undefined;
    if (resp) {
      for (const [code, schema] of Object.entries(resp)) {
        (op.responses as Record<string, unknown>)[code] = { description: code, content: { 'application/json': { schema } } };
      }
    }
    (paths[path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Waggle API', version: '0.1.0', license: { name: 'AGPL-3.0-only' }, description: 'TheHive API v1 compatible, plus Waggle additions' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } },
      schemas: { Error: { type: 'object', required: ['type', 'message'], properties: { type: { type: 'string' }, message: { type: 'string' } } } },
    },
    security: [{ bearer: [] }, { basic: [] }],
    paths,
  };
}
