/**
 * Engine tests through the Cortex REST app (in-process, `inject`) with real processes (tiny
 * Node workers): catalog, enablement and configuration validation, the job-directory and
 * stdin protocols, reports and artifacts, cache, rate limit, timeout, tenancy, TLP/PAP limits.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { testWaggle, type Creds, type TestWaggle, type TestOrg } from '../test/support.js';
import { buildAnalysisApp } from './http/app.js';
import { writeTestWorkers } from './test/workers.js';

interface R {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  raw: string;
}

let t: TestWaggle;
let app: FastifyInstance;
let a: TestOrg;
let b: TestOrg;
let root: string;

async function call(creds: Creds, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<R> {
  const headers: Record<string, string> = { authorization: `Basic ${Buffer.from(`${creds.login}:${creds.password}`).toString('base64')}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await app.inject({ method, url, headers, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
  let parsed: unknown;
  try {
    parsed = r.body ? JSON.parse(r.body) : undefined;
  } catch {
    parsed = r.body;
  }
  return { status: r.statusCode, body: parsed, headers: r.headers, raw: r.body };
}

async function enable(org: TestOrg, definitionId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call(org.admin, 'POST', `/api/organization/analyzer/${definitionId}`, { name: definitionId, ...extra });
  assert.equal(r.status, 201, r.raw);
  return r.body.id as string;
}

async function runAndWait(creds: Creds, workerId: string, body: Record<string, unknown>, query = ''): Promise<R> {
  const run = await call(creds, 'POST', `/api/analyzer/${workerId}/run${query}`, body);
  assert.equal(run.status, 200, run.raw);
  return call(creds, 'GET', `/api/job/${run.body.id}/waitreport?atMost=30seconds`);
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'waggle-analysis-'));
  const folders = writeTestWorkers(root);
  t = await testWaggle({
    WAGGLE_ANALYZER_FOLDERS: folders.analyzers,
    WAGGLE_RESPONDER_FOLDERS: folders.responders,
    WAGGLE_ANALYSIS_JOB_DIRECTORY: join(root, 'jobs'),
  });
  app = await buildAnalysisApp(t.running.services, { logger: false });
  a = await t.org('cortex-a');
  b = await t.org('cortex-b');
});

after(async () => {
  await app.close();
  await t.close();
  rmSync(root, { recursive: true, force: true });
});

describe('catalog and workers', () => {
  it('lists definitions to org-admins only and enables with validated configuration', async () => {
    const defs = await call(a.admin, 'GET', '/api/analyzerdefinition');
    assert.equal(defs.status, 200);
    assert.ok(defs.body.some((d: { id: string }) => d.id === 'Echo_1_0'));
    assert.equal((await call(a.analyst, 'GET', '/api/analyzerdefinition')).status, 403);

    const unknown = await call(a.admin, 'POST', '/api/organization/analyzer/Echo_1_0', { name: 'Echo_1_0', configuration: { key: 'k', nope: 1 } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.type, 'AttributeCheckingError');
    assert.ok(unknown.body.errors.some((e: { type: string }) => e.type === 'UnknownAttributeError'));
    const missing = await call(a.admin, 'POST', '/api/organization/analyzer/Echo_1_0', { name: 'Echo_1_0', configuration: {} });
    assert.equal(missing.status, 400);
    assert.ok(missing.body.errors.some((e: { type: string; name: string }) => e.type === 'MissingAttributeError' && e.name === 'configuration.key'));
    assert.equal((await call(a.analyst, 'POST', '/api/organization/analyzer/Echo_1_0', { name: 'Echo_1_0', configuration: { key: 'k' } })).status, 403);

    const id = await enable(a, 'Echo_1_0', { configuration: { key: 'secret-key' } });
    const w = await call(a.admin, 'GET', `/api/analyzer/${id}`);
    assert.deepEqual(w.body.configuration, {
      key: 'secret-key',
      limit: 5,
      names: [],
      proxy_http: null,
      proxy_https: null,
      cacerts: null,
      jobTimeout: null,
      check_tlp: null,
      max_tlp: null,
      check_pap: null,
      max_pap: null,
      auto_extract_artifacts: null,
      jobCache: null,
    });
    const asAnalyst = await call(a.analyst, 'GET', `/api/analyzer/${id}`);
    assert.equal(asAnalyst.body.configuration, undefined, 'configuration is for org-admins');
    const byType = await call(a.readonly, 'GET', '/api/analyzer/type/domain');
    assert.deepEqual(
      byType.body.map((x: { name: string }) => x.name),
      ['Echo_1_0'],
    );
    assert.deepEqual((await call(a.readonly, 'GET', '/api/analyzer/type/mail')).body, []);
    const search = await call(a.readonly, 'POST', '/api/analyzer/_search', { query: { _field: 'name', _value: 'Echo_1_0' } });
    assert.equal(search.body.length, 1);
    assert.equal(search.headers['x-total'], '1');
    const dup = await call(a.admin, 'POST', '/api/organization/analyzer/Echo_1_0', { name: 'Echo_1_0', configuration: { key: 'k' } });
    assert.equal(dup.status, 400);
  });
});

describe('jobs', () => {
  it('runs a job-directory worker: report, taxonomies, artifacts and operations come back intact', async () => {
    await enable(a, 'Stdio_1_0');
    const echo = (await call(a.admin, 'POST', '/api/analyzer/_search', { query: { name: 'Echo_1_0' } })).body[0].id as string;
    const r = await runAndWait(a.analyst, echo, { data: '8.8.8.8', dataType: 'ip', tlp: 1, pap: 2, message: 'case #1', parameters: { x: 1 } });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'Success', JSON.stringify(r.body));
    assert.equal(r.body.organization, 'cortex-a');
    assert.equal(r.body.analyzerName, 'Echo_1_0');
    assert.deepEqual(r.body.report.summary.taxonomies, [{ level: 'suspicious', namespace: 'Echo', predicate: 'Data', value: '8.8.8.8' }]);
    assert.equal(r.body.report.full.input.data, '8.8.8.8');
    assert.equal(r.body.report.full.input.config.key, 'secret-key');
    assert.deepEqual(r.body.report.full.input.parameters, { x: 1 });
    assert.deepEqual(r.body.report.operations, [{ type: 'AddTagToCase', tag: 'echoed' }]);
    assert.equal(r.body.report.artifacts.length, 2);
    const arts = await call(a.analyst, 'GET', `/api/job/${r.body.id}/artifacts`);
    assert.equal(arts.body[0].data, '10.1.2.3');
    assert.deepEqual(arts.body[0].tags, ['echo']);
    const fileArt = arts.body[1];
    assert.equal(fileArt.dataType, 'file');
    assert.equal(fileArt.attachment.name, 'extracted.txt');
    const dl = await call(a.analyst, 'GET', `/api/datastore/${fileArt.attachment.id}`);
    assert.equal(dl.raw, 'artifact file content');
    assert.equal((await call(b.analyst, 'GET', `/api/datastore/${fileArt.attachment.id}`)).status, 404);
  });

  it('runs a Cortex 2 stdin/stdout worker and renames legacy artifact keys', async () => {
    const id = (await call(a.admin, 'POST', '/api/analyzer/_search', { query: { name: 'Stdio_1_0' } })).body[0].id as string;
    const r = await runAndWait(a.analyst, id, { data: 'hello', dataType: 'other' });
    assert.equal(r.body.status, 'Success', JSON.stringify(r.body));
    assert.deepEqual(r.body.report.full, { got: 'hello' });
    assert.deepEqual(r.body.report.artifacts, [{ dataType: 'domain', data: 'example.org' }]);
  });

  it('serves a second identical job from the cache, and force bypasses it', async () => {
    const echo = (await call(a.admin, 'POST', '/api/analyzer/_search', { query: { name: 'Echo_1_0' } })).body[0].id as string;
    const first = await runAndWait(a.analyst, echo, { data: 'cache.example', dataType: 'domain' });
    const again = await call(a.analyst, 'POST', `/api/analyzer/${echo}/run`, { data: 'cache.example', dataType: 'domain', pap: 3, message: 'other' });
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.fromCache, true);
    const forced = await call(a.analyst, 'POST', `/api/analyzer/${echo}/run?force=1`, { data: 'cache.example', dataType: 'domain' });
    assert.notEqual(forced.body.id, first.body.id);
    assert.equal(forced.body.fromCache, undefined);
    const otherTlp = await call(a.analyst, 'POST', `/api/analyzer/${echo}/run`, { data: 'cache.example', dataType: 'domain', tlp: 3 });
    assert.notEqual(otherTlp.body.id, first.body.id);
  });

  it('answers 429 RateLimitExceeded for the (N+1)th job inside the rate window, creating no job', async () => {
    const id = await enable(a, 'Fail_1_0', { rate: 2, rateUnit: 'Minute' });
    assert.equal((await call(a.analyst, 'POST', `/api/analyzer/${id}/run`, { data: 'r1', dataType: 'other' })).status, 200);
    assert.equal((await call(a.analyst, 'POST', `/api/analyzer/${id}/run`, { data: 'r2', dataType: 'other' })).status, 200);
    const third = await call(a.analyst, 'POST', `/api/analyzer/${id}/run`, { data: 'r3', dataType: 'other' });
    assert.equal(third.status, 429);
    assert.equal(third.body.type, 'RateLimitExceeded');
    const jobs = await call(a.analyst, 'GET', `/api/job?analyzerFilter=${id}&range=all`);
    assert.equal(jobs.body.length, 2);
    // organisation B has its own counter
    const idB = await enable(b, 'Fail_1_0', { rate: 2, rateUnit: 'Minute' });
    assert.equal((await call(b.analyst, 'POST', `/api/analyzer/${idB}/run`, { data: 'r1', dataType: 'other' })).status, 200);
  });

  it('turns a failure, an invalid output, no output and a missing command into Failure reports', async () => {
    const fail = (await call(a.admin, 'POST', '/api/analyzer/_search', { query: { name: 'Fail_1_0' } })).body[0].id as string;
    const f = await call(
      a.analyst,
      'GET',
      `/api/job/${(await call(a.analyst, 'GET', `/api/job?analyzerFilter=${fail}&range=0-1`)).body[0].id}/waitreport?atMost=30s`,
    );
    assert.equal(f.body.status, 'Failure');
    assert.equal(f.body.report.errorMessage, 'no luck');
    assert.equal(f.body.report.success, false);
    for (const [name, expect] of [
      ['Broken_1_0', /Invalid output/],
      ['Silent_1_0', /something went wrong/],
      ['Missing_1_0', /Process execution error|No output/],
    ] as const) {
      const id = await enable(a, name);
      const r = await runAndWait(a.analyst, id, { data: 'x', dataType: 'other' });
      assert.equal(r.body.status, 'Failure', name);
      assert.match(r.body.report.errorMessage, expect);
      assert.equal(typeof r.body.endDate, 'number');
    }
  });

  it('kills a worker that runs forever at jobTimeout with its children, and the next jobs still run', async () => {
    const id = await enable(a, 'Sleeper_1_0', { jobTimeout: 1 / 60 });
    const pidDir = mkdtempSync(join(root, 'pids-'));
    const r = await runAndWait(a.analyst, id, { data: 'zzz', dataType: 'other', parameters: { pidDir } });
    assert.equal(r.body.status, 'Failure');
    assert.match(r.body.report.errorMessage, /timed out/);
    const pids = JSON.parse(readFileSync(join(pidDir, 'pids.json'), 'utf8')) as number[];
    for (const pid of pids) {
      assert.equal(isRunning(pid), false, `process ${pid} was killed`);
    }
    const echo = (await call(a.admin, 'POST', '/api/analyzer/_search', { query: { name: 'Echo_1_0' } })).body[0].id as string;
    const next = await runAndWait(a.analyst, echo, { data: 'after-timeout', dataType: 'other' });
    assert.equal(next.body.status, 'Success');
    assert.deepEqual(readdirNames(join(root, 'jobs')), [], 'job directories are removed');
  });

  it('passes the definition TLP/PAP limits to workers and enforces them', async () => {
    const id = await enable(a, 'Tlp_1_0');
    const ok = await runAndWait(a.analyst, id, { data: 'tlp-ok', dataType: 'other', tlp: 1, pap: 1 });
    assert.equal(ok.body.status, 'Success');
    assert.equal(ok.body.report.full.input.config.max_tlp, 1);
    assert.equal(ok.body.report.full.input.config.check_tlp, true);
    assert.equal(ok.body.report.full.input.config.max_pap, 1);
    const tooHigh = await runAndWait(a.analyst, id, { data: 'tlp-high', dataType: 'other', tlp: 2, pap: 1 });
    assert.equal(tooHigh.body.status, 'Failure');
    assert.match(tooHigh.body.report.errorMessage, /TLP is higher than allowed/);
    const papHigh = await runAndWait(a.analyst, id, { data: 'pap-high', dataType: 'other', tlp: 0, pap: 2 });
    assert.match(papHigh.body.report.errorMessage, /PAP is higher than allowed/);
    const w = await call(a.analyst, 'GET', `/api/analyzer/${id}`);
    assert.equal(w.body.maxTlp, 1);
  });

  it('never shows organisation A jobs or configuration to organisation B', async () => {
    const echo = (await call(a.admin, 'POST', '/api/analyzer/_search', { query: { name: 'Echo_1_0' } })).body[0].id as string;
    const job = (await call(a.analyst, 'GET', '/api/job?range=0-1')).body[0].id as string;
    for (const url of [
      `/api/job/${job}`,
      `/api/job/${job}/report`,
      `/api/job/${job}/waitreport?atMost=1s`,
      `/api/job/${job}/artifacts`,
      `/api/analyzer/${echo}`,
    ]) {
      assert.equal((await call(b.admin, 'GET', url)).status, 404, url);
    }
    assert.equal((await call(b.admin, 'DELETE', `/api/job/${job}`)).status, 404);
    assert.equal((await call(b.admin, 'PATCH', `/api/analyzer/${echo}`, { rate: 1 })).status, 404);
    assert.equal((await call(b.analyst, 'POST', `/api/analyzer/${echo}/run`, { data: 'x', dataType: 'other' })).status, 404);
    const list = await call(b.admin, 'POST', '/api/job/_search', { query: {}, range: 'all' });
    assert.ok(list.body.every((j: { organization: string }) => j.organization === 'cortex-b'));
    const workers = await call(b.admin, 'GET', '/api/analyzer?range=all');
    assert.ok(!workers.body.some((w: { id: string }) => w.id === echo));
    assert.deepEqual(await call(b.admin, 'POST', '/api/job/status', { jobIds: [job] }).then((r) => r.body), { [job]: 'NotFound' });
  });

  it('soft-deletes jobs: hidden from _search, still readable by id', async () => {
    const job = (await call(a.analyst, 'GET', '/api/job?range=0-1')).body[0].id as string;
    assert.equal((await call(a.readonly, 'DELETE', `/api/job/${job}`)).status, 403);
    assert.equal((await call(a.analyst, 'DELETE', `/api/job/${job}`)).status, 204);
    assert.equal((await call(a.analyst, 'GET', `/api/job/${job}`)).body.status, 'Deleted');
    const search = await call(a.analyst, 'POST', '/api/job/_search', { query: { _id: job } });
    assert.deepEqual(search.body, []);
  });

  it('re-runs jobs left Waiting by a previous run at start, and ignores finished ones', async () => {
    const engine = t.running.services.analysis!;
    const store = t.running.services.store;
    const echo = (await call(a.admin, 'POST', '/api/analyzer/_search', { query: { name: 'Echo_1_0' } })).body[0].id as string;
    const worker = (await store.get('analyzerConfig', echo))!;
    const base = {
      _type: 'job',
      _createdAt: Date.now(),
      _createdBy: a.analyst.login,
      _orgs: [a.id],
      _parents: {},
      workerId: echo,
      workerName: worker.name,
      workerDefinitionId: worker.workerDefinitionId,
      workerType: 'analyzer',
      dataType: 'other',
      tlp: 2,
      pap: 2,
      message: '',
      parameters: {},
      cacheTag: 'restart',
    };
    const waiting = await store.insert({ ...base, _id: store.newId(), data: 'left-waiting', status: 'Waiting' });
    const finished = await store.insert({
      ...base,
      _id: store.newId(),
      data: 'finished',
      status: 'Failure',
      endDate: 1,
      report: { success: false, errorMessage: 'old', input: null },
    });
    await engine.start();
    await engine.idle();
    assert.equal((await store.get('job', waiting._id))?.status, 'Success');
    assert.equal(((await store.get('job', finished._id))?.report as { errorMessage: string }).errorMessage, 'old');
  });

  it('runs responders with JSON data', async () => {
    const r = await call(a.admin, 'POST', '/api/organization/responder/EchoResponder_1_0', { name: 'EchoResponder_1_0' });
    assert.equal(r.status, 201);
    const run = await call(a.analyst, 'POST', `/api/responder/${r.body.id}/run`, {
      data: { _id: '~1', title: 'case' },
      dataType: 'thehive:case',
      tlp: 2,
      pap: 2,
    });
    assert.equal(run.status, 200);
    const done = await call(a.analyst, 'GET', `/api/job/${run.body.id}/waitreport?atMost=30s`);
    assert.equal(done.body.status, 'Success');
    assert.deepEqual(done.body.data, { _id: '~1', title: 'case' });
    assert.deepEqual(done.body.report.full.input.data, { _id: '~1', title: 'case' });
    const byType = await call(a.analyst, 'GET', '/api/responder/type/thehive:case');
    assert.equal(byType.body.length, 1);
  });
});

function readdirNames(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n.startsWith('cortex-job-'));
}

/** Whether a process exists and is not a zombie (a killed orphan may wait for a reaper). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}
