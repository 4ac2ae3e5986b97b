#!/usr/bin/env node
// Cortex compatibility suite: runs the real cortex4py client and a cortexutils analyzer (both from
// PyPI) against a real Waggle process serving its Cortex API on a second port.
//
//   node test/compat-cortex/run.mjs              # whole suite
//   node test/compat-cortex/run.mjs -k rate      # any extra arguments go to pytest
//
// Same steps as test/compat/run.mjs; Waggle is started with WAGGLE_ANALYSIS_PORT (a free port),
// WAGGLE_ANALYZER_FOLDERS = <repo>/analyzers + test/compat-cortex/analyzers, and
// WAGGLE_ANALYSIS_INTERPRETERS = {".py": <venv python>} so that `.py` commands of definitions
// run with the venv's interpreter (where cortexutils is installed), and an auto-run rule
// (ip -> TestPy_1_0). pytest gets CORTEX_URL,
// THEHIVE_URL, THEHIVE_USER, THEHIVE_PASSWORD.
//
// 1. creates or reuses the virtualenv test/compat/.venv and installs requirements.txt into it
//    (only when that file or the Python version changed: a hash stamp is kept in the venv);
// 2. starts Waggle (node --import tsx packages/server/src/main.ts) on a free localhost port with
//    a fresh temporary data directory, and waits for GET /api/status;
// 3. runs pytest with THEHIVE_URL / THEHIVE_USER / THEHIVE_PASSWORD set;
// 4. stops Waggle, prints pytest's output and ends with pytest's summary line.
// Exits with pytest's exit code; "no tests collected" (5) is reported as a failure.
// Needs no standard input. Environment knobs: WAGGLE_COMPAT_PYTHON (interpreter used to create
// the venv), WAGGLE_COMPAT_TIMEOUT (seconds for the whole pytest run, default 900),
// WAGGLE_COMPAT_KEEP_DATA=1 (keep the temporary data directory and server log).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const venv = join(here, '.venv');
const requirements = join(here, 'requirements.txt');
const isWin = process.platform === 'win32';
const venvPython = join(venv, isWin ? 'Scripts' : 'bin', isWin ? 'python.exe' : 'python');
const stampFile = join(venv, '.waggle-requirements.sha256');
const ADMIN = 'admin@thehive.local';
const PASSWORD = 'secret';

function log(msg) {
  process.stdout.write(`[compat-cortex] ${msg}\n`);
}

