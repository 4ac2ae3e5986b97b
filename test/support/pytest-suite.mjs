// Shared runner of the Python compatibility suites (test/compat, test/compat-cortex): real clients
// from PyPI, in a local virtualenv, against a real Waggle process.
//
// 1. creates or reuses `<suite>/.venv` and installs `<suite>/requirements.txt` into it (only when
//    that file or the Python version changed: a hash stamp is kept in the venv);
// 2. starts Waggle (node --import tsx packages/server/src/main.ts) on a free localhost port with a
//    fresh temporary data directory and waits for GET /api/status — unless WAGGLE_COMPAT_TARGET_URL
//    names a running Waggle (a cluster behind HAProxy, say), which is then used as it is;
// 3. runs pytest with THEHIVE_URL / THEHIVE_USER / THEHIVE_PASSWORD (and the suite's own variables);
// 4. stops Waggle, prints pytest's output and ends with pytest's summary line.
// Exits with pytest's exit code; "no tests collected" (5) is reported as a failure.
// Environment knobs: WAGGLE_COMPAT_PYTHON (interpreter used to create the venv),
// WAGGLE_COMPAT_TIMEOUT (seconds for the whole pytest run, default 900), WAGGLE_COMPAT_KEEP_DATA=1
// (keep the temporary data directory and server log), WAGGLE_COMPAT_TARGET_URL with
// WAGGLE_COMPAT_USER / WAGGLE_COMPAT_PASSWORD (run against an already running Waggle).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const isWin = process.platform === 'win32';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @typedef {object} SuiteContext
 * @property {string} venvPython the virtualenv's interpreter
 * @property {() => Promise<number>} freePort a free localhost port
 *
 * @typedef {object} SuiteOptions
 * @property {string} name short name used in messages (`compat`, `compat-cortex`)
 * @property {string} dir the suite's folder (holds requirements.txt and the tests)
 * @property {string[]} imports Python modules the venv must import after installing
 * @property {(ctx: SuiteContext) => Promise<{ serverEnv?: Record<string, string>, pytestEnv?: Record<string, string>, readyUrls?: string[] }>} [prepare]
 *   extra environment for the server and pytest, and extra URLs whose /api/status must answer
 */

/** Runs one suite and exits the process with pytest's code. */
export async function runPytestSuite(/** @type {SuiteOptions} */ opts) {
  const suite = new PytestSuite(opts);
  try {
    await suite.main();
  } catch (e) {
    suite.fail(`unexpected error: ${e?.stack ?? e}`);
  }
}

class PytestSuite {
  constructor(/** @type {SuiteOptions} */ opts) {
    this.opts = opts;
    this.venv = join(opts.dir, '.venv');
    this.requirements = join(opts.dir, 'requirements.txt');
    this.venvPython = join(this.venv, isWin ? 'Scripts' : 'bin', isWin ? 'python.exe' : 'python');
    this.stampFile = join(this.venv, '.waggle-requirements.sha256');
    // Several runs may start at once: creating or filling the venv happens under a lock directory,
    // taken over when its owner process is gone or it is too old.
    this.lockDir = join(tmpdir(), `waggle-${opts.name}-venv-${createHash('sha256').update(this.venv).digest('hex').slice(0, 16)}.lock`);
  }

  log(msg) {
    process.stdout.write(`[${this.opts.name}] ${msg}\n`);
  }

  /** Ends the run as a failure that scripts/test.mjs counts. */
  fail(msg, detail = '') {
    if (detail) process.stdout.write(`${detail.trimEnd()}\n`);
    this.log(msg);
    process.stdout.write(`${this.opts.name} harness error: 1 failed\n`);
    process.exit(1);
  }

  findPython() {
    const candidates = [process.env.WAGGLE_COMPAT_PYTHON, 'python3', 'python3.13', 'python3.12', 'python3.11', 'python3.10', 'python'].filter(Boolean);
    const seen = [];
    for (const c of candidates) {
      const v = pythonVersion(c);
      if (!v) continue;
      seen.push(`${c} ${v}`);
      const [maj, min] = v.split('.').map(Number);
      if (maj === 3 && min >= 10) return { py: c, version: v };
    }
    return this.fail(
      `Python 3.10 or newer is needed (the compat suites require it); found: ${seen.join(', ') || 'none'}. Set WAGGLE_COMPAT_PYTHON to choose one.`,
    );
  }

