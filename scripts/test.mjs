#!/usr/bin/env node
// Runs every test: the Node test files of all packages and test/, then the Python
// compatibility suites (real thehive4py / cortex4py clients) when present.
// Prints one closing line "tests: N passed, N failed[, N skipped]".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, mkdtempSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

let files = [...walk(join(root, 'packages')), ...(existsSync(join(root, 'test')) ? walk(join(root, 'test')) : [])];
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
files = files.map((f) => relative(root, f)).sort();

let passed = 0;
let failed = 0;
let skipped = 0;

if (files.length) {
  const tap = join(mkdtempSync(join(tmpdir(), 'waggle-tap-')), 'out.tap');
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=2',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
  );
  const out = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const num = (k) => Number((out.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  passed += num('pass');
  failed += num('fail') + num('cancelled');
  skipped += num('skipped') + num('todo');
  if (r.status !== 0 && num('fail') + num('cancelled') === 0) failed += 1;
}

for (const suite of ['test/compat/run.mjs', 'test/compat-cortex/run.mjs']) {
  if (!existsSync(join(root, suite)) || (only.length && !only.some((o) => suite.includes(o)))) continue;
  const r = spawnSync(process.execPath, [suite], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  process.stdout.write(r.stdout ?? '');
  const line =
    (r.stdout ?? '')
      .split('\n')
      .reverse()
      .find((l) => /\d+ (passed|failed)/.test(l)) ?? '';
  const get = (k) => Number((line.match(new RegExp(`(\\d+) ${k}`)) ?? [])[1] ?? 0);
  passed += get('passed');
  failed += get('failed') + get('error') + get('errors');
  skipped += get('skipped');
  if (r.status !== 0 && get('failed') + get('error') + get('errors') === 0) failed += 1;
}

console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
