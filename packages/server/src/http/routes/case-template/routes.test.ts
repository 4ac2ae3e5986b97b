import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg } from '../../../test/support.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
  for (const [name, type] of [
    ['business-unit', 'string'],
    ['hits', 'integer'],
    ['reviewed', 'boolean'],
  ] as const) {
    const r = await t.admin.post('/api/v1/customField', { name, group: 'default', description: name, type });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => t.close());

async function pageTemplate(org: TestOrg, title: string, content = `${title} content`): Promise<{ _id: string }> {
  const r = await t.as(org.admin).post('/api/v1/pageTemplate', { title, category: 'playbook', content });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function template(org: TestOrg, body: Record<string, unknown>): Promise<Record<string, any>> {
  const r = await t.as(org.admin).post('/api/v1/caseTemplate', body);
  assert.equal(r.status, 201, r.text);
  return r.body;
}

const names = (xs: Array<{ title: string }>): string[] => xs.map((x) => x.title).sort();

void test('create and get: output shape, tasks rendered like tasks; create == GET (id and name) == getCaseTemplate', async () => {
  const created = await template(a, {
    name: 'phishing',
    displayName: 'Phishing',
    titlePrefix: '[PHISH]',
    description: 'Template description',
    severity: 3,
    tags: ['phishing', 'mail', 'phishing'],
    flag: true,
    tlp: 1,
    pap: 3,
    summary: 'sum',
    tasks: [{ title: 'Triage', group: 'intake', description: 'look', mandatory: true }, { title: 'Contain' }],
    customFields: [{ name: 'business-unit', value: 'sales' }, { name: 'hits' }],
  });
  assert.equal(created._type, 'CaseTemplate');
  assert.equal(created.name, 'phishing');
  assert.equal(created.displayName, 'Phishing');
  assert.equal(created.titlePrefix, '[PHISH]');
  assert.equal(created.severity, 3);
  assert.equal(created.severityLabel, 'HIGH');
  assert.equal(created.tlpLabel, 'GREEN');
  assert.equal(created.papLabel, 'RED');
  assert.deepEqual(created.tags, ['phishing', 'mail']);
  assert.equal(created.flag, true);
  assert.deepEqual(created.extraData, {});
  assert.deepEqual(
    created.customFields.map((c: Record<string, unknown>) => [c.name, c.type, c.value, c.order]),
    [
      ['business-unit', 'string', 'sales', 0],
      ['hits', 'integer', null, 1],
    ],
  );
  assert.equal(created.tasks.length, 2);
  const [triage, contain] = created.tasks;
  assert.equal(triage._type, 'Task');
  assert.equal(typeof triage._id, 'string');
  assert.equal(triage.title, 'Triage');
  assert.equal(triage.group, 'intake');
  assert.equal(triage.status, 'Waiting');
  assert.equal(triage.mandatory, true);
  assert.equal(triage.flag, false);
  assert.deepEqual(triage.extraData, {});
  assert.equal(contain.group, 'default');
  assert.equal(contain.order, 1);

  const api = t.as(a.analyst);
  assert.deepEqual((await api.get(`/api/v1/caseTemplate/${created._id}`)).body, created);
  assert.deepEqual((await api.get('/api/v1/caseTemplate/phishing')).body, created);
  assert.deepEqual((await api.query([{ _name: 'getCaseTemplate', idOrName: 'phishing' }])).body, [created]);
  const listed = await api.query([{ _name: 'listCaseTemplate' }, { _name: 'filter', _eq: { _field: 'name', _value: 'phishing' } }]);
  assert.deepEqual(listed.body, [created]);

  const minimal = await template(a, { name: 'my first template', description: 'Template description' });
  assert.equal(minimal.displayName, 'my first template');
  assert.deepEqual(minimal.tasks, []);
  assert.equal(minimal.severity, undefined);
  assert.deepEqual((await api.get(`/api/v1/caseTemplate/${minimal._id}`)).body, minimal);
});

void test('update (including the name), delete, and names unique per organisation', async () => {
  const tpl = await template(a, { name: 'to-rename', description: 'old' });
  const api = t.as(a.admin);
  const r = await api.patch(`/api/v1/caseTemplate/${tpl._id}`, {
    name: 'updated template name',
    description: 'updated template description',
    tasks: [{ title: 'new task' }],
  });
  assert.equal(r.status, 204, r.text);
  const got = (await api.get(`/api/v1/caseTemplate/${tpl._id}`)).body;
  assert.equal(got.name, 'updated template name');
  assert.equal(got.description, 'updated template description');
  assert.deepEqual(names(got.tasks), ['new task']);
  assert.equal((await api.get('/api/v1/caseTemplate/to-rename')).status, 404);
  assert.equal((await api.get('/api/v1/caseTemplate/updated template name')).body._id, tpl._id);
  assert.equal((await api.patch(`/api/v1/caseTemplate/${tpl._id}`, { summary: null, severity: 1 })).status, 204);
  assert.equal((await api.get(`/api/v1/caseTemplate/${tpl._id}`)).body.severityLabel, 'LOW');

  const dup = await api.post('/api/v1/caseTemplate', { name: 'updated template name' });
  assert.equal(dup.status, 400);
  assert.equal(dup.body.type, 'CreateError');
  const other = await template(a, { name: 'other' });
  const clash = await api.patch(`/api/v1/caseTemplate/${other._id}`, { name: 'updated template name' });
  assert.equal(clash.status, 400);
  assert.equal((await api.get('/api/v1/caseTemplate/other')).body._id, other._id);
  // the same name in another organisation is another template
  const inB = await template(b, { name: 'updated template name' });
  assert.notEqual(inB._id, tpl._id);
  assert.equal((await t.as(b.analyst).get('/api/v1/caseTemplate/updated template name')).body._id, inB._id);

  assert.equal((await api.delete(`/api/v1/caseTemplate/${tpl._id}`)).status, 204);
  assert.equal((await api.get(`/api/v1/caseTemplate/${tpl._id}`)).status, 404);
  assert.equal((await api.delete(`/api/v1/caseTemplate/${tpl._id}`)).status, 404);
  // the name is free again
  await template(a, { name: 'updated template name' });
});

void test('another organisation gets 404; analysts and read-only users get 403; bad input is a 400', async () => {
  const tpl = await template(a, { name: 'a-secret', description: 'x' });
  const other = t.as(b.admin);
  assert.equal((await other.get(`/api/v1/caseTemplate/${tpl._id}`)).status, 404);
  assert.equal((await other.get('/api/v1/caseTemplate/a-secret')).status, 404);
  assert.equal((await other.patch(`/api/v1/caseTemplate/${tpl._id}`, { description: 'pwned' })).status, 404);
  assert.equal((await other.delete(`/api/v1/caseTemplate/${tpl._id}`)).status, 404);
  assert.equal((await other.get(`/api/v1/caseTemplate/${tpl._id}/export`)).status, 404);
  assert.deepEqual((await other.query([{ _name: 'getCaseTemplate', idOrName: tpl._id }])).body, []);
  assert.deepEqual((await other.query([{ _name: 'listCaseTemplate' }, { _name: 'filter', _eq: { _field: 'name', _value: 'a-secret' } }])).body, []);

  for (const creds of [a.readonly, a.analyst]) {
    const api = t.as(creds);
    const r = await api.post('/api/v1/caseTemplate', { name: 'nope' });
    assert.equal(r.status, 403);
    assert.equal(r.body.type, 'AuthorizationError');
    assert.equal((await api.patch(`/api/v1/caseTemplate/${tpl._id}`, { description: 'x' })).status, 403);
    assert.equal((await api.delete(`/api/v1/caseTemplate/${tpl._id}`)).status, 403);
    assert.equal((await api.put(`/api/v1/caseTemplate/${tpl._id}/pageTemplate/link`, { pageTemplateIds: [] })).status, 403);
  }
  assert.equal((await t.as(a.readonly).get(`/api/v1/caseTemplate/${tpl._id}`)).status, 200);

  const api = t.as(a.admin);
  assert.equal((await api.post('/api/v1/caseTemplate', { description: 'no name' })).status, 400);
  assert.equal((await api.post('/api/v1/caseTemplate', { name: 'sev', severity: 9 })).status, 400);
  assert.equal((await api.post('/api/v1/caseTemplate', { name: 'cf', customFields: { 'not-defined': 1 } })).status, 400);
  assert.equal((await api.post('/api/v1/caseTemplate', { name: 'cf', customFields: { hits: 'many' } })).status, 400);
  assert.equal((await api.post('/api/v1/caseTemplate', { name: 'task', tasks: [{ group: 'no title' }] })).status, 400);
  assert.equal((await api.post('/api/v1/caseTemplate', { name: 'assignee', tasks: [{ title: 't', assignee: b.analyst.login }] })).status, 400);
  const foreignPage = await pageTemplate(b, 'b page');
  assert.equal((await api.post('/api/v1/caseTemplate', { name: 'pages', pageTemplateIds: [foreignPage._id] })).status, 404);
});

void test('link page templates and find them with getCaseTemplate -> pageTemplates', async () => {
  const tpl = await template(a, { name: 'with-pages' });
  const p1 = await pageTemplate(a, 'Page one');
  const p2 = await pageTemplate(a, 'Page two');
  const api = t.as(a.admin);
  const r = await api.put(`/api/v1/caseTemplate/${tpl._id}/pageTemplate/link`, { pageTemplateIds: [p1._id, p2._id] });
  assert.equal(r.status, 204, r.text);
  const linked = await api.query([{ _name: 'getCaseTemplate', idOrName: tpl._id }, { _name: 'pageTemplates' }]);
  assert.equal(linked.status, 200, linked.text);
  assert.deepEqual(linked.body.map((p: { _id: string }) => p._id).sort(), [p1._id, p2._id].sort());
  const [p1Rendered] = (await api.query([{ _name: 'getPageTemplate', idOrName: p1._id }])).body;
  assert.deepEqual(
    linked.body.find((p: { _id: string }) => p._id === p1._id),
    p1Rendered,
  );
  // a deleted page template is unlinked
  assert.equal((await api.delete(`/api/v1/pageTemplate/${p2._id}`)).status, 204);
  const after = await api.query([{ _name: 'getCaseTemplate', idOrName: 'with-pages' }, { _name: 'pageTemplates' }]);
  assert.deepEqual(
    after.body.map((p: { _id: string }) => p._id),
    [p1._id],
  );
  assert.deepEqual((await t.as(b.admin).query([{ _name: 'getCaseTemplate', idOrName: tpl._id }, { _name: 'pageTemplates' }])).body, []);
  assert.equal((await api.put(`/api/v1/caseTemplate/${tpl._id}/pageTemplate/link`, { pageTemplateIds: ['~999999999'] })).status, 404);
});

void test('export is portable JSON; import recreates an equivalent template (round trip), also in another organisation', async () => {
  const p1 = await pageTemplate(a, 'Runbook', '1. breathe');
  const tpl = await template(a, {
    name: 'ransomware',
    displayName: 'Ransomware',
    titlePrefix: '[RANSOM]',
    description: 'encrypt all the things',
    severity: 4,
    tags: ['ransomware'],
    tlp: 3,
    tasks: [
      { title: 'Isolate', group: 'containment', order: 0 },
      { title: 'Restore', order: 1, mandatory: true },
    ],
    customFields: { 'business-unit': 'it', reviewed: false },
    pageTemplateIds: [p1._id],
  });
  const api = t.as(a.admin);
  const exported = await api.get(`/api/v1/caseTemplate/${tpl._id}/export`);
  assert.equal(exported.status, 200, exported.text);
  const json = exported.body;
  assert.equal(json.format, 'waggle.caseTemplate');
  assert.equal(json.version, 1);
  assert.equal(json.caseTemplate.name, 'ransomware');
  assert.ok(!JSON.stringify(json).includes('"_'), 'no system fields in the export');
  assert.ok(!JSON.stringify(json).includes(a.id), 'no organisation id in the export');
  assert.deepEqual(json.caseTemplate.pages, [{ title: 'Runbook', content: '1. breathe', category: 'playbook', order: 0 }]);
  assert.deepEqual(json.caseTemplate.customFields, [
    { name: 'business-unit', value: 'it', order: 0 },
    { name: 'reviewed', value: false, order: 1 },
  ]);

  // the name is taken in org-a
  const taken = await api.post('/api/v1/caseTemplate/_import', json);
  assert.equal(taken.status, 400);
  assert.equal(taken.body.type, 'CreateError');
  assert.equal((await api.delete(`/api/v1/caseTemplate/${tpl._id}`)).status, 204);

  const imported = await api.post('/api/v1/caseTemplate/_import', json);
  assert.equal(imported.status, 201, imported.text);
  const strip = (x: Record<string, any>) => {
    const { _id, _createdAt, _updatedAt, _updatedBy, tasks, customFields, ...rest } = x;
    return {
      ...rest,
      tasks: tasks.map(({ _id: _i, _createdAt: _c, ...t2 }: Record<string, unknown>) => t2),
      customFields: customFields.map(({ _id: _i, ...c }: Record<string, unknown>) => c),
    };
  };
  assert.deepEqual(strip(imported.body), strip(tpl));
  // the existing identical page template is reused, not duplicated
  assert.deepEqual(imported.body.pageTemplateIds, [p1._id]);
  const again = await api.get(`/api/v1/caseTemplate/${imported.body._id}/export`);
  assert.deepEqual(again.body, json);

  const inB = await t.as(b.admin).post('/api/v1/caseTemplate/_import', json);
  assert.equal(inB.status, 201, inB.text);
  const bPages = await t.as(b.admin).query([{ _name: 'getCaseTemplate', idOrName: 'ransomware' }, { _name: 'pageTemplates' }]);
  assert.equal(bPages.body.length, 1);
  assert.equal(bPages.body[0].content, '1. breathe');
  assert.notEqual(bPages.body[0]._id, p1._id);

  assert.equal((await t.as(a.analyst).post('/api/v1/caseTemplate/_import', json)).status, 403);
  assert.equal((await api.post('/api/v1/caseTemplate/_import', { ...json, format: 'other' })).status, 400);
  assert.equal((await api.post('/api/v1/caseTemplate/_import', { caseTemplate: json.caseTemplate })).status, 400);
});

void test('a case created from a template gets its prefix, defaults, tags, custom fields, tasks and pages in one go', async () => {
  const page = await pageTemplate(a, 'Checklist', '- [ ] step');
  const tpl = await template(a, {
    name: 'intrusion',
    titlePrefix: '[INTRUSION]  ',
    description: 'template description',
    severity: 4,
    tags: ['intrusion'],
    flag: true,
    tlp: 3,
    pap: 1,
    summary: 'template summary',
    tasks: [
      { title: 'Scope', group: 'analysis', order: 0 },
      { title: 'Eradicate', order: 1, mandatory: true },
    ],
    customFields: [
      { name: 'business-unit', value: 'hr', order: 0 },
      { name: 'hits', value: 1, order: 1 },
    ],
    pageTemplateIds: [page._id],
  });
  const api = t.as(a.analyst);
  const created = await api.post('/api/v1/case', {
    title: 'Server breach',
    description: 'what happened',
    caseTemplate: 'intrusion',
    tlp: 1,
    tags: ['server'],
    customFields: { hits: 42, reviewed: true },
    tasks: [{ title: 'Report' }],
    pages: [{ title: 'Timeline', content: 'events', category: 'notes' }],
  });
  assert.equal(created.status, 201, created.text);
  const c = created.body;
  assert.equal(c.title, '[INTRUSION] Server breach');
  assert.equal(c.description, 'what happened');
  assert.equal(c.severity, 4);
  assert.equal(c.tlp, 1, 'input wins over the template');
  assert.equal(c.pap, 1);
  assert.equal(c.flag, true);
  assert.equal(c.summary, 'template summary');
  assert.deepEqual(c.tags, ['server', 'intrusion']);
  assert.deepEqual(
    c.customFields.map((x: Record<string, unknown>) => [x.name, x.value]),
    [
      ['business-unit', 'hr'],
      ['hits', 42],
      ['reviewed', true],
    ],
  );
  assert.deepEqual((await api.get(`/api/v1/case/${c._id}`)).body, c);

  const tasks = await api.query([{ _name: 'getCase', idOrName: c._id }, { _name: 'tasks' }]);
  assert.deepEqual(names(tasks.body), ['Eradicate', 'Report', 'Scope']);
  const eradicate = tasks.body.find((x: { title: string }) => x.title === 'Eradicate');
  assert.equal(eradicate.mandatory, true);
  assert.equal(eradicate.status, 'Waiting');
  assert.notEqual(eradicate._id, tpl.tasks[1]._id, 'case tasks are new tasks');
  assert.equal(tasks.body.find((x: { title: string }) => x.title === 'Scope').group, 'analysis');
  const pages = await api.query([{ _name: 'getCase', idOrName: c._id }, { _name: 'pages' }]);
  assert.deepEqual(names(pages.body), ['Checklist', 'Timeline']);
  assert.equal(pages.body.find((x: { title: string }) => x.title === 'Checklist').content, '- [ ] step');

  // by id, and with an empty description the template's is used
  const byId = await api.post('/api/v1/case', { title: 'x', description: '', caseTemplate: tpl._id });
  assert.equal(byId.status, 201, byId.text);
  assert.equal(byId.body.description, 'template description');
  assert.equal(byId.body.tlp, 3);

  // without a template: tasks and pages of the input only
  const plain = await api.post('/api/v1/case', {
    title: 'plain',
    description: 'd',
    tasks: [{ title: 'only' }],
    pages: [{ title: 'p', content: 'c', category: 'x' }],
  });
  assert.equal(plain.status, 201, plain.text);
  assert.equal(plain.body.title, 'plain');
  assert.deepEqual(names((await api.query([{ _name: 'getCase', idOrName: plain.body._id }, { _name: 'tasks' }])).body), ['only']);
  assert.equal((await api.query([{ _name: 'getCase', idOrName: plain.body._id }, { _name: 'pages' }, { _name: 'count' }])).body, 1);
});

void test('case creation: unknown or foreign template is a 400, read-only is a 403, and a bad task rolls back everything', async () => {
  const api = t.as(a.analyst);
  const unknown = await api.post('/api/v1/case', { title: 'x', description: 'd', caseTemplate: 'no-such-template' });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.type, 'BadRequest');
  const foreign = await template(b, { name: 'b-only' });
  assert.equal((await api.post('/api/v1/case', { title: 'x', description: 'd', caseTemplate: foreign._id })).status, 400);
  assert.equal((await api.post('/api/v1/case', { title: 'x', description: 'd', caseTemplate: 'b-only' })).status, 400);
  const ro = await t.as(a.readonly).post('/api/v1/case', { title: 'x', description: 'd', caseTemplate: 'b-only' });
  assert.equal(ro.status, 403);

  const before = (await api.query([{ _name: 'listCase' }, { _name: 'count' }])).body;
  const bad = await api.post('/api/v1/case', { title: 'rollback', description: 'd', tasks: [{ title: 'ok' }, { title: 'bad', status: 'Sleeping' }] });
  assert.equal(bad.status, 400);
  assert.equal((await api.query([{ _name: 'listCase' }, { _name: 'count' }])).body, before);
  assert.deepEqual((await api.query([{ _name: 'listTask' }, { _name: 'filter', _eq: { _field: 'title', _value: 'ok' } }])).body, []);
});

