/**
 * The ProcessRunner port: how analyzer and responder processes are started. The child_process
 * implementation runs each process in its own process group and kills the whole group (the
 * process and its children) at the timeout. Tests use a fake.
 */
import { spawn } from 'node:child_process';

export interface ProcessSpec {
  command: string;
  args: readonly string[];
  cwd: string;
  env?: Record<string, string>;
  /** Written to the process's standard input, which is then closed. */
  stdin?: string;
  /** Kill the process group after this many milliseconds; none when undefined. */
  timeoutMs?: number;
}

export interface ProcessResult {
  /** Exit code, or null when killed by a signal or never started. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the process could not be started (e.g. ENOENT, EACCES). */
  startError?: string;
}

export interface ProcessRunner {
  /**
   * Runs a process to its end (or its timeout) and resolves with what it printed, truncated
   * to a bounded size. Never rejects: start failures are reported in `startError`.
   */
  run(spec: ProcessSpec): Promise<ProcessResult>;
}

const MAX_OUTPUT = 1024 * 1024;

export class ChildProcessRunner implements ProcessRunner {
  run(spec: ProcessSpec): Promise<ProcessResult> {
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      let done = false;
      const finish = (r: Omit<ProcessResult, 'stdout' | 'stderr' | 'timedOut'>): void => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        resolve({ ...r, stdout, stderr, timedOut });
      };
      let child;
      try {
        child = spawn(spec.command, [...spec.args], {
          cwd: spec.cwd,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8', ...spec.env },
          detached: true, // its own process group: the timeout kills the group
          stdio: ['pipe', 'pipe', 'pipe'],
        });
      } catch (e) {
        finish({ exitCode: null, startError: (e as Error).message });
        return;
      }
      const pid = child.pid;
      const killGroup = (): void => {
        if (pid === undefined) return;
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // the group is gone already
        }
      };
      const timer =
        spec.timeoutMs !== undefined
          ? setTimeout(() => {
              timedOut = true;
              killGroup();
              // stdio may stay open if a grandchild left the group: do not wait for it
              setTimeout(() => finish({ exitCode: null }), 2000).unref();
            }, spec.timeoutMs)
          : undefined;
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        if (stdout.length < MAX_OUTPUT) stdout += c;
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        if (stderr.length < MAX_OUTPUT) stderr += c;
      });
      child.stdin.on('error', () => undefined);
      child.on('error', (e) => finish({ exitCode: null, startError: e.message }));
      // children left behind by a finished process die with it (and release its pipes)
      child.on('exit', () => killGroup());
      child.on('close', (code) => finish({ exitCode: code }));
      child.stdin.end(spec.stdin ?? '');
    });
  }
}
