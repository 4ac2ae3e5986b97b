/** Unit tests with a fake ProcessRunner: protocol files, output validation, queue order and bounds. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobExecutor, type ExecInput } from './job-executor.js';
import type { ProcessRunner, ProcessSpec, ProcessResult } from './process-runner.js';
import { parseDefinition } from './catalog.js';
import { JobQueue } from './job-queue.js';
import { validateConfiguration, runtimeConfig } from './worker-config.js';

class FakeRunner implements ProcessRunner {
  specs: ProcessSpec[] = [];
  constructor(private readonly behave: (spec: ProcessSpec) => Partial<ProcessResult>) {}
  async run(spec: ProcessSpec): Promise<ProcessResult> {
    this.specs.push(spec);
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...this.behave(spec) };
  }
}

const root = mkdtempSync(join(tmpdir(), 'waggle-exec-'));
const def = parseDefinition({ name: 'X', version: '1.0', command: 'X/x.py', dataTypeList: ['ip'], config: { service: 's' } }, root, 'analyzer')!;
const input = (over: Partial<ExecInput> = {}): ExecInput => ({
  jobId: '~1',
  def,
  config: {},
  dataType: 'ip',
  data: '1.2.3.4',
  tlp: 2,
  pap: 2,
  message: '',
  parameters: {},
  ...over,
});
const executor = (runner: ProcessRunner) =>
  new JobExecutor(runner, {
    jobDirectory: join(root, 'jobs'),
    interpreters: { '.py': '/opt/venv/bin/python' },
    storeFile: async (b) => ({ sha256: 'f'.repeat(64), size: b.length }),
  });

describe('JobExecutor (fake runner)', () => {
  it('writes input/input.json, runs `<interpreter> <command> <jobDir>` in the definition folder, reads output.json', async () => {
    let seen: Record<string, unknown> = {};
    const runner = new FakeRunner((spec) => {
      const dir = spec.args[1]!;
      seen = JSON.parse(readFileSync(join(dir, 'input', 'input.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(
        join(dir, 'output', 'output.json'),
        JSON.stringify({ success: true, full: { a: 1 }, summary: { taxonomies: [{ level: 'weird', namespace: 'N', predicate: 'P', value: 1 }] } }),
      );
      return {};
    });
    const r = await executor(runner).execute(input({ config: { k: 'v' }, timeoutMs: 5000 }));
    assert.deepEqual(r, {
      success: true,
      full: { a: 1 },
      summary: { taxonomies: [{ level: 'info', namespace: 'N', predicate: 'P', value: 1 }] },
      artifacts: [],
      operations: [],
    });
    assert.equal(runner.specs[0]!.command, '/opt/venv/bin/python');
    assert.equal(runner.specs[0]!.args[0], join(root, 'X/x.py'));
    assert.equal(runner.specs[0]!.cwd, root);
    assert.equal(runner.specs[0]!.timeoutMs, 5000);
    assert.deepEqual(seen, { dataType: 'ip', tlp: 2, pap: 2, message: '', parameters: {}, config: { k: 'v' }, data: '1.2.3.4' });
  });

  it('reports a start failure and a timeout as Failure with a clear message', async () => {
    const start = await executor(new FakeRunner(() => ({ exitCode: null, startError: 'spawn ENOENT' }))).execute(input());
    assert.equal(start.success, false);
    assert.match(start.success ? '' : start.errorMessage, /Process execution error: spawn ENOENT/);
    const timeout = await executor(new FakeRunner(() => ({ exitCode: null, timedOut: true }))).execute(input({ timeoutMs: 1000 }));
    assert.match(timeout.success ? '' : timeout.errorMessage, /timed out after 1 s/);
  });

  it('refuses artifacts with unknown keys and success without an object full', async () => {
    const ex = executor(new FakeRunner(() => ({})));
    const bad = await ex.parseOutput(JSON.stringify({ success: true, full: {}, artifacts: [{ dataType: 'ip', data: '1', colour: 'red' }] }), undefined, '{}');
    assert.match(bad.success ? '' : bad.errorMessage, /unknown artifact attribute colour/);
    const noFull = await ex.parseOutput(JSON.stringify({ success: true, full: 'x' }), undefined, '{}');
    assert.equal(noFull.success, false);
  });
});

describe('worker configuration', () => {
  const d = parseDefinition(
    {
      name: 'C',
      version: '2',
      command: 'c',
      config: { check_tlp: true, max_tlp: 1 },
      configurationItems: [
        { name: 'key', type: 'string', required: true },
        { name: 'n', type: 'number', defaultValue: 3 },
        { name: 'm', type: 'string', multi: true },
      ],
    },
    root,
    'analyzer',
  )!;
  it('fills defaults, refuses bad types, and keeps the definition limits unless the organisation sets them', () => {
    const c = validateConfiguration(d, { key: 'k' });
    assert.equal(c.n, 3);
    assert.deepEqual(c.m, []);
    assert.throws(() => validateConfiguration(d, { key: 1 }), /InvalidFormatAttributeError configuration.key/);
    assert.equal(runtimeConfig(d, c).max_tlp, 1);
    assert.equal(runtimeConfig(d, { ...c, max_tlp: 3 }).max_tlp, 3);
  });
});

describe('JobQueue', () => {
  it('starts jobs first-in first-out and never runs more than the concurrency at once', async () => {
    const started: number[] = [];
    let running = 0;
    let peak = 0;
    const queue = new JobQueue<number>(async (n) => {
      started.push(n);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
    }, 3);
    for (let i = 0; i < 50; i++) queue.push(i);
    await queue.idle();
    assert.deepEqual(started, [...Array(50).keys()]);
    assert.equal(peak, 3);
  });
});
