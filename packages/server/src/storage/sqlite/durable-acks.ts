/**
 * Pipelined durability for the SQLite writer thread: a group is acknowledged only once an fsync
 * that *started after its COMMIT* has returned, while the writer already applies the next group.
 *
 * The writer's connection commits with `synchronous=NORMAL` (WAL: COMMIT writes the frames to
 * the WAL file, no fsync); `committed(item)` queues the group's answers; one `sync()` (an
 * `fdatasync` of the WAL file on the libuv pool) at a time covers every group committed before
 * it started, and their answers are released when it returns. Frames are appended in commit
 * order, so a durable group implies every earlier group is durable too.
 *
 * Failure: a failed sync fails every group it covered and every group committed after it
 * (never acknowledged), and the pipeline stays failed: after a failed fsync the kernel may have
 * dropped dirty pages, so nothing written later can be trusted to be durable either.
 */
export class DurableAcks<T> {
  private waiting: T[] = [];
  private inFlight = false;
  private failure: Error | undefined;
  private idle: Array<() => void> = [];

  constructor(
    /** Makes every write issued before the call durable (e.g. `fdatasync` of the WAL). */
    private readonly sync: () => Promise<void>,
    /** Releases the answers of groups now durable, in commit order. */
    private readonly ack: (items: T[]) => void,
    /** Fails groups whose durability is unknown. */
    private readonly fail: (items: T[], error: Error) => void,
  ) {}

  /** Whether an fsync is in flight. */
  get syncing(): boolean {
    return this.inFlight;
  }

  /** The error of a failed sync, after which the writer must not apply anything more. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** A group whose COMMIT has returned: answered after the next sync that starts from now. */
  committed(item: T): void {
    if (this.failure) {
      this.fail([item], this.failure);
      return;
    }
    this.waiting.push(item);
    this.kick();
  }

  /** Resolves once every committed group has been acknowledged or failed. */
  drained(): Promise<void> {
    if (!this.inFlight && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private kick(): void {
    if (this.inFlight) return;
    if (this.waiting.length === 0) {
      const idle = this.idle;
      this.idle = [];
      for (const r of idle) r();
      return;
    }
    // everything committed so far: its COMMIT returned before this sync starts
    const covered = this.waiting;
    this.waiting = [];
    this.inFlight = true;
    let started: Promise<void>;
    try {
      started = this.sync();
    } catch (e) {
      started = Promise.reject(e);
    }
    started.then(
      () => {
        this.inFlight = false;
        this.ack(covered);
        this.kick();
      },
      (e: unknown) => {
        this.inFlight = false;
        const code = (e as { code?: unknown } | undefined)?.code;
        this.failure = Object.assign(
          new Error(`fsync of the write-ahead log failed, writes refused until restart: ${e instanceof Error ? e.message : String(e)}`, { cause: e }),
          typeof code === 'string' ? { code } : {},
        );
        this.fail(covered, this.failure);
        const rest = this.waiting;
        this.waiting = [];
        if (rest.length > 0) this.fail(rest, this.failure);
        this.kick();
      },
    );
  }
}
