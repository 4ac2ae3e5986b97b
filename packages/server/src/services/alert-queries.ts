/** Query API sources, traversals, renderer and extraData of alerts. */
import type { Services } from './index.js';
import type { Doc } from '../storage/entity-store.js';
import { q } from '../query/ir.js';
import { canSee } from './policy.js';
import { alertStageOf } from './alert-status.js';

export function registerAlertQueries(s: Services): void {
  const { query } = s;

  query.registerSource('listAlert', { entity: 'alert' });
  query.registerSource('getAlert', { entity: 'alert', resolve: async (a, id) => [(await s.alerts.resolve(a, id))._id] });
  query.registerRenderer('alert', (d) => s.alerts.render(d));

  // alert -> observables, comments and procedures are registered with those entities.
  query.registerTraversal('alert', 'attachments', { entity: 'attachment', direction: 'child', relation: 'alert' });
  query.registerTraversal('alert', 'case', { entity: 'case', direction: 'parent', relation: 'case' });
  query.registerTraversal('case', 'alerts', { entity: 'alert', direction: 'child', relation: 'case' });

  const byId = <T>(docs: Doc[], f: (d: Doc) => T): Map<string, unknown> => new Map(docs.map((d) => [d._id, f(d)]));

  query.registerExtraData('alert', 'importDate', async (docs) => byId(docs, (d) => d.importedDate ?? null));
  query.registerExtraData('alert', 'status', async (docs) => byId(docs, (d) => ({ value: d.status, stage: d.stage ?? alertStageOf(String(d.status)) })));
  query.registerExtraData('alert', 'caseNumber', async (docs, actor) => {
    const ids = [...new Set(docs.map((d) => d.caseId).filter((c): c is string => typeof c === 'string'))];
    const cases = new Map((await s.store.getMany('case', ids)).filter((c) => canSee(actor, c)).map((c) => [c._id, c.number]));
    return byId(docs, (d) => (typeof d.caseId === 'string' ? (cases.get(d.caseId) ?? null) : null));
  });
  query.registerExtraData('alert', 'procedureCount', async (docs) => {
    const out = new Map<string, unknown>();
    for (const d of docs) {
      const r = await s.store.query({ entity: 'procedure', where: q.parentId('alert', d._id), sort: [], output: { kind: 'count' } });
      out.set(d._id, r.kind === 'count' ? r.count : 0);
    }
    return out;
  });
  query.registerExtraData('alert', 'similarCases', async (docs, actor) => s.alertSimilarity.similarCases(actor, docs));
  query.registerExtraData('alert', 'similarAlerts', async (docs, actor) => s.alertSimilarity.similarAlerts(actor, docs));
}
