/**
 * Runs one job through the Cortex protocols and turns what the worker wrote into a report:
 * - Cortex 3 job directory: `input/input.json` (+ `input/attachment…`), `<command> <jobDir>`,
 *   then `output/output.json` (+ file artifacts in `output/`);
 * - Cortex 2 (`protocol: "stdio"`): input JSON on stdin, report on stdout.
 * Every path ends in a report: a missing, empty or invalid output, a start failure or a
 * timeout becomes a Failure report with a clear message (never a job stuck InProgress).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { extname, join, basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { ProcessRunner, ProcessResult } from './process-runner.js';
import type { WorkerDefinition } from './catalog.js';

export interface Taxonomy {
  level: string;
  namespace: string;
  predicate: string;
  value: string | number | boolean;
}

export interface ReportArtifact {
  dataType: string;
  data?: string;
  attachment?: { id: string; name: string; size: number; contentType: string };
  message?: string;
  tags?: string[];
  tlp?: number;
}

export type Report =
  | { success: true; summary: Record<string, unknown>; full: Record<string, unknown>; artifacts: ReportArtifact[]; operations: unknown[] }
  | { success: false; errorMessage: string; input: string | null };

export interface ExecInput {
  jobId: string;
  def: WorkerDefinition;
  /** Run-time config: definition config overlaid by the organisation's configuration. */
  config: Record<string, unknown>;
  dataType: string;
  /** String for analyzers, any JSON for responders; absent for files. */
  data?: unknown;
  file?: { name: string; contentType: string; open: () => Promise<Readable> };
  tlp: number;
  pap: number;
  message: string;
  parameters: Record<string, unknown>;
  timeoutMs?: number;
}

export interface ExecutorOptions {
  jobDirectory: string;
  interpreters: Record<string, string>;
  /** Stores an artifact file, returns its content id (SHA-256) and size. */
  storeFile: (content: Buffer) => Promise<{ sha256: string; size: number }>;
}

