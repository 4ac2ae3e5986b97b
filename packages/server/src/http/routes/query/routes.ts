import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';

export function queryRoutes(app: FastifyInstance, s: Services): void {
  app.post('/api/v1/query', async (req, reply) => {
    const { result, total } = await s.query.run(actorOf(req), req.body);
    if (total !== undefined) void reply.header('X-Total', String(total));
    return reply.send(JSON.stringify(result));
  });
}