  /** Whether the venv holds exactly requirements.txt for its Python. */
  venvReady() {
    const version = existsSync(this.venvPython) ? pythonVersion(this.venvPython) : null;
    if (!version) return { version: null, ok: false };
    const [maj, min] = version.split('.').map(Number);
    if (maj !== 3 || min < 10) return { version: null, ok: false };
    const want = createHash('sha256').update(readFileSync(this.requirements, 'utf8')).update(`\npython ${version}\n`).digest('hex');
    const have = existsSync(this.stampFile) ? readFileSync(this.stampFile, 'utf8').trim() : '';
    return { version, want, ok: have === want };
  }

  lockOwnerAlive() {
    try {
      const pid = Number(readFileSync(join(this.lockDir, 'pid'), 'utf8'));
      if (!pid) return false;
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return e?.code === 'EPERM';
    }
  }

  async withVenvLock(fn) {
    const end = Date.now() + 15 * 60_000;
    let told = false;
    for (;;) {
      try {
        mkdirSync(this.lockDir);
        writeFileSync(join(this.lockDir, 'pid'), String(process.pid));
        break;
      } catch (e) {
        if (e?.code !== 'EEXIST') throw e;
        let age = 0;
        try {
          age = Date.now() - statSync(this.lockDir).mtimeMs;
        } catch {
          continue;
        }
        if ((age > 2000 && !this.lockOwnerAlive()) || age > 15 * 60_000) {
          rmSync(this.lockDir, { recursive: true, force: true });
          continue;
        }
        if (Date.now() > end) this.fail(`timed out waiting for ${this.lockDir} (another run is installing the virtualenv)`);
        if (!told) this.log('another run is preparing the virtualenv; waiting for it');
        told = true;
        await sleep(500);
      }
    }
    try {
      return fn();
    } finally {
      rmSync(this.lockDir, { recursive: true, force: true });
    }
  }