const ARTIFACT_KEYS = new Set(['dataType', 'data', 'tlp', 'tags', 'message', 'file', 'filename', 'contentType', 'value', 'type']);
const LEVELS = new Set(['info', 'safe', 'suspicious', 'malicious']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The failure report of a worker that wrote nothing usable. */
function noOutput(r: ProcessResult, timeoutMs: number | undefined, inputText: string): Report {
  if (r.startError) return { success: false, errorMessage: `Process execution error: ${r.startError}`, input: inputText };
  const captured = `${r.stderr}${r.stdout}`.slice(-8192);
  if (r.timedOut) {
    const secs = Math.round((timeoutMs ?? 0) / 100) / 10;
    return {
      success: false,
      errorMessage: `Job timed out after ${secs} s: the worker and its child processes were killed${captured ? `\n${captured}` : ''}`,
      input: inputText,
    };
  }
  return {
    success: false,
    errorMessage: captured
      ? `No output from the worker (exit code ${String(r.exitCode)}):\n${captured}`
      : `No output from the worker (exit code ${String(r.exitCode)})`,
    input: inputText,
  };
}

export class JobExecutor {
  private dirReady = false;

  constructor(
    private readonly runner: ProcessRunner,
    private readonly opts: ExecutorOptions,
  ) {}

  /** The command line for a definition: interpreters by extension (`.js`/`.mjs`/`.cjs` run with this Node). */
  commandLine(def: WorkerDefinition): { command: string; args: string[] } {
    const command = def.command ?? '';
    const ext = extname(command);
    const interp = this.opts.interpreters[ext] ?? (['.js', '.mjs', '.cjs'].includes(ext) ? process.execPath : undefined);
    return interp ? { command: interp, args: [command] } : { command, args: [] };
  }

  /** Runs the job and always resolves with a report. */
  async execute(input: ExecInput): Promise<Report> {
    const cfg = input.config;
    if (cfg.check_tlp === true && typeof cfg.max_tlp === 'number' && input.tlp > cfg.max_tlp) {
      return { success: false, errorMessage: `TLP is higher than allowed (tlp ${input.tlp} > max_tlp ${cfg.max_tlp})`, input: null };
    }
    if (cfg.check_pap === true && typeof cfg.max_pap === 'number' && input.pap > cfg.max_pap) {
      return { success: false, errorMessage: `PAP is higher than allowed (pap ${input.pap} > max_pap ${cfg.max_pap})`, input: null };
    }
    if (!this.dirReady) {
      await mkdir(this.opts.jobDirectory, { recursive: true });
      this.dirReady = true;
    }
    const dir = await mkdtemp(join(this.opts.jobDirectory, `cortex-job-${input.jobId.replace(/[^\w-]/g, '')}-`));
    try {
      return input.def.protocol === 'stdio' ? await this.runStdio(input, dir) : await this.runJobDir(input, dir);
    } catch (e) {
      return { success: false, errorMessage: `Job execution error: ${(e as Error).message}`, input: null };
    } finally {
      if (input.parameters.keepJobFolder !== true) await rm(dir, { recursive: true, force: true });
    }
  }

  private baseInput(input: ExecInput): Record<string, unknown> {
    return { dataType: input.dataType, tlp: input.tlp, pap: input.pap, message: input.message, parameters: input.parameters, config: input.config };
  }

  private async writeFile(input: ExecInput, path: string): Promise<void> {
    if (!input.file) return;
    await pipeline(await input.file.open(), createWriteStream(path));
  }

  private async runJobDir(input: ExecInput, dir: string): Promise<Report> {
    await mkdir(join(dir, 'input'));
    await mkdir(join(dir, 'output'));
    const json: Record<string, unknown> = this.baseInput(input);
    if (input.file) {
      const name = `attachment${Math.random().toString(36).slice(2, 10)}`;
      await this.writeFile(input, join(dir, 'input', name));
      Object.assign(json, { file: name, filename: input.file.name, contentType: input.file.contentType });
    } else json.data = input.data;
    const inputText = JSON.stringify(json);
    await writeFile(join(dir, 'input', 'input.json'), inputText);
    const { command, args } = this.commandLine(input.def);
    const r = await this.runner.run({
      command,
      args: [...args, dir],
      cwd: input.def.root,
      ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
    });
    let text = '';
    try {
      text = await readFile(join(dir, 'output', 'output.json'), 'utf8');
    } catch {
      // missing: handled below
    }
    if (r.timedOut || text.trim() === '') return noOutput(r, input.timeoutMs, inputText);
    return this.parseOutput(text, join(dir, 'output'), inputText);
  }

  private async runStdio(input: ExecInput, dir: string): Promise<Report> {
    const json: Record<string, unknown> = this.baseInput(input);
    if (input.file) {
      const path = join(dir, 'attachment');
      await this.writeFile(input, path);
      Object.assign(json, { file: path, filename: input.file.name, contentType: input.file.contentType });
    } else json.data = input.data;
    const inputText = JSON.stringify(json);
    const { command, args } = this.commandLine(input.def);
    const r = await this.runner.run({
      command,
      args,
      cwd: input.def.root,
      stdin: inputText,
      ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
    });
    if (r.timedOut || r.stdout.trim() === '') return noOutput(r, input.timeoutMs, inputText);
    return this.parseOutput(r.stdout, undefined, inputText, `${r.stderr}${r.stdout}`.slice(0, 8192));
  }

  /** Validates a worker's output; anything malformed becomes a Failure report. */
  async parseOutput(text: string, outputDir: string | undefined, inputText: string, captured?: string): Promise<Report> {
    let out: unknown;
    try {
      out = JSON.parse(text);
    } catch (e) {
      return { success: false, errorMessage: `Invalid output: ${(e as Error).message}${captured ? `\n${captured}` : ''}`, input: inputText };
    }
    if (!isObject(out)) return { success: false, errorMessage: 'Invalid output: not a JSON object', input: inputText };
    if (out.success !== true) {
      const msg = typeof out.errorMessage === 'string' ? out.errorMessage : 'The worker reported a failure';
      return {
        success: false,
        errorMessage: msg,
        input: out.input === undefined ? inputText : typeof out.input === 'string' ? out.input : JSON.stringify(out.input),
      };
    }
    if (!isObject(out.full)) return { success: false, errorMessage: 'Invalid output: "full" must be an object', input: inputText };
    const summary = isObject(out.summary) ? out.summary : {};
    if (Array.isArray(summary.taxonomies)) {
      for (const t of summary.taxonomies) {
        if (!isObject(t) || typeof t.namespace !== 'string' || typeof t.predicate !== 'string') {
          return { success: false, errorMessage: 'Report creation failure: invalid taxonomy', input: inputText };
        }
        if (!LEVELS.has(String(t.level))) t.level = 'info';
      }
    }
    const artifacts: ReportArtifact[] = [];
    for (const a of Array.isArray(out.artifacts) ? out.artifacts : []) {
      if (!isObject(a)) return { success: false, errorMessage: 'Report creation failure: artifact is not an object', input: inputText };
      const unknown = Object.keys(a).filter((k) => !ARTIFACT_KEYS.has(k));
      if (unknown.length) {
        return { success: false, errorMessage: `Report creation failure: unknown artifact attribute ${unknown.join(', ')}`, input: inputText };
      }
      const dataType = String(a.dataType ?? a.type ?? '');
      if (!dataType) return { success: false, errorMessage: 'Report creation failure: artifact without dataType', input: inputText };
      const art: ReportArtifact = { dataType };
      if (typeof a.message === 'string') art.message = a.message;
      if (Array.isArray(a.tags)) art.tags = a.tags.map(String);
      if (typeof a.tlp === 'number') art.tlp = a.tlp;
      if (dataType === 'file' && typeof a.file === 'string') {
        if (!outputDir || basename(a.file) !== a.file) {
          return { success: false, errorMessage: `Report creation failure: artifact file ${a.file} must be directly in output/`, input: inputText };
        }
        const path = join(outputDir, a.file);
        try {
          if (!(await stat(path)).isFile()) throw new Error('not a file');
        } catch {
          return { success: false, errorMessage: `Report creation failure: artifact file ${a.file} not found`, input: inputText };
        }
        const stored = await this.opts.storeFile(await readFile(path));
        art.attachment = {
          id: stored.sha256,
          name: typeof a.filename === 'string' ? a.filename : a.file,
          size: stored.size,
          contentType: typeof a.contentType === 'string' ? a.contentType : 'application/octet-stream',
        };
      } else {
        const data = a.data ?? a.value;
        if (data === undefined || data === null) return { success: false, errorMessage: 'Report creation failure: artifact without data', input: inputText };
        art.data = String(data);
      }
      artifacts.push(art);
    }
    return { success: true, summary, full: out.full, artifacts, operations: Array.isArray(out.operations) ? out.operations : [] };
  }
}
