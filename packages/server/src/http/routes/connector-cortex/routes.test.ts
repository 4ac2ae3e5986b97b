/**
 * The Cortex connector through the TheHive API: analyzer jobs on case observables with the
 * in-process engine, mini-reports on the observable, auto-run, fake ids, unreachable engines,
 * responders and per-engine health.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { testWaggle, type TestOrg, type TestWaggle } from '../../../test/support.js';
import { buildAnalysisApp } from '../../../analysis/http/app.js';
import { writeTestWorkers } from '../../../analysis/test/workers.js';

let root: string;
let folders: { analyzers: string; responders: string };
const opened: TestWaggle[] = [];

async function start(env: Record<string, string> = {}): Promise<TestWaggle> {
  const t = await testWaggle({
    WAGGLE_ANALYZER_FOLDERS: folders.analyzers,
    WAGGLE_RESPONDER_FOLDERS: folders.responders,
    WAGGLE_ANALYSIS_JOB_DIRECTORY: join(root, 'jobs'),
    ...env,
  });
  opened.push(t);
  return t;
}

/** Enables a worker in an organisation through the Cortex API. */
async function enable(
  t: TestWaggle,
  org: TestOrg,
  type: 'analyzer' | 'responder',
  definitionId: string,
  configuration: Record<string, unknown> = {},
): Promise<void> {
  const app: FastifyInstance = await buildAnalysisApp(t.running.services, { logger: false });
  const r = await app.inject({
    method: 'POST',
    url: `/api/organization/${type}/${definitionId}`,
    headers: { authorization: `Basic ${Buffer.from(`${org.admin.login}:secret`).toString('base64')}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ name: definitionId, configuration }),
  });
  assert.equal(r.statusCode, 201, r.body);
  await app.close();
}

async function observable(t: TestWaggle, org: TestOrg, dataType: string, data: string): Promise<{ caseId: string; id: string }> {
  const c = await t.as(org.analyst).post('/api/v1/case', { title: 'analysis', description: 'd' });
  assert.equal(c.status, 201, c.text);
  const o = await t.as(org.analyst).post(`/api/v1/case/${c.body._id}/observable`, { dataType, data });
  assert.equal(o.status, 201, o.text);
  return { caseId: c.body._id, id: o.body[0]._id };
}

/**
 * Waits until the engine is idle and `ready()` holds: the connector applies a report after the
 * engine's job ends, through writes that commit on the store's writer thread, so a fixed number
 * of event-loop turns is not enough. Gives up after about 10 s (the assertions then say why).
 */
/** The report's operations were run and their outcome recorded (they are stored first without it). */
function operationsDone(operations: unknown): boolean {
  if (typeof operations !== 'string') return false;
  const ops = JSON.parse(operations) as Array<{ status?: string }>;
  return ops.length > 0 && ops.every((o) => o.status !== undefined);
}

async function settle(t: TestWaggle, ready: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    await t.running.services.analysis?.idle();
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'waggle-connector-'));
  folders = writeTestWorkers(root);
});

after(async () => {
  for (const t of opened) await t.close();
  rmSync(root, { recursive: true, force: true });
});

describe('Cortex connector with the in-process engine', () => {
  it('runs an analyzer on a case observable and stores the taxonomies on the observable', async () => {
    const t = await start();
    const org = await t.org('conn-a');
    const other = await t.org('conn-b');
    await enable(t, org, 'analyzer', 'Echo_1_0', { key: 'k' });
    const listed = await t.as(org.analyst).get('/api/connector/cortex/analyzer');
    assert.deepEqual(
      listed.body.map((a: { name: string; cortexIds: string[] }) => [a.name, a.cortexIds]),
      [['Echo_1_0', ['local']]],
    );
    assert.equal((await t.as(org.analyst).get('/api/connector/cortex/analyzer/type/ip')).body.length, 1);
    assert.deepEqual((await t.as(org.analyst).get('/api/connector/cortex/analyzer/type/mail')).body, []);
    assert.deepEqual((await t.as(other.analyst).get('/api/connector/cortex/analyzer')).body, [], 'workers are per organisation');

    const obs = await observable(t, org, 'ip', '192.0.2.10');
    const created = await t.as(org.analyst).post('/api/connector/cortex/job', { analyzerId: listed.body[0].id, cortexId: 'local', artifactId: obs.id });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body._type, 'case_artifact_job');
    assert.equal(created.body.analyzerName, 'Echo_1_0');
    const jobOf = () => t.as(org.analyst).get(`/api/connector/cortex/job/${created.body._id}`);
    await settle(t, async () => operationsDone((await jobOf()).body.operations));
    const job = await jobOf();
    assert.equal(job.body.status, 'Success', job.text);
    assert.equal(job.body.report.full.input.data, '192.0.2.10');
    // the report's operations were executed on the case, and their results recorded
    assert.deepEqual(JSON.parse(job.body.operations), [{ type: 'AddTagToCase', tag: 'echoed', status: 'Success', message: 'Success' }]);
    assert.deepEqual((await t.as(org.analyst).get(`/api/v1/case/${obs.caseId}`)).body.tags, ['echoed']);
    const o = await t.as(org.analyst).get(`/api/v1/observable/${obs.id}`);
    assert.deepEqual(o.body.reports, { Echo_1_0: { taxonomies: [{ level: 'suspicious', namespace: 'Echo', predicate: 'Data', value: '192.0.2.10' }] } });
    assert.equal((await t.as(other.analyst).get(`/api/connector/cortex/job/${created.body._id}`)).status, 404);
    assert.equal((await t.as(other.analyst).post('/api/connector/cortex/job', { analyzerId: 'Echo_1_0', cortexId: 'local', artifactId: obs.id })).status, 404);
    assert.equal((await t.as(org.readonly).post('/api/connector/cortex/job', { analyzerId: 'Echo_1_0', cortexId: 'local', artifactId: obs.id })).status, 403);

    const found = await t
      .as(org.analyst)
      .post('/api/v1/query?name=analyzer-jobs', { query: [{ _name: 'listJob' }, { _name: 'filter', _field: 'analyzerName', _value: 'Echo_1_0' }] });
    assert.equal(found.status, 200, found.text);
    assert.deepEqual(
      found.body.map((j: { _id: string }) => j._id),
      [created.body._id],
    );
  });

  it('records a job with fake ids, failed at once with a clear message', async () => {
    const t = opened[0]!;
    const org = await t.org('conn-fake');
    const obs = await observable(t, org, 'domain', 'fake.example');
    const r = await t.as(org.analyst).post('/api/connector/cortex/job', { analyzerId: 'example', cortexId: 'cortex', artifactId: obs.id });
    assert.equal(r.status, 201);
    assert.equal(r.body._type, 'case_artifact_job');
    assert.equal(r.body.analyzerId, 'example');
    assert.equal(r.body.cortexId, 'cortex');
    assert.equal(r.body.status, 'Failure');
    assert.match(r.body.report.errorMessage, /No analysis engine named cortex/);
    const bulk = await t.as(org.analyst).post('/api/v1/connector/cortex/job/_bulk', { jobs: [{ analyzerId: 'nope', cortexId: 'local', artifactId: obs.id }] });
    assert.equal(bulk.body[0].status, 'Failure');
    assert.match(bulk.body[0].report.errorMessage, /not enabled/);
  });

  it('lists responders for an entity and runs one', async () => {
    const t = opened[0]!;
    const org = await t.org('conn-resp');
    await enable(t, org, 'responder', 'EchoResponder_1_0');
    const c = await t.as(org.analyst).post('/api/v1/case', { title: 'respond', description: 'd' });
    const list = await t.as(org.analyst).get(`/api/connector/cortex/responder/case/${c.body._id}`);
    assert.deepEqual(
      list.body.map((x: { name: string }) => x.name),
      ['EchoResponder_1_0'],
    );
    const action = await t.as(org.analyst).post('/api/connector/cortex/action', { responderId: list.body[0].id, objectType: 'case', objectId: c.body._id });
    assert.equal(action.status, 201, action.text);
    assert.equal(action.body.responderName, 'EchoResponder_1_0');
    assert.notEqual(action.body.status, 'Failure');
    const actionsOf = () => t.as(org.analyst).get(`/api/connector/cortex/action/case/${c.body._id}`);
    await settle(t, async () => operationsDone((await actionsOf()).body[0]?.operations));
    const actions = await actionsOf();
    assert.equal(actions.body[0].status, 'Success', actions.text);
    assert.deepEqual(JSON.parse(actions.body[0].operations), [{ type: 'AddTagToCase', tag: 'echoed', status: 'Success', message: 'Success' }]);
    assert.deepEqual((await t.as(org.analyst).get(`/api/v1/case/${c.body._id}`)).body.tags, ['echoed']);
    const other = await t.org('conn-resp-b');
    assert.equal((await t.as(other.analyst).get(`/api/connector/cortex/action/case/${c.body._id}`)).status, 404);
  });
});

describe('auto-run rules', () => {
  it('analyses a new IP observable without anyone asking', async () => {
    const t = await start({ WAGGLE_ANALYSIS_AUTORUN: JSON.stringify([{ dataTypes: ['ip'], analyzers: ['Echo_1_0'] }]) });
    const org = await t.org('auto-a');
    await enable(t, org, 'analyzer', 'Echo_1_0', { key: 'k' });
    const ip = await observable(t, org, 'ip', '203.0.113.5');
    const domain = await observable(t, org, 'domain', 'auto.example');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    await settle(t, async () => Object.keys((await t.as(org.analyst).get(`/api/v1/observable/${ip.id}`)).body.reports ?? {}).length > 0);
    const o = await t.as(org.analyst).get(`/api/v1/observable/${ip.id}`);
    assert.deepEqual(Object.keys(o.body.reports), ['Echo_1_0']);
    const d = await t.as(org.analyst).get(`/api/v1/observable/${domain.id}`);
    assert.deepEqual(d.body.reports, {});
  });
});

describe('engine health', () => {
  it('is green when all engines are up, orange when one of two is down, red when the only one is unreachable', async () => {
    const green = opened[0]!;
    const g = await green.as(await green.org('health-g').then((o) => o.analyst)).get('/api/connector/cortex/status');
    assert.equal(g.body.health, 'green');
    assert.equal(g.body.servers[0].reachable, true);

    const orange = await start({
      WAGGLE_ANALYSIS_ENGINES: JSON.stringify([
        { name: 'local', type: 'local' },
        { name: 'down', type: 'cortex', url: 'http://127.0.0.1:1', key: 'k' },
      ]),
    });
    const oOrg = await orange.org('health-o');
    const o = await orange.as(oOrg.analyst).get('/api/connector/cortex/status');
    assert.equal(o.body.health, 'orange');
    assert.deepEqual(
      o.body.servers.map((s: { name: string; reachable: boolean }) => [s.name, s.reachable]),
      [
        ['local', true],
        ['down', false],
      ],
    );

    const red = await start({
      WAGGLE_ANALYSIS_ENABLED: 'false',
      WAGGLE_ANALYSIS_ENGINES: JSON.stringify([{ name: 'down', type: 'cortex', url: 'http://127.0.0.1:1', key: 'k' }]),
    });
    const rOrg = await red.org('health-r');
    const r = await red.as(rOrg.analyst).get('/api/connector/cortex/status');
    assert.equal(r.body.health, 'red');
    assert.match(r.body.servers[0].error, /unreachable/);
    // running against it is recorded and fails with a clear message, not a hang or a 5xx
    const obs = await observable(red, rOrg, 'ip', '192.0.2.99');
    const job = await red.as(rOrg.analyst).post('/api/connector/cortex/job', { analyzerId: 'Echo_1_0', cortexId: 'down', artifactId: obs.id });
    assert.equal(job.status, 201);
    assert.equal(job.body.status, 'Failure');
    assert.match(job.body.report.errorMessage, /Cortex engine down is unreachable/);
    assert.deepEqual((await red.as(rOrg.analyst).get('/api/connector/cortex/analyzer')).body, []);
  });
});
