/**
 * Benchmark-only routes, registered when `bench.endpoints` is on (WAGGLE_BENCH_ENDPOINTS=1):
 * `POST /api/v1/_bench/noop` authenticates and parses the body like any route, then answers
 * 201 without touching storage. It measures the HTTP limit of the server the ingestion
 * benchmark compares alert creation with.
 */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';

export function benchRoutes(app: FastifyInstance, s: Services): void {
  if (!s.config.bench.endpoints) return;
  app.post('/api/v1/_bench/noop', async (req, reply) => {
    actorOf(req);
    const size = JSON.stringify(req.body ?? null).length;
    return reply.status(201).send({ ok: true, size });
  });
}
