/** Query API sources, traversals and renderers of custom fields, templates, pages, procedures and patterns. */
import type { Services } from './index.js';
import { ALL_ORGS } from '../entities/registry.js';
import { q } from '../query/ir.js';
import { canSee } from './policy.js';

export function registerTemplateQueries(s: Services): void {
  const { query } = s;
  const everyone = () => q.visible([ALL_ORGS]);

  query.registerSource('listCustomField', { entity: 'customField', where: everyone });
  query.registerSource('getCustomField', { entity: 'customField', where: everyone, resolve: async (_a, id) => [(await s.customFields.get(id))._id] });
  query.registerRenderer('customField', (d) => s.customFields.render(d));

  query.registerSource('listCaseTemplate', { entity: 'caseTemplate' });
  query.registerSource('getCaseTemplate', { entity: 'caseTemplate', resolve: async (a, id) => [(await s.caseTemplates.resolve(a, id))._id] });
  query.registerTraversal('caseTemplate', 'pageTemplates', {
    entity: 'pageTemplate',
    direction: 'ids',
    resolveIds: async (a, templates) => templates.filter((t) => canSee(a, t)).flatMap((t) => (t.pageTemplateIds as string[] | undefined) ?? []),
  });
  query.registerRenderer('caseTemplate', (d) => s.caseTemplates.render(d));

  query.registerSource('listPageTemplate', { entity: 'pageTemplate' });
  query.registerSource('getPageTemplate', { entity: 'pageTemplate', resolve: async (a, id) => [(await s.pageTemplates.get(a, id))._id] });
  query.registerRenderer('pageTemplate', (d) => s.pageTemplates.render(d));

  query.registerSource('getPage', { entity: 'page', resolve: async (a, id) => [(await s.pages.get(a, id))._id] });
  query.registerTraversal('case', 'pages', { entity: 'page', direction: 'child', relation: 'case' });
  query.registerTraversal('page', 'case', { entity: 'case', direction: 'parent', relation: 'case' });
  query.registerRenderer('page', (d) => s.pages.render(d));

  query.registerSource('listProcedure', { entity: 'procedure' });
  query.registerSource('getProcedure', { entity: 'procedure', resolve: async (a, id) => [(await s.procedures.get(a, id))._id] });
  query.registerTraversal('case', 'procedures', { entity: 'procedure', direction: 'child', relation: 'case' });
  query.registerTraversal('alert', 'procedures', { entity: 'procedure', direction: 'child', relation: 'alert' });
  query.registerTraversal('procedure', 'case', { entity: 'case', direction: 'parent', relation: 'case' });
  query.registerTraversal('procedure', 'alert', { entity: 'alert', direction: 'parent', relation: 'alert' });
  query.registerRenderer('procedure', (d) => s.procedures.render(d));

  query.registerSource('listPattern', { entity: 'pattern', where: everyone });
  query.registerSource('getPattern', {
    entity: 'pattern',
    where: everyone,
    resolve: async (_a, id) => {
      if (id.startsWith('~')) return [id];
      const p = await s.procedures.pattern(id);
      return p ? [p._id] : [];
    },
  });
  query.registerTraversal('procedure', 'pattern', {
    entity: 'pattern',
    direction: 'ids',
    where: everyone,
    resolveIds: async (_a, procs) => {
      const ids = await Promise.all(procs.map(async (p) => (await s.procedures.pattern(String(p.patternId)))?._id));
      return ids.filter((id): id is string => id !== undefined);
    },
  });
  query.registerRenderer('pattern', (d) => s.procedures.renderPattern(d));
}