/** Ends the run as a failure that scripts/test.mjs counts. */
function fail(msg, detail = '') {
  if (detail) process.stdout.write(`${detail.trimEnd()}\n`);
  process.stdout.write(`[compat-cortex] ${msg}\n`);
  process.stdout.write(`compat-cortex harness error: 1 failed\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024, ...opts });
  return { ok: r.status === 0, status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

function pythonVersion(py) {
  const r = run(py, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])']);
  return r.ok ? r.out.trim() : null;
}

function findPython() {
  const candidates = [process.env.WAGGLE_COMPAT_PYTHON, 'python3', 'python3.13', 'python3.12', 'python3.11', 'python3.10', 'python'].filter(Boolean);
  const seen = [];
  for (const c of candidates) {
    const v = pythonVersion(c);
    if (!v) continue;
    seen.push(`${c} ${v}`);
    const [maj, min] = v.split('.').map(Number);
    if (maj === 3 && min >= 10) return { py: c, version: v };
  }
  fail(`Python 3.10 or newer is needed (the compat suites require it); found: ${seen.join(', ') || 'none'}. Set WAGGLE_COMPAT_PYTHON to choose one.`);
}

function pipEnv() {
  return { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONDONTWRITEBYTECODE: '1' };
}

/** The stamp that says the venv holds exactly requirements.txt for its Python, or null. */
function venvReady() {
  const version = existsSync(venvPython) ? pythonVersion(venvPython) : null;
  if (!version) return { version: null, ok: false };
  const [maj, min] = version.split('.').map(Number);
  if (maj !== 3 || min < 10) return { version: null, ok: false };
  const want = createHash('sha256').update(readFileSync(requirements, 'utf8')).update(`\npython ${version}\n`).digest('hex');
  const have = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
  return { version, want, ok: have === want };
}

// Several runs may start at once (npm test in parallel sessions): creating or filling the venv
// happens under a lock directory, taken over when its owner process is gone or it is too old.
const lockDir = join(tmpdir(), `waggle-compat-cortex-venv-${createHash('sha256').update(venv).digest('hex').slice(0, 16)}.lock`);

function lockOwnerAlive() {
  try {
    const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    if (!pid) return false;
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e?.code === 'EPERM';
  }
}

async function withVenvLock(fn) {
  const end = Date.now() + 15 * 60_000;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e?.code !== 'EEXIST') throw e;
      let age = 0;
      try {
        age = Date.now() - statSync(lockDir).mtimeMs;
      } catch {
        continue;
      }
      if ((age > 2000 && !lockOwnerAlive()) || age > 15 * 60_000) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > end) fail(`timed out waiting for ${lockDir} (another run is installing the virtualenv)`);
      if (!told) log('another run is preparing the virtualenv; waiting for it');
      told = true;
      await sleep(500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Creates the venv if needed and installs requirements.txt when it changed. */
async function ensureVenv() {
  if (venvReady().ok) return;
  await withVenvLock(() => {
    let state = venvReady();
    if (state.ok) return;
    if (!state.version) {
      const { py, version } = findPython();
      if (existsSync(venv)) rmSync(venv, { recursive: true, force: true });
      log(`creating virtualenv ${venv} with ${py} (Python ${version})`);
      const r = run(py, ['-m', 'venv', venv]);
      if (!r.ok) {
        fail(`could not create the virtualenv with "${py} -m venv" (on Debian/Ubuntu install the python3-venv package)`, r.out);
      }
      state = venvReady();
      if (!state.version) fail('the new virtualenv has no working python');
      if (state.ok) return;
    }
    log(`installing ${requirements} into the virtualenv (Python ${state.version})`);
    if (existsSync(stampFile)) rmSync(stampFile);
    const r = run(venvPython, ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '-q', '-r', requirements], { env: pipEnv() });
    if (!r.ok) fail('pip install failed', r.out);
    const check = run(venvPython, ['-c', 'import cortex4py, cortexutils, thehive4py, pytest, pytest_timeout'], { env: pipEnv() });
    if (!check.ok) fail('the virtualenv cannot import cortex4py / cortexutils / pytest after installing', check.out);
    writeFileSync(stampFile, `${state.want}\n`);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForStatus(url, server, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (server.exitCode !== null || server.signalCode !== null) return `Waggle exited early (code ${server.exitCode}, signal ${server.signalCode})`;
    try {
      const res = await fetch(`${url}/api/status`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return null;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return `GET ${url}/api/status did not answer 2xx within ${timeoutMs / 1000} s`;
}

function stopServer(server) {
  return new Promise((resolve) => {
    if (server.exitCode !== null || server.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      try {
        server.kill('SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    server.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    server.kill('SIGTERM');
  });
}

function tail(file, lines) {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trimEnd();
  if (!text) return '';
  return text.split('\n').slice(-lines).join('\n');
}

async function main() {
  const t0 = Date.now();
  await ensureVenv();
  if (!existsSync(join(root, 'node_modules', 'tsx'))) fail('node_modules/tsx is missing: run "npm ci" at the repository root first');

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const enginePort = await freePort();
  const cortexUrl = `http://127.0.0.1:${enginePort}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'waggle-compat-'));
  const serverLog = join(dataDir, 'server.log');
  const fd = openSync(serverLog, 'a');
  const server = spawn(process.execPath, ['--import', 'tsx', join('packages', 'server', 'src', 'main.ts')], {
    cwd: root,
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      WAGGLE_MODE: 'test',
      WAGGLE_DATA_DIR: join(dataDir, 'data'),
      WAGGLE_ADMIN_LOGIN: ADMIN,
      WAGGLE_ADMIN_PASSWORD: PASSWORD,
      WAGGLE_PORT: String(port),
      WAGGLE_HOST: '127.0.0.1',
      WAGGLE_LOG_LEVEL: process.env.WAGGLE_COMPAT_LOG_LEVEL ?? 'warn',
      WAGGLE_ANALYSIS_PORT: String(enginePort),
      WAGGLE_ANALYZER_FOLDERS: [join(root, 'analyzers'), join(here, 'analyzers')].join(','),
      WAGGLE_ANALYSIS_INTERPRETERS: JSON.stringify({ '.py': venvPython }),
      WAGGLE_ANALYSIS_AUTORUN: JSON.stringify([{ dataTypes: ['ip'], analyzers: ['TestPy_1_0'] }]),
    },
  });
  closeSync(fd);
  let serverGone = false;
  const cleanup = async () => {
    if (!serverGone) {
      serverGone = true;
      await stopServer(server);
    }
    if (!process.env.WAGGLE_COMPAT_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      void cleanup().then(() => process.exit(130));
    });
  }

  const problem = (await waitForStatus(url, server, 60_000)) ?? (await waitForStatus(cortexUrl, server, 10_000));
  if (problem) {
    const detail = tail(serverLog, 60);
    await cleanup();
    fail(problem, detail ? `--- Waggle output ---\n${detail}` : '');
  }
  log(`Waggle is up at ${url} (data in ${dataDir}) after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const pytestArgs = ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', '-rfE', '--tb=short', '--timeout=60', ...process.argv.slice(2)];
  const timeoutS = Number(process.env.WAGGLE_COMPAT_TIMEOUT ?? 900);
  let output = '';
  const code = await new Promise((resolve) => {
    const py = spawn(venvPython, pytestArgs, {
      cwd: here,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        THEHIVE_URL: url,
        CORTEX_URL: cortexUrl,
        THEHIVE_USER: ADMIN,
        THEHIVE_PASSWORD: PASSWORD,
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
        PYTEST_ADDOPTS: '',
      },
    });
    const onData = (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    };
    py.stdout.setEncoding('utf8').on('data', onData);
    py.stderr.setEncoding('utf8').on('data', onData);
    const watchdog = setTimeout(() => {
      process.stdout.write(`\n[compat-cortex] pytest still running after ${timeoutS} s: stopping it\n`);
      py.kill('SIGKILL');
    }, timeoutS * 1000);
    py.on('error', (e) => {
      output += `\n${e.message}\n`;
    });
    py.on('close', (c, sig) => {
      clearTimeout(watchdog);
      resolve(c ?? (sig ? 1 : 1));
    });
  });

  const serverExited = server.exitCode !== null || server.signalCode !== null;
  await stopServer(server);
  serverGone = true;
  const serverTail = tail(serverLog, 40);
  if (code !== 0 && serverTail) process.stdout.write(`\n--- last lines of the Waggle log (${serverLog}) ---\n${serverTail}\n`);
  if (serverExited) process.stdout.write(`[compat-cortex] Waggle exited while the tests were running (code ${server.exitCode}, signal ${server.signalCode})\n`);
  await cleanup();

  // pytest's summary line is its last line that mentions passed/failed/error/skipped/no tests.
  const summary = output
    .split('\n')
    .map((l) => l.trim())
    .reverse()
    .find((l) => /\b(passed|failed|errors?|skipped|no tests ran|deselected)\b/.test(l) && /\bin [\d.]+s\b/.test(l));
  log(`finished in ${((Date.now() - t0) / 1000).toFixed(1)} s (pytest exit code ${code})`);
  if (code === 5) {
    process.stdout.write(`${summary ?? 'no tests ran'}\n`);
    process.stdout.write('compat-cortex: no tests collected: 1 failed\n');
    process.exit(1);
  }
  if (summary) process.stdout.write(`${summary}\n`);
  else process.stdout.write(`compat-cortex: pytest ended with code ${code} without a summary line${code === 0 ? '' : ': 1 failed'}\n`);
  process.exit(code);
}

main().catch((e) => fail(`unexpected error: ${e?.stack ?? e}`));
