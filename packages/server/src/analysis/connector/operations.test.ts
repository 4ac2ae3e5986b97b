/** Report operations executed on the TheHive side, each with its own result. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type TestOrg, type TestWaggle } from '../../test/support.js';
import { operationRunner } from './operations.js';

let t: TestWaggle;
let org: TestOrg;

before(async () => {
  t = await testWaggle();
  org = await t.org('ops-org');
});

after(async () => {
  await t.close();
});

describe('operationRunner', () => {
  it('runs every supported operation on the context and reports failures one by one', async () => {
    const c = await t.as(org.analyst).post('/api/v1/case', { title: 'ops', description: 'd' });
    const o = await t.as(org.analyst).post(`/api/v1/case/${c.body._id}/observable`, { dataType: 'ip', data: '192.0.2.50' });
    const run = operationRunner(t.running.services);
    const results = await run({ orgId: org.id, caseId: c.body._id, observableId: o.body[0]._id }, [
      { type: 'AddTagToCase', tag: 'case-tag' },
      { type: 'AddTagToArtifact', tag: 'obs-tag' },
      { type: 'CreateTask', title: 'Investigate', description: 'from a responder' },
      { type: 'AddLogToTask', content: 'log line' },
      { type: 'AssignCase', owner: org.analyst.login },
      { type: 'AddArtifactToCase', dataType: 'domain', data: 'added.example', message: 'from report' },
      { type: 'AddTagToAlert', tag: 'x' },
      { type: 'Explode' },
    ]);
    assert.deepEqual(
      results.map((r) => [r.type, r.status]),
      [
        ['AddTagToCase', 'Success'],
        ['AddTagToArtifact', 'Success'],
        ['CreateTask', 'Success'],
        ['AddLogToTask', 'Success'],
        ['AssignCase', 'Success'],
        ['AddArtifactToCase', 'Success'],
        ['AddTagToAlert', 'Failure'],
        ['Explode', 'Failure'],
      ],
    );
    assert.match(results[7]!.message, /Unknown operation Explode/);
    const kase = await t.as(org.analyst).get(`/api/v1/case/${c.body._id}`);
    assert.deepEqual(kase.body.tags, ['case-tag']);
    assert.equal(kase.body.assignee, org.analyst.login);
    assert.deepEqual((await t.as(org.analyst).get(`/api/v1/observable/${o.body[0]._id}`)).body.tags, ['obs-tag']);
    const tasks = await t.as(org.analyst).query([{ _name: 'getCase', idOrName: c.body._id }, { _name: 'tasks' }]);
    assert.deepEqual(
      tasks.body.map((x: { title: string }) => x.title),
      ['Investigate'],
    );
    const logs = await t.as(org.analyst).query([{ _name: 'getTask', idOrName: tasks.body[0]._id }, { _name: 'logs' }]);
    assert.deepEqual(
      logs.body.map((x: { message: string }) => x.message),
      ['log line'],
    );
    const observables = await t.as(org.analyst).query([{ _name: 'getCase', idOrName: c.body._id }, { _name: 'observables' }]);
    assert.ok(observables.body.some((x: { data: string }) => x.data === 'added.example'));
  });
});
