/**
 * The client load of the fault suite (issue 7, done-when 3): workers writing continuously through
 * HAProxy (cases, alerts with observables, case attachments) and reading (cases and alerts by id,
 * attachment bytes, first pages of the case and alert lists). What each write acknowledged with a
 * 2xx is kept, to be read back afterwards; attempts and failures are tallied per stage.
 */
import { createHash, randomBytes } from 'node:crypto';
import { api, type Answer } from './full-topology.js';

export type Kind = 'write' | 'read' | 'list' | 'file';
const KINDS: readonly Kind[] = ['write', 'read', 'list', 'file'];

/** Attempts and failures of one stage, with the failing statuses (0: no answer). */
export class Tally {
  readonly attempted: Record<Kind, number> = { write: 0, read: 0, list: 0, file: 0 };
  readonly failed: Record<Kind, number> = { write: 0, read: 0, list: 0, file: 0 };
  readonly statuses = new Map<string, number>();
  /** Error bodies seen on failed list queries (what a client is told), by status. */
  readonly listErrors = new Map<number, string>();

  record(kind: Kind, r: Answer, ok: boolean): void {
    this.attempted[kind]++;
    if (ok) return;
    this.failed[kind]++;
    const key = `${kind} ${r.status}`;
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
    if (kind === 'list' && !this.listErrors.has(r.status)) this.listErrors.set(r.status, r.text.slice(0, 300));
  }

  /** One line: failed/attempted per kind, then the failing statuses. */
  summary(): string {
    const pct = (f: number, a: number): string => (a ? `${((100 * f) / a).toFixed(1)}%` : '-');
    const parts = KINDS.map((k) => `${k}s ${this.failed[k]}/${this.attempted[k]} failed (${pct(this.failed[k], this.attempted[k])})`);
    const statuses = [...this.statuses].map(([k, n]) => `${k} x${n}`).join(', ');
    return `${parts.join('; ')}${statuses ? `; failures: ${statuses}` : ''}`;
  }
}

export interface AckedFile {
  caseId: string;
  id: string;
  sha256: string;
  size: number;
  /** When it was acknowledged (ms since the epoch). */
  at: number;
}

const sha = (b: Buffer | Uint8Array): string => createHash('sha256').update(b).digest('hex');

export class FaultLoad {
  readonly cases = new Map<string, string>();
  readonly alerts = new Map<string, { title: string; observables: number }>();
  readonly files: AckedFile[] = [];
  tally = new Tally();
  private running = false;
  private workers: Promise<void>[] = [];
  private n = 0;

