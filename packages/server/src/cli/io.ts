/** What a CLI command writes to, so tests can run it in-process; `processIo` is the real one. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress lines are then rewritten in place). */
  isTTY: boolean;
}

export const processIo: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
};

/** One line for an operator: the message of a failure, never a stack trace. */
export function describeError(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length) return e.errors.map(describeError).join('; ');
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0] || (e as Error)?.name || 'unknown error';
}
