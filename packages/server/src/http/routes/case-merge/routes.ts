/** Case merge (`POST /case/_merge/{id1},{id2}...`) and duplicate observable merge in one case. */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.js';
import { actorOf } from '../../app.js';
import { idParam } from '../../params.js';
import { BadRequestError } from '../../../errors/errors.js';

type P = { id: string };

export function caseMergeRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Params: { ids: string } }>('/api/v1/case/_merge/:ids', async (req, reply) => {
    const ids = idParam(req.params.ids, 'case ids').split(',');
    if (ids.length > 100) throw new BadRequestError('At most 100 cases can be merged at once');
    const doc = await s.caseMerge.merge(actorOf(req), ids);
    return reply.status(201).send(s.cases.render(doc));
  });
  app.post<{ Params: P }>('/api/v1/case/:id/observable/_merge', async (req) => s.caseMerge.mergeObservables(actorOf(req), idParam(req.params.id)));
}
