/** Query API sources, traversals and renderers of tasks, task logs and comments. */
import type { Services } from './index.js';
import { q } from '../query/ir.js';
import { visibleTo } from './policy.js';
import { COMMENT_FIELD_ALIASES } from './comment.service.js';

export function registerTaskQueries(s: Services): void {
  const { query } = s;
  // Case tasks only (tasks of case templates are not listed), in cases the actor sees.
  const caseTasks = (a: Parameters<typeof visibleTo>[0]) => q.and(visibleTo(a), { kind: 'parent', relation: 'case', parentType: 'case', where: visibleTo(a) });

  query.registerSource('listTask', { entity: 'task', where: caseTasks });
  query.registerSource('getTask', { entity: 'task', where: caseTasks, resolve: async (a, id) => [(await s.tasks.resolve(a, id))._id] });
  query.registerTraversal('case', 'tasks', { entity: 'task', direction: 'child', relation: 'case' });
  query.registerTraversal('task', 'case', { entity: 'case', direction: 'parent', relation: 'case' });
  query.registerRenderer('task', (d) => s.tasks.render(d));

  query.registerSource('listLog', { entity: 'log' });
  query.registerSource('getLog', { entity: 'log', resolve: async (a, id) => [(await s.logs.resolve(a, id))._id] });
  query.registerTraversal('task', 'logs', { entity: 'log', direction: 'child', relation: 'task' });
  query.registerTraversal('log', 'task', { entity: 'task', direction: 'parent', relation: 'task' });
  query.registerRenderer('log', (d) => s.logs.render(d));

  query.registerSource('listComment', { entity: 'comment' });
  query.registerSource('getComment', { entity: 'comment', resolve: async (a, id) => [(await s.comments.resolve(a, id))._id] });
  query.registerTraversal('case', 'comments', { entity: 'comment', direction: 'child', relation: 'case' });
  query.registerTraversal('alert', 'comments', { entity: 'comment', direction: 'child', relation: 'alert' });
  query.registerRenderer('comment', (d) => s.comments.render(d));
  query.registerFieldAliases('comment', COMMENT_FIELD_ALIASES);
}
