import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestWaggle, type TestOrg } from '../../../test/support.js';
import { postMultipart } from '../attachment/test-helpers.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
});
after(async () => t.close());

let seq = 0;
async function newAlert(org: TestOrg, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  seq++;
  const r = await t.as(org.analyst).post('/api/v1/alert', {
    type: 'test',
    source: 'import',
    sourceRef: `imp-${seq}`,
    title: `alert ${seq}`,
    description: `alert description ${seq}`,
    ...extra,
  });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function newCase(org: TestOrg, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const r = await t.as(org.analyst).post('/api/v1/case', { title: 'target case', description: 'case description', ...extra });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function caseObservables(org: TestOrg, caseId: string): Promise<Array<Record<string, any>>> {
  const r = await t.as(org.analyst).query([{ _name: 'getCase', idOrName: caseId }, { _name: 'observables' }, { _name: 'sort', _fields: [{ data: 'asc' }] }]);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

const procedure = { occurDate: 1_700_000_000_000, patternId: 'T1059.006', tactic: 'execution', description: 'python' };

void test('promote with {}: the case gets the alert fields and content; the alert becomes Imported', async () => {
  const cf = await t.admin.post('/api/v1/customField', { name: 'promo-cf', group: 'g', description: 'd', type: 'string' });
  assert.equal(cf.status, 201, cf.text);
  const al = await newAlert(a, {
    severity: 3,
    tlp: 1,
    pap: 1,
    tags: ['t1', 't2'],
    customFields: { 'promo-cf': 'value' },
    observables: [
      { dataType: 'ip', data: '10.0.0.1', ioc: true },
      { dataType: 'domain', data: 'promo.example', tags: ['x'] },
    ],
    procedures: [procedure],
  });
  const att = await postMultipart(t, a.analyst, `/api/v1/alert/${al._id}/attachments`, [
    { name: 'canRename', content: 'True' },
    { name: 'attachments', filename: 'evidence.txt', content: 'evidence' },
  ]);
  assert.equal(att.status, 201);
  const c = t.as(a.analyst);
  const promoted = await c.post(`/api/v1/alert/${al._id}/case`, {});
  assert.equal(promoted.status, 201, promoted.text);
  const kase = promoted.body;
  assert.equal(kase._type, 'Case');
  assert.equal(kase.title, al.title);
  assert.equal(kase.description, al.description);
  assert.equal(kase.severity, 3);
  assert.equal(kase.tlp, 1);
  assert.deepEqual(kase.tags, ['t1', 't2']);
  assert.equal(kase.customFields.find((f: { name: string }) => f.name === 'promo-cf').value, 'value');
  assert.equal(kase.alertDate, al.date);
  assert.equal(typeof kase.alertImportedDate, 'number');
  assert.deepEqual((await c.get(`/api/v1/case/${kase._id}`)).body, kase);

  const after = (await c.get(`/api/v1/alert/${al._id}`)).body;
  assert.equal(after.caseId, kase._id);
  assert.equal(after.status, 'Imported');
  assert.equal(after.stage, 'Imported');
  assert.equal(typeof after.importedDate, 'number');
  assert.equal(after.observableCount, 2);

  const obs = await caseObservables(a, kase._id);
  assert.deepEqual(
    obs.map((o) => [o.dataType, o.data, o.ioc, o.tags]),
    [
      ['ip', '10.0.0.1', true, []],
      ['domain', 'promo.example', false, ['x']],
    ],
  );
  const procs = (await c.query([{ _name: 'getCase', idOrName: kase._id }, { _name: 'procedures' }])).body;
  assert.equal(procs.length, 1);
  assert.equal(procs[0].patternId, 'T1059.006');
  const atts = (await c.query([{ _name: 'getCase', idOrName: kase._id }, { _name: 'attachments' }])).body;
  assert.deepEqual(
    atts.map((x: { name: string }) => x.name),
    ['evidence.txt'],
  );
  const linked = (await c.query([{ _name: 'getCase', idOrName: kase._id }, { _name: 'alerts' }])).body;
  assert.deepEqual(
    linked.map((x: { _id: string }) => x._id),
    [al._id],
  );
  const back = (await c.query([{ _name: 'getAlert', idOrName: al._id }, { _name: 'case' }])).body;
  assert.deepEqual(back, [kase]);

  const again = await c.post(`/api/v1/alert/${al._id}/case`, {});
  assert.equal(again.status, 400);
  assert.match(again.body.message, /already imported/);
});

void test('promote with overrides, a body-less request, and templates (known, unknown on the alert, unknown override)', async () => {
  const c = t.as(a.analyst);
  const al = await newAlert(a, { caseTemplate: 'my-template' });
  const promoted = await c.post(`/api/v1/alert/${al._id}/case`, { title: 'promoted title', severity: 4 });
  assert.equal(promoted.status, 201, promoted.text);
  assert.equal(promoted.body.title, 'promoted title');
  assert.equal(promoted.body.severity, 4);
  const got = (await c.get(`/api/v1/alert/${al._id}`)).body;
  assert.equal(got.caseId, promoted.body._id);
  assert.notEqual(got.title, promoted.body.title);

  const bare = await newAlert(a);
  const r = await t.running.app.inject({
    method: 'POST',
    url: `/api/v1/alert/${bare._id}/case`,
    headers: { authorization: `Basic ${Buffer.from(`${a.analyst.login}:secret`).toString('base64')}`, 'x-organisation': a.name },
  });
  assert.equal(r.statusCode, 201, r.body);

  const tpl = await t.as(a.admin).post('/api/v1/caseTemplate', { name: 'phishing-tpl', titlePrefix: '[PHISH]', tasks: [{ title: 'Check headers' }] });
  assert.equal(tpl.status, 201, tpl.text);
  const withTpl = await newAlert(a, { caseTemplate: 'phishing-tpl' });
  const fromTpl = await c.post(`/api/v1/alert/${withTpl._id}/case`, {});
  assert.equal(fromTpl.status, 201, fromTpl.text);
  assert.equal(fromTpl.body.title, `[PHISH] ${withTpl.title}`);
  const tasks = (await c.query([{ _name: 'getCase', idOrName: fromTpl.body._id }, { _name: 'tasks' }])).body;
  assert.deepEqual(
    tasks.map((x: { title: string }) => x.title),
    ['Check headers'],
  );

  const unknownOverride = await newAlert(a);
  const bad = await c.post(`/api/v1/alert/${unknownOverride._id}/case`, { caseTemplate: 'does-not-exist' });
  assert.equal(bad.status, 400);
  assert.equal((await c.get(`/api/v1/alert/${unknownOverride._id}`)).body.caseId, undefined);
});

void test('merge into a case: observables merged without duplicates (tags united, ioc/sighted ORed), description and tags', async () => {
  const c = t.as(a.analyst);
  const kase = await newCase(a, { tags: ['case-tag'] });
  const add = await c.post(`/api/v1/case/${kase._id}/observable`, { dataType: 'ip', data: '172.16.0.1', tags: ['a'], ioc: false, sighted: true });
  assert.equal(add.status, 201, add.text);
  const al = await newAlert(a, {
    tags: ['alert-tag'],
    observables: [
      { dataType: 'ip', data: '172.16.0.1', tags: ['b'], ioc: true },
      { dataType: 'fqdn', data: 'merge.example' },
    ],
  });
  const merged = await c.post(`/api/v1/alert/${al._id}/merge/${kase._id}`);
  assert.equal(merged.status, 200, merged.text);
  assert.equal(merged.body._id, kase._id);
  assert.deepEqual(merged.body.tags, ['case-tag', 'alert-tag']);
  assert.match(merged.body.description, /^case description\n {2}\n#### Merged with alert #imp-\d+ alert \d+\n\nalert description \d+$/);
  assert.deepEqual((await c.get(`/api/v1/case/${kase._id}`)).body, merged.body);
  const obs = await caseObservables(a, kase._id);
  assert.equal(obs.length, 2);
  const ip = obs.find((o) => o.data === '172.16.0.1')!;
  assert.equal(ip._id, add.body[0]._id);
  assert.deepEqual(ip.tags, ['a', 'b']);
  assert.equal(ip.ioc, true);
  assert.equal(ip.sighted, true);
  assert.ok(obs.some((o) => o.dataType === 'fqdn' && o.data === 'merge.example'));
  const got = (await c.get(`/api/v1/alert/${al._id}`)).body;
  assert.equal(got.caseId, kase._id);
  assert.equal(got.status, 'Imported');
  assert.equal((await c.post(`/api/v1/alert/${al._id}/merge/${kase._id}`)).status, 400);
  // by case number too
  const al2 = await newAlert(a, { observables: [{ dataType: 'fqdn', data: 'merge.example', tags: ['again'] }] });
  assert.equal((await c.post(`/api/v1/alert/${al2._id}/merge/${kase.number}`)).status, 200);
  const obs2 = await caseObservables(a, kase._id);
  assert.equal(obs2.length, 2);
  assert.deepEqual(obs2.find((o) => o.data === 'merge.example')!.tags, ['again']);
});

void test('import into a case: content comes in, the case fields stay; alert caseId = case _id', async () => {
  const c = t.as(a.analyst);
  const kase = await newCase(a);
  const al = await newAlert(a, { tags: ['not-copied'], observables: [{ dataType: 'url', data: 'http://import.example' }], procedures: [procedure] });
  const imported = await c.post(`/api/v1/alert/${al._id}/import/${kase._id}`);
  assert.equal(imported.status, 200, imported.text);
  assert.equal(imported.body._id, kase._id);
  assert.equal(imported.body.description, 'case description');
  assert.deepEqual(imported.body.tags, []);
  assert.equal((await c.get(`/api/v1/alert/${al._id}`)).body.caseId, imported.body._id);
  assert.deepEqual(
    (await caseObservables(a, kase._id)).map((o) => o.data),
    ['http://import.example'],
  );
  assert.equal((await c.query([{ _name: 'getCase', idOrName: kase._id }, { _name: 'procedures' }])).body.length, 1);
});

void test('bulk merge of 60 alerts (more than 50) is one atomic call; shared observables merged once', async () => {
  const c = t.as(a.analyst);
  const kase = await newCase(a);
  const ids: string[] = [];
  for (let i = 0; i < 60; i++) {
    const al = await newAlert(a, {
      tags: [`bulk-${i % 3}`],
      observables: [
        { dataType: 'ip', data: '100.64.0.1', tags: [`t${i % 4}`], ioc: i === 59 },
        { dataType: 'domain', data: `bulk-${i}.example` },
      ],
    });
    ids.push(al._id as string);
  }
  const r = await c.post('/api/v1/alert/merge/_bulk', { caseId: kase._id, alertIds: ids });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body._id, kase._id);
  assert.deepEqual([...r.body.tags].sort(), ['bulk-0', 'bulk-1', 'bulk-2']);
  for (const id of ids) assert.equal((await c.get(`/api/v1/alert/${id}`)).body.caseId, kase._id);
  const found = (await c.query([{ _name: 'listAlert' }, { _name: 'filter', _in: { _field: '_id', _values: ids } }])).body;
  assert.equal(found.length, 60);
  for (const al of found) assert.equal(al.caseId, kase._id);
  const obs = await caseObservables(a, kase._id);
  assert.equal(obs.length, 61);
  const shared = obs.filter((o) => o.data === '100.64.0.1');
  assert.equal(shared.length, 1);
  assert.deepEqual([...shared[0]!.tags].sort(), ['t0', 't1', 't2', 't3']);
  assert.equal(shared[0]!.ioc, true);
  const linked = await c.query([{ _name: 'getCase', idOrName: kase._id }, { _name: 'alerts' }, { _name: 'count' }]);
  assert.equal(linked.body, 60);
});

void test('bulk merge is capped by alert.maxBulkMerge and all or nothing', async () => {
  const c = t.as(a.analyst);
  const kase = await newCase(a);
  const max = t.config.alert.maxBulkMerge;
  const tooMany = await c.post('/api/v1/alert/merge/_bulk', { caseId: kase._id, alertIds: Array.from({ length: max + 1 }, (_, i) => `~${i + 1}`) });
  assert.equal(tooMany.status, 400);
  assert.match(tooMany.body.message, /alert\.maxBulkMerge/);

  const mine = await newAlert(a, { observables: [{ dataType: 'ip', data: '100.64.9.9' }] });
  const foreign = await newAlert(b);
  const r1 = await c.post('/api/v1/alert/merge/_bulk', { caseId: kase._id, alertIds: [mine._id, foreign._id] });
  assert.equal(r1.status, 404);
  const imported = await newAlert(a);
  assert.equal((await c.post(`/api/v1/alert/${imported._id}/case`, {})).status, 201);
  const r2 = await c.post('/api/v1/alert/merge/_bulk', { caseId: kase._id, alertIds: [mine._id, imported._id] });
  assert.equal(r2.status, 400);
  assert.equal((await c.get(`/api/v1/alert/${mine._id}`)).body.caseId, undefined);
  assert.deepEqual(await caseObservables(a, kase._id), []);
  assert.equal((await c.post('/api/v1/alert/merge/_bulk', { caseId: kase._id, alertIds: [] })).status, 400);
});

void test('concurrent promotions of one alert make exactly one import', async () => {
  const al = await newAlert(a, { observables: [{ dataType: 'ip', data: '100.64.7.7' }] });
  const c = t.as(a.analyst);
  const results = await Promise.all(Array.from({ length: 5 }, () => c.post(`/api/v1/alert/${al._id}/case`, {})));
  const ok = results.filter((r) => r.status === 201);
  assert.equal(ok.length, 1, results.map((r) => `${r.status} ${r.text}`).join('\n'));
  for (const r of results.filter((x) => x.status !== 201)) assert.equal(r.status, 400);
  assert.equal((await c.get(`/api/v1/alert/${al._id}`)).body.caseId, ok[0]!.body._id);
  const n = await c.query([{ _name: 'listObservable' }, { _name: 'filter', _eq: { _field: 'data', _value: '100.64.7.7' } }, { _name: 'count' }]);
  assert.equal(n.body, 2);
});

void test('concurrent merges into one case never duplicate a shared observable', async () => {
  const c = t.as(a.analyst);
  const kase = await newCase(a);
  const alerts = [];
  for (let i = 0; i < 10; i++) alerts.push(await newAlert(a, { observables: [{ dataType: 'ip', data: '100.64.5.5', tags: [`m${i}`], ioc: i === 3 }] }));
  const results = await Promise.all(alerts.map((al) => c.post(`/api/v1/alert/${al._id}/merge/${kase._id}`)));
  assert.deepEqual(
    results.map((r) => r.status),
    alerts.map(() => 200),
    results.map((r) => r.text).join('\n'),
  );
  const obs = await caseObservables(a, kase._id);
  assert.equal(obs.length, 1);
  assert.deepEqual([...obs[0]!.tags].sort(), alerts.map((_, i) => `m${i}`).sort());
  assert.equal(obs[0]!.ioc, true);
  const description = (await c.get(`/api/v1/case/${kase._id}`)).body.description as string;
  assert.equal(description.split('#### Merged with alert').length - 1, 10);
});

void test('unlink an alert from its case; deleting a case unlinks its alerts', async () => {
  const c = t.as(a.analyst);
  const kase = await newCase(a);
  const al = await newAlert(a);
  assert.equal((await c.post(`/api/v1/alert/${al._id}/merge/${kase._id}`)).status, 200);
  const other = await newCase(a);
  assert.equal((await c.delete(`/api/v1/case/${other._id}/alert/${al._id}`)).status, 404);
  assert.equal((await t.as(a.readonly).delete(`/api/v1/case/${kase._id}/alert/${al._id}`)).status, 403);
  assert.equal((await t.as(b.admin).delete(`/api/v1/case/${kase._id}/alert/${al._id}`)).status, 404);
  assert.equal((await c.delete(`/api/v1/case/${kase._id}/alert/${al._id}`)).status, 204);
  const got = (await c.get(`/api/v1/alert/${al._id}`)).body;
  assert.equal(got.caseId, undefined);
  assert.equal(got.status, 'New');
  assert.equal((await c.query([{ _name: 'getCase', idOrName: kase._id }, { _name: 'alerts' }, { _name: 'count' }])).body, 0);
  // it can be imported again
  const promoted = await c.post(`/api/v1/alert/${al._id}/case`, {});
  assert.equal(promoted.status, 201);
  assert.equal((await t.as(a.admin).delete(`/api/v1/case/${promoted.body._id}`)).status, 204);
  assert.equal((await c.get(`/api/v1/alert/${al._id}`)).body.caseId, undefined);
});

void test('cross-organisation and read-only users cannot promote, merge or import', async () => {
  const al = await newAlert(a);
  const caseA = await newCase(a);
  const caseB = await newCase(b);
  const alB = await newAlert(b);
  const other = t.as(b.analyst);
  assert.equal((await other.post(`/api/v1/alert/${al._id}/case`, {})).status, 404);
  assert.equal((await other.post(`/api/v1/alert/${al._id}/merge/${caseB._id}`)).status, 404);
  assert.equal((await other.post(`/api/v1/alert/${alB._id}/merge/${caseA._id}`)).status, 404);
  assert.equal((await other.post(`/api/v1/alert/${alB._id}/import/${caseA._id}`)).status, 404);
  assert.equal((await other.post('/api/v1/alert/merge/_bulk', { caseId: caseA._id, alertIds: [alB._id] })).status, 404);
  const ro = t.as(a.readonly);
  assert.equal((await ro.post(`/api/v1/alert/${al._id}/case`, {})).status, 403);
  assert.equal((await ro.post(`/api/v1/alert/${al._id}/merge/${caseA._id}`)).status, 403);
  assert.equal((await ro.post(`/api/v1/alert/${al._id}/import/${caseA._id}`)).status, 403);
  assert.equal((await ro.post('/api/v1/alert/merge/_bulk', { caseId: caseA._id, alertIds: [al._id] })).status, 403);
  assert.equal((await t.as(a.analyst).get(`/api/v1/alert/${al._id}`)).body.caseId, undefined);
  assert.equal((await t.as(b.analyst).get(`/api/v1/alert/${alB._id}`)).body.caseId, undefined);
});

void test('Query extraData: importDate, caseNumber, status, procedureCount', async () => {
  const c = t.as(a.analyst);
  const al = await newAlert(a, { procedures: [procedure, { ...procedure, patternId: 'T1566', tactic: 'initial-access' }] });
  const fresh = await newAlert(a);
  const kase = (await c.post(`/api/v1/alert/${al._id}/case`, {})).body;
  const r = await c.query([
    { _name: 'listAlert' },
    { _name: 'filter', _in: { _field: '_id', _values: [al._id, fresh._id] } },
    { _name: 'sort', _fields: [{ _createdAt: 'asc' }] },
    { _name: 'page', from: 0, to: 10, extraData: ['importDate', 'caseNumber', 'status', 'procedureCount'] },
  ]);
  assert.equal(r.status, 200, r.text);
  const [x, y] = r.body;
  assert.equal(typeof x.extraData.importDate, 'number');
  assert.equal(x.extraData.caseNumber, kase.number);
  assert.deepEqual(x.extraData.status, { value: 'Imported', stage: 'Imported' });
  assert.equal(x.extraData.procedureCount, 2);
  assert.equal(y.extraData.importDate, null);
  assert.equal(y.extraData.caseNumber, null);
  assert.deepEqual(y.extraData.status, { value: 'New', stage: 'New' });
  assert.equal(y.extraData.procedureCount, 0);
});