  /** Creates the venv if needed and installs requirements.txt when it changed. */
  async ensureVenv() {
    if (this.venvReady().ok) return;
    await this.withVenvLock(() => {
      let state = this.venvReady();
      if (state.ok) return;
      if (!state.version) {
        const { py, version } = this.findPython();
        if (existsSync(this.venv)) rmSync(this.venv, { recursive: true, force: true });
        this.log(`creating virtualenv ${this.venv} with ${py} (Python ${version})`);
        const r = run(py, ['-m', 'venv', this.venv]);
        if (!r.ok) this.fail(`could not create the virtualenv with "${py} -m venv" (on Debian/Ubuntu install the python3-venv package)`, r.out);
        state = this.venvReady();
        if (!state.version) this.fail('the new virtualenv has no working python');
        if (state.ok) return;
      }
      this.log(`installing ${this.requirements} into the virtualenv (Python ${state.version})`);
      if (existsSync(this.stampFile)) rmSync(this.stampFile);
      const r = run(this.venvPython, ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '-q', '-r', this.requirements], { env: pipEnv() });
      if (!r.ok) this.fail('pip install failed', r.out);
      const modules = this.opts.imports.join(', ');
      const check = run(this.venvPython, ['-c', `import ${modules}`], { env: pipEnv() });
      if (!check.ok) this.fail(`the virtualenv cannot import ${modules} after installing`, check.out);
      writeFileSync(this.stampFile, `${state.want}\n`);
    });
  }

  async main() {
    const t0 = Date.now();
    await this.ensureVenv();
    if (!existsSync(join(root, 'node_modules', 'tsx'))) this.fail('node_modules/tsx is missing: run "npm ci" at the repository root first');

    const extra = (await this.opts.prepare?.({ venvPython: this.venvPython, freePort })) ?? {};
    const target = process.env.WAGGLE_COMPAT_TARGET_URL;
    const login = target ? (process.env.WAGGLE_COMPAT_USER ?? 'admin@thehive.local') : 'admin@thehive.local';
    const password = target ? (process.env.WAGGLE_COMPAT_PASSWORD ?? 'secret') : 'secret';
    const server = target ? undefined : await this.startServer(extra, login, password);
    const url = target ?? server.url;
    if (target) this.log(`running against ${target}`);
    else this.log(`Waggle is up at ${url} (data in ${server.dataDir}) after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const pytestArgs = ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', '-rfE', '--tb=short', '--timeout=60', ...process.argv.slice(2)];
    const timeoutS = Number(process.env.WAGGLE_COMPAT_TIMEOUT ?? 900);
    const env = {
      ...process.env,
      THEHIVE_URL: url,
      THEHIVE_USER: login,
      THEHIVE_PASSWORD: password,
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
      PYTEST_ADDOPTS: '',
      ...extra.pytestEnv,
    };
    const { code, output } = await this.pytest(pytestArgs, env, timeoutS);

    if (server) await server.stop(code !== 0);

    // pytest's summary line is its last line that mentions passed/failed/error/skipped/no tests.
    const summary = output
      .split('\n')
      .map((l) => l.trim())
      .reverse()
      .find((l) => /\b(passed|failed|errors?|skipped|no tests ran|deselected)\b/.test(l) && /\bin [\d.]+s\b/.test(l));
    this.log(`finished in ${((Date.now() - t0) / 1000).toFixed(1)} s (pytest exit code ${code})`);
    if (code === 5) {
      process.stdout.write(`${summary ?? 'no tests ran'}\n`);
      process.stdout.write(`${this.opts.name}: no tests collected: 1 failed\n`);
      process.exit(1);
    }
    if (summary) process.stdout.write(`${summary}\n`);
    else process.stdout.write(`${this.opts.name}: pytest ended with code ${code} without a summary line${code === 0 ? '' : ': 1 failed'}\n`);
    process.exit(code);
  }

  pytest(args, env, timeoutS) {
    let output = '';
    return new Promise((resolve) => {
      const py = spawn(this.venvPython, args, { cwd: this.opts.dir, stdio: ['ignore', 'pipe', 'pipe'], env });
      const onData = (chunk) => {
        output += chunk;
        process.stdout.write(chunk);
      };
      py.stdout.setEncoding('utf8').on('data', onData);
      py.stderr.setEncoding('utf8').on('data', onData);
      const watchdog = setTimeout(() => {
        process.stdout.write(`\n[${this.opts.name}] pytest still running after ${timeoutS} s: stopping it\n`);
        py.kill('SIGKILL');
      }, timeoutS * 1000);
      py.on('error', (e) => {
        output += `\n${e.message}\n`;
      });
      py.on('close', (c) => {
        clearTimeout(watchdog);
        resolve({ code: c ?? 1, output });
      });
    });
  }

  /** Starts Waggle on a free port with a fresh data directory; fails the run if it does not come up. */
  async startServer(extra, login, password) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const dataDir = mkdtempSync(join(tmpdir(), `waggle-${this.opts.name}-`));
    const serverLog = join(dataDir, 'server.log');
    const fd = openSync(serverLog, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', join('packages', 'server', 'src', 'main.ts')], {
      cwd: root,
      stdio: ['ignore', fd, fd],
      env: {
        ...process.env,
        WAGGLE_MODE: 'test',
        WAGGLE_DATA_DIR: join(dataDir, 'data'),
        WAGGLE_ADMIN_LOGIN: login,
        WAGGLE_ADMIN_PASSWORD: password,
        WAGGLE_PORT: String(port),
        WAGGLE_HOST: '127.0.0.1',
        WAGGLE_LOG_LEVEL: process.env.WAGGLE_COMPAT_LOG_LEVEL ?? 'warn',
        ...extra.serverEnv,
      },
    });
    closeSync(fd);
    let gone = false;
    const stop = async (showLog = false) => {
      if (gone) return;
      gone = true;
      const exited = child.exitCode !== null || child.signalCode !== null;
      await stopProcess(child);
      const serverTail = tail(serverLog, 40);
      if (showLog && serverTail) process.stdout.write(`\n--- last lines of the Waggle log (${serverLog}) ---\n${serverTail}\n`);
      if (exited) this.log(`Waggle exited while the tests were running (code ${child.exitCode}, signal ${child.signalCode})`);
      if (!process.env.WAGGLE_COMPAT_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    };
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void stop().then(() => process.exit(130)));

    let problem = await waitForStatus(url, child, 60_000);
    for (const other of extra.readyUrls ?? []) problem ??= await waitForStatus(other, child, 10_000);
    if (problem) {
      const detail = tail(serverLog, 60);
      await stop();
      this.fail(problem, detail ? `--- Waggle output ---\n${detail}` : '');
    }
    return { url, dataDir, stop };
  }
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024, ...opts });
  return { ok: r.status === 0, status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

function pythonVersion(py) {
  const r = run(py, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])']);
  return r.ok ? r.out.trim() : null;
}

function pipEnv() {
  return { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONDONTWRITEBYTECODE: '1' };
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

function stopProcess(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function tail(file, lines) {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trimEnd();
  if (!text) return '';
  return text.split('\n').slice(-lines).join('\n');
}