void test('POST /api/v1/case/_bulk/caseTemplate applies a template to existing cases', async () => {
  const page = await pageTemplate(a, 'Bulk page');
  await template(a, {
    name: 'bulk',
    titlePrefix: '[BULK]',
    description: 'bulk description',
    severity: 1,
    tags: ['bulk'],
    tlp: 0,
    tasks: [{ title: 'First' }, { title: 'Second' }],
    customFields: { 'business-unit': 'ops' },
    pageTemplateIds: [page._id],
  });
  const api = t.as(a.analyst);
  const c1 = (await api.post('/api/v1/case', { title: 'one', description: 'd1', tags: ['x'], customFields: { 'business-unit': 'mine' } })).body;
  const c2 = (await api.post('/api/v1/case', { title: 'two', description: 'd2' })).body;
  const r = await api.post('/api/v1/case/_bulk/caseTemplate', {
    ids: [c1._id, String(c2.number)],
    caseTemplate: 'bulk',
    updateTitlePrefix: true,
    updateTags: true,
    updateSeverity: true,
    updateCustomFields: true,
    importTasks: ['Second'],
    importPages: true,
  });
  assert.equal(r.status, 204, r.text);
  const g1 = (await api.get(`/api/v1/case/${c1._id}`)).body;
  const g2 = (await api.get(`/api/v1/case/${c2._id}`)).body;
  assert.equal(g1.title, '[BULK] one');
  assert.equal(g2.title, '[BULK] two');
  assert.equal(g1.description, 'd1', 'description untouched without updateDescription');
  assert.equal(g1.tlp, 2, 'tlp untouched without updateTlp');
  assert.equal(g1.severity, 1);
  assert.deepEqual(g1.tags, ['x', 'bulk']);
  assert.deepEqual(
    g1.customFields.map((x: Record<string, unknown>) => [x.name, x.value]),
    [['business-unit', 'mine']],
  );
  assert.deepEqual(
    g2.customFields.map((x: Record<string, unknown>) => [x.name, x.value]),
    [['business-unit', 'ops']],
  );
  for (const c of [c1, c2]) {
    assert.deepEqual(names((await api.query([{ _name: 'getCase', idOrName: c._id }, { _name: 'tasks' }])).body), ['Second']);
    assert.deepEqual(names((await api.query([{ _name: 'getCase', idOrName: c._id }, { _name: 'pages' }])).body), ['Bulk page']);
  }
  // applying twice does not prefix twice
  assert.equal((await api.post('/api/v1/case/_bulk/caseTemplate', { ids: [c1._id], caseTemplate: 'bulk', updateTitlePrefix: true })).status, 204);
  assert.equal((await api.get(`/api/v1/case/${c1._id}`)).body.title, '[BULK] one');

  const foreignCase = (await t.as(b.analyst).post('/api/v1/case', { title: 'b', description: 'd' })).body;
  const cross = await api.post('/api/v1/case/_bulk/caseTemplate', { ids: [c1._id, foreignCase._id], caseTemplate: 'bulk', updateTitlePrefix: true });
  assert.equal(cross.status, 404);
  assert.equal((await t.as(b.analyst).get(`/api/v1/case/${foreignCase._id}`)).body.title, 'b');
  const ro = await t.as(a.readonly).post('/api/v1/case/_bulk/caseTemplate', { ids: [c1._id], caseTemplate: 'bulk', updateTags: true });
  assert.equal(ro.status, 403);
  assert.equal((await api.post('/api/v1/case/_bulk/caseTemplate', { ids: [c1._id], caseTemplate: 'nope' })).status, 400);
  assert.equal((await api.post('/api/v1/case/_bulk/caseTemplate', { caseTemplate: 'bulk' })).status, 400);
});

