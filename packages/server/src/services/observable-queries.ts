/** Query API sources, traversals and renderers of observables, observable types and attachments. */
import type { Services } from './index.js';
import { ALL_ORGS } from '../entities/registry.js';
import { q } from '../query/ir.js';

export function registerObservableQueries(s: Services): void {
  const { query } = s;
  const everyone = () => q.visible([ALL_ORGS]);

  query.registerSource('listObservableType', { entity: 'observableType', where: everyone });
  query.registerSource('getObservableType', { entity: 'observableType', where: everyone, resolve: async (_a, id) => [(await s.observableTypes.get(id))._id] });
  query.registerRenderer('observableType', (d) => s.observableTypes.render(d));

  query.registerSource('listObservable', { entity: 'observable' });
  query.registerSource('getObservable', { entity: 'observable', resolve: async (a, id) => [(await s.observables.get(a, id))._id] });
  query.registerRenderer('observable', (d) => s.observables.render(d));
  query.registerTraversal('case', 'observables', { entity: 'observable', direction: 'child', relation: 'case' });
  query.registerTraversal('alert', 'observables', { entity: 'observable', direction: 'child', relation: 'alert' });
  query.registerTraversal('observable', 'case', { entity: 'case', direction: 'parent', relation: 'case' });
  query.registerTraversal('observable', 'alert', { entity: 'alert', direction: 'parent', relation: 'alert' });

  query.registerRenderer('attachment', (d) => s.attachments.render(d));
  query.registerTraversal('case', 'attachments', { entity: 'attachment', direction: 'child', relation: 'case' });
  query.registerTraversal('organisation', 'attachments', { entity: 'attachment', direction: 'child', relation: 'organisation' });
}
