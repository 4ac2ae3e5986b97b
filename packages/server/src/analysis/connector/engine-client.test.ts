/**
 * RemoteCortexEngine against a real listening Cortex API (a Waggle engine), and a second Waggle
 * whose connector uses it as a remote engine: job on an observable, polling, mini-report.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { testWaggle, type TestOrg, type TestWaggle } from '../../test/support.js';
import { buildAnalysisApp } from '../http/app.js';
import { writeTestWorkers } from '../test/workers.js';
import { RemoteCortexEngine } from './engine-client.js';
import { systemActor } from '../../services/actor.js';

/** Remote engines act with their key; the actor is not used. */
const anyone = systemActor('org', 'org');

let root: string;
let engineSide: TestWaggle;
let hiveSide: TestWaggle;
let engineApp: FastifyInstance;
let url: string;
let key: string;
let org: TestOrg;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'waggle-remote-'));
  const folders = writeTestWorkers(root);
  engineSide = await testWaggle({ WAGGLE_ANALYZER_FOLDERS: folders.analyzers, WAGGLE_ANALYSIS_JOB_DIRECTORY: join(root, 'jobs') });
  org = await engineSide.org('engine-org');
  engineApp = await buildAnalysisApp(engineSide.running.services, { logger: false });
  url = await engineApp.listen({ host: '127.0.0.1', port: 0 });
  const enabled = await engineApp.inject({
    method: 'POST',
    url: '/api/organization/analyzer/Echo_1_0',
    headers: { authorization: `Basic ${Buffer.from(`${org.admin.login}:secret`).toString('base64')}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ name: 'Echo_1_0', configuration: { key: 'k' } }),
  });
  assert.equal(enabled.statusCode, 201, enabled.body);
  const k = await engineSide.admin.post(`/api/v1/user/${org.analyst.login}/key/renew`);
  assert.equal(k.status, 200, k.text);
  key = k.text;
  hiveSide = await testWaggle({ WAGGLE_ANALYSIS_ENABLED: 'false', WAGGLE_ANALYSIS_ENGINES: JSON.stringify([{ name: 'remote', type: 'cortex', url, key }]) });
});

after(async () => {
  await hiveSide.close();
  await engineApp.close();
  await engineSide.close();
  rmSync(root, { recursive: true, force: true });
});

describe('RemoteCortexEngine', () => {
  it('reads the status, lists workers and runs jobs on data and on files', async () => {
    const remote = new RemoteCortexEngine('remote', url, key, engineSide.running.services.blobs);
    assert.match((await remote.status()).version, /waggle/);
    const workers = await remote.workers(anyone, 'analyzer');
    assert.deepEqual(
      workers.map((w) => w.name),
      ['Echo_1_0'],
    );
    assert.deepEqual(await remote.workers(anyone, 'analyzer', 'mail'), []);
    const job = await remote.run(anyone, 'analyzer', workers[0]!.id, { dataType: 'ip', data: '192.0.2.1', tlp: 2, pap: 2, message: '', parameters: {} });
    const done = await remote.job(undefined, job.id, 30_000);
    assert.equal(done.status, 'Success');
    assert.deepEqual(done.report?.summary?.taxonomies, [{ level: 'suspicious', namespace: 'Echo', predicate: 'Data', value: '192.0.2.1' }]);
    const blob = await engineSide.running.services.blobs.put(Buffer.from('remote file body'));
    const fileJob = await remote.run(anyone, 'analyzer', workers[0]!.id, {
      dataType: 'file',
      file: { sha256: blob.sha256, name: 'r.txt', contentType: 'text/plain', size: blob.size },
      tlp: 2,
      pap: 2,
      message: '',
      parameters: {},
    });
    const fileDone = await remote.job(undefined, fileJob.id, 30_000);
    assert.equal((fileDone.report?.full as { fileText?: string }).fileText, 'remote file body');
    await assert.rejects(new RemoteCortexEngine('bad', url, 'wrong-key', engineSide.running.services.blobs).status(), /answered 401/);
  });

  it('serves the TheHive side of another Waggle: job on an observable, polled to Success, mini-report stored', async () => {
    const hiveOrg = await hiveSide.org('hive-org');
    const c = await hiveSide.as(hiveOrg.analyst).post('/api/v1/case', { title: 'remote', description: 'd' });
    const o = await hiveSide.as(hiveOrg.analyst).post(`/api/v1/case/${c.body._id}/observable`, { dataType: 'domain', data: 'remote.example' });
    const listed = await hiveSide.as(hiveOrg.analyst).get('/api/connector/cortex/analyzer');
    assert.deepEqual(
      listed.body.map((a: { name: string; cortexIds: string[] }) => [a.name, a.cortexIds]),
      [['Echo_1_0', ['remote']]],
    );
    const job = await hiveSide.as(hiveOrg.analyst).post('/api/connector/cortex/job', { analyzerId: 'Echo_1_0', cortexId: 'remote', artifactId: o.body[0]._id });
    assert.equal(job.status, 201, job.text);
    assert.notEqual(job.body.status, 'Failure', job.text);
    await engineSide.running.services.analysis?.idle();
    await hiveSide.running.services.cortex?.pollOnce(5000);
    const got = await hiveSide.as(hiveOrg.analyst).get(`/api/connector/cortex/job/${job.body._id}`);
    assert.equal(got.body.status, 'Success', got.text);
    const obs = await hiveSide.as(hiveOrg.analyst).get(`/api/v1/observable/${o.body[0]._id}`);
    assert.deepEqual(Object.keys(obs.body.reports), ['Echo_1_0']);
    const health = await hiveSide.as(hiveOrg.analyst).get('/api/connector/cortex/status');
    assert.equal(health.body.health, 'green');
  });
});
