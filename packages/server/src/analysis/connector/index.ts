/** Builds the TheHive-side connector from the configured engines. */
import type { Services } from '../../services/index.js';
import { CortexConnectorService } from './connector.service.js';
import { q } from '../../query/ir.js';
import { visibleTo } from '../../services/policy.js';
import { operationRunner } from './operations.js';
import { LocalEngine, RemoteCortexEngine, type EngineClient } from './engine-client.js';

export function createCortexConnector(s: Services): CortexConnectorService {
  const engines: EngineClient[] = [];
  for (const e of s.config.analysis.engines) {
    if (e.type === 'local') {
      if (s.analysis) engines.push(new LocalEngine(e.name, s.analysis));
    } else engines.push(new RemoteCortexEngine(e.name, e.url ?? '', e.key, s.blobs));
  }
  const connector = new CortexConnectorService(s.store, s.audit, s.observables, engines, s.config.analysis.autoRun, operationRunner(s));
  const local = engines.find((e): e is LocalEngine => e instanceof LocalEngine);
  if (s.analysis && local) {
    s.analysis.onJobDone((job) => {
      void local
        .render(job)
        .then((ej) => connector.onLocalJobDone(ej, job._orgs[0] ?? ''))
        .catch(() => undefined);
    });
  }
  connector.watch(s.bus);
  connector.startPolling(s.config.analysis.pollSeconds, s.singletons);
  // jobs of deleted observables are not listed (deletions also remove them; this covers every path)
  s.query.registerSource('listJob', {
    entity: 'analyzerJob',
    where: (a) => q.and(visibleTo(a), { kind: 'parent', relation: 'observable', parentType: 'observable', where: q.true() }),
  });
  s.query.registerSource('getJob', { entity: 'analyzerJob', resolve: async (a, id) => [(await connector.getJob(a, id))._id] });
  s.query.registerRenderer('analyzerJob', (d) => connector.renderJob(d));
  s.query.registerSource('listAction', { entity: 'action' });
  s.query.registerRenderer('action', (d) => connector.renderAction(d));
  s.query.registerTraversal('observable', 'jobs', { entity: 'analyzerJob', direction: 'child', relation: 'observable' });
  return connector;
}