  constructor(
    private readonly url: string,
    private readonly auth: string,
    private readonly concurrency = 4,
  ) {}

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: this.concurrency }, () => this.work());
  }

  /** Stops the workers once their current request is answered. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /** Swaps in a fresh tally (a new stage) and returns the previous one. */
  nextStage(): Tally {
    const t = this.tally;
    this.tally = new Tally();
    return t;
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length ? items[Math.floor(Math.random() * items.length)] : undefined;
  }

  private async work(): Promise<void> {
    while (this.running) {
      const i = this.n++;
      switch (i % 8) {
        case 0:
          await this.createCase(i);
          break;
        case 1:
        case 5:
          await this.createAlert(i);
          break;
        case 2:
          await this.attach(i);
          break;
        case 3:
          await this.readCase();
          break;
        case 4:
          await this.readAlert();
          break;
        case 6:
          await this.list(i);
          break;
        default:
          await this.readFile();
      }
    }
  }

  private call(method: string, path: string, body?: unknown): Promise<Answer> {
    return api(this.url, this.auth, method, path, body, 20_000);
  }

  private async createCase(i: number): Promise<void> {
    const title = `fault case ${i}`;
    const r = await this.call('POST', '/api/v1/case', { title, description: 'written under the fault load', tags: ['fault'] });
    const ok = r.status === 201 && typeof r.json._id === 'string';
    this.tally.record('write', r, ok);
    if (ok) this.cases.set(String(r.json._id), title);
  }

  private async createAlert(i: number): Promise<void> {
    const title = `fault alert ${i}`;
    const ref = `fault-${i}-${randomBytes(3).toString('hex')}`;
    const observables = [
      { dataType: 'ip', data: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      { dataType: 'domain', data: `${ref}.example.org` },
      { dataType: 'other', data: `shared-${i % 7}` },
    ];
    const r = await this.call('POST', '/api/v1/alert', { type: 'fault', source: 'load', sourceRef: ref, title, description: 'fault load', observables });
    const ok = r.status === 201 && typeof r.json._id === 'string';
    this.tally.record('write', r, ok);
    if (ok) this.alerts.set(String(r.json._id), { title, observables: observables.length });
  }

  private async attach(i: number): Promise<void> {
    const caseId = this.pick([...this.cases.keys()]);
    if (!caseId) return;
    const bytes = randomBytes(1000 + ((i * 7919) % 60_000));
    const form = new FormData();
    form.append('attachments', new Blob([bytes]), `evidence-${i}.bin`);
    let r: Answer;
    try {
      const res = await fetch(`${this.url}/api/v1/case/${caseId}/attachments`, {
        method: 'POST',
        headers: { authorization: this.auth },
        body: form,
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      r = { status: res.status, node: res.headers.get('x-waggle-node') ?? '?', text, json: safeJson(text) };
    } catch (e) {
      r = { status: 0, node: '?', text: String((e as Error)?.message ?? e), json: {} };
    }
    const doc = (r.json.attachments as Array<{ _id?: string }> | undefined)?.[0];
    const ok = r.status === 201 && typeof doc?._id === 'string';
    this.tally.record('write', r, ok);
    if (ok) this.files.push({ caseId, id: doc._id!, sha256: sha(bytes), size: bytes.length, at: Date.now() });
  }

  private async readCase(): Promise<void> {
    const id = this.pick([...this.cases.keys()]);
    if (!id) return;
    const r = await this.call('GET', `/api/v1/case/${id}`);
    this.tally.record('read', r, r.status === 200 && r.json.title === this.cases.get(id));
  }

  private async readAlert(): Promise<void> {
    const id = this.pick([...this.alerts.keys()]);
    if (!id) return;
    const r = await this.call('GET', `/api/v1/alert/${id}`);
    this.tally.record('read', r, r.status === 200 && r.json.title === this.alerts.get(id)?.title);
  }

  private async readFile(): Promise<void> {
    const f = this.pick(this.files);
    if (!f) return;
    const r = await downloadFile(this.url, this.auth, f);
    this.tally.record('file', r.answer, r.ok);
  }

  private async list(i: number): Promise<void> {
    const source = i % 16 < 8 ? 'listCase' : 'listAlert';
    const r = await this.call('POST', '/api/v1/query', {
      query: [{ _name: source }, { _name: 'sort', _fields: [{ _createdAt: 'desc' }] }, { _name: 'page', from: 0, to: 15 }],
    });
    this.tally.record('list', r, r.status === 200 && r.text.startsWith('['));
  }
}

function safeJson(text: string): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Downloads an acknowledged attachment through `url`; ok when its bytes are the ones written. */
export async function downloadFile(url: string, auth: string, f: AckedFile): Promise<{ ok: boolean; answer: Answer }> {
  try {
    const res = await fetch(`${url}/api/v1/case/${f.caseId}/attachment/${f.id}/download`, {
      headers: { authorization: auth },
      signal: AbortSignal.timeout(20_000),
    });
    const body = Buffer.from(await res.arrayBuffer());
    const answer: Answer = { status: res.status, node: res.headers.get('x-waggle-node') ?? '?', json: {}, text: res.ok ? '' : body.toString('utf8') };
    return { ok: res.status === 200 && body.length === f.size && sha(body) === f.sha256, answer };
  } catch (e) {
    return { ok: false, answer: { status: 0, node: '?', json: {}, text: String((e as Error)?.message ?? e) } };
  }
}