void test('case creation with a template applies sharingParameters and a UserAccessKind access', async () => {
  const c = await t.org('org-c');
  assert.equal((await t.admin.put(`/api/v1/organisation/${a.name}/link/${c.name}`, {})).status, 204);
  await template(a, { name: 'shared', tasks: [{ title: 'Shared task' }] });
  const api = t.as(a.analyst);
  const shared = await api.post('/api/v1/case', {
    title: 'shared',
    description: 'd',
    caseTemplate: 'shared',
    sharingParameters: [{ organisation: c.name, share: true, profile: 'analyst', taskRule: 'all' }],
  });
  assert.equal(shared.status, 201, shared.text);
  const seenByC = await t.as(c.analyst).get(`/api/v1/case/${shared.body._id}`);
  assert.equal(seenByC.status, 200, seenByC.text);
  assert.equal(seenByC.body.title, 'shared');
  assert.equal((await t.as(b.analyst).get(`/api/v1/case/${shared.body._id}`)).status, 404);

  const restricted = await api.post('/api/v1/case', {
    title: 'restricted',
    description: 'd',
    caseTemplate: 'shared',
    access: { _kind: 'UserAccessKind', users: [a.analyst.login] },
  });
  assert.equal(restricted.status, 201, restricted.text);
  assert.deepEqual(restricted.body.access, { _kind: 'UserAccessKind', users: [a.analyst.login] });
  assert.deepEqual((await api.get(`/api/v1/case/${restricted.body._id}`)).body, restricted.body);
  assert.equal((await t.as(a.readonly).get(`/api/v1/case/${restricted.body._id}`)).status, 404);
  const tasks = await api.query([{ _name: 'getCase', idOrName: restricted.body._id }, { _name: 'tasks' }]);
  assert.deepEqual(names(tasks.body), ['Shared task']);
  assert.deepEqual(
    (await t.as(a.readonly).query([{ _name: 'listTask' }, { _name: 'filter', _eq: { _field: 'title', _value: 'Shared task' } }, { _name: 'count' }])).body,
    1,
  );
});
