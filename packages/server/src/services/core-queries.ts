/** Query API sources, traversals and renderers of the core entities. */
import type { Services } from './index.js';
import { ALL_ORGS } from '../entities/registry.js';
import { q } from '../query/ir.js';

export function registerCoreQueries(s: Services): void {
  const { query } = s;
  const everyone = () => q.visible([ALL_ORGS]);

  query.registerSource('listCase', { entity: 'case' });
  query.registerSource('getCase', { entity: 'case', resolve: async (a, id) => [(await s.cases.resolve(a, id))._id] });
  query.registerRenderer('case', (d) => s.cases.render(d));

  query.registerSource('listOrganisation', { entity: 'organisation', where: (a) => (a.inAdminOrg ? q.true() : q.visible([a.orgId])) });
  query.registerSource('getOrganisation', {
    entity: 'organisation',
    where: (a) => (a.inAdminOrg ? q.true() : q.visible([a.orgId])),
    resolve: async (a, id) => [(await s.orgs.get(a, id))._id],
  });
  query.registerRenderer('organisation', (d) => s.orgs.render(d));

  query.registerSource('listUser', { entity: 'user', where: (a) => s.users.visibleWhere(a) });
  query.registerSource('getUser', { entity: 'user', where: (a) => s.users.visibleWhere(a), resolve: async (a, id) => [(await s.users.get(a, id))._id] });
  query.registerRenderer('user', (d, a) => s.users.render(d, a));

  query.registerSource('listProfile', { entity: 'profile', where: everyone });
  query.registerSource('getProfile', { entity: 'profile', where: everyone, resolve: async (_a, id) => [(await s.profiles.get(id))._id] });
  query.registerRenderer('profile', (d) => s.profiles.render(d));
}
