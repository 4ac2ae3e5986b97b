// Minimal Cortex 3 worker helpers for the built-in analyzers (no dependencies).
// Job directory protocol: <jobDir>/input/input.json -> <jobDir>/output/output.json.
// Without input/input.json (Cortex 2), input is read from stdin and the report written to stdout.
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export function job() {
  const dir = process.argv[2] ?? '/job';
  const jobDir = existsSync(join(dir, 'input', 'input.json')) ? dir : undefined;
  const input = JSON.parse(jobDir ? readFileSync(join(jobDir, 'input', 'input.json'), 'utf8') : readFileSync(0, 'utf8'));
  const filePath = input.file ? (jobDir ? join(jobDir, 'input', input.file) : input.file) : undefined;
  const write = (o) => {
    const text = JSON.stringify(o);
    if (!jobDir) return void process.stdout.write(text);
    mkdirSync(join(jobDir, 'output'), { recursive: true });
    writeFileSync(join(jobDir, 'output', 'output.json'), text);
  };
  const config = input.config ?? {};
  const tlp = input.tlp ?? 2;
  const pap = input.pap ?? 2;
  return {
    input,
    config,
    dataType: input.dataType,
    data: input.data,
    filename: input.filename,
    filePath,
    readFile: () => readFileSync(filePath),
    /** A file artifact: copied into output/, returned in the artifact format. */
    fileArtifact(name, content, extra = {}) {
      if (!jobDir) throw new Error('file artifacts need the job directory protocol');
      const safe = `${Math.random().toString(36).slice(2, 8)}-${basename(name).replace(/[^\w.-]/g, '_')}`.slice(0, 120);
      writeFileSync(join(jobDir, 'output', safe), content);
      return { dataType: 'file', file: safe, filename: basename(name), ...extra };
    },
    copyArtifact: (src, name) => {
      const safe = basename(name);
      copyFileSync(src, join(jobDir, 'output', safe));
      return { dataType: 'file', file: safe, filename: safe };
    },
    checkLimits() {
      if (config.check_tlp && tlp > (config.max_tlp ?? 2)) this.error('TLP is higher than allowed.');
      if (config.check_pap && pap > (config.max_pap ?? 2)) this.error('PAP is higher than allowed.');
    },
    report(full, taxonomies, artifacts = [], operations = []) {
      write({ success: true, summary: { taxonomies }, full, artifacts, operations });
    },
    error(message) {
      write({ success: false, errorMessage: message, input: { ...input, config: maskSecrets(config) } });
      process.exit(1);
    },
  };
}

function maskSecrets(config) {
  const out = {};
  for (const [k, v] of Object.entries(config)) out[k] = /key|password|secret/i.test(k) ? 'REMOVED' : v;
  return out;
}

export function taxonomy(level, namespace, predicate, value) {
  return { level: ['info', 'safe', 'suspicious', 'malicious'].includes(level) ? level : 'info', namespace, predicate, value };
}

/** Runs `fn(job)` and turns any exception into an error report. */
export async function run(fn) {
  const j = job();
  try {
    j.checkLimits();
    await fn(j);
  } catch (e) {
    j.error(e instanceof Error ? e.message : String(e));
  }
}
