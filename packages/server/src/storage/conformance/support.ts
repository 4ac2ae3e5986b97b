/** Shared helpers of the storage conformance suites. */
import { test } from 'node:test';
import type { Doc, EntityStore, NewDoc } from '../entity-store.js';
import type { Query, QueryResult } from '../../query/ir.js';

export interface EntityStoreConformanceOptions {
  /**
   * Tests this adapter skips, by exact test title, each with the reason (STYLE habit 9:
   * a skip needs a written reason, shown in the test report).
   */
  skip?: Readonly<Record<string, string>>;
  /**
   * Closes `store` and opens the same data again (restart). Without it the durability
   * tests are skipped with a reason.
   */
  reopen?: (store: EntityStore) => Promise<EntityStore>;
}

/** A store factory plus the suite options, passed to every part of the suite. */
export interface SuiteCtx {
  make: () => Promise<EntityStore>;
  opts: EntityStoreConformanceOptions;
}

/** Registers a test unless the adapter declared a skip for it. */
export function it(ctx: { opts: { skip?: Readonly<Record<string, string>> } }, title: string, fn: () => Promise<void>): void {
  const reason = ctx.opts.skip?.[title];
  if (reason !== undefined) test(title, { skip: reason }, () => undefined);
  else test(title, fn);
}

/** Runs `fn` with a fresh store and closes it afterwards. */
export async function withStore<T>(ctx: SuiteCtx, fn: (s: EntityStore) => Promise<T>): Promise<T> {
  const s = await ctx.make();
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

let clock = Date.UTC(2024, 0, 1);

/** A valid new document of `type` with a fresh id; `fields` override anything. */
export function newDoc(s: EntityStore, type: string, fields: Record<string, unknown> = {}): NewDoc {
  return { _id: s.newId(), _type: type, _createdAt: ++clock, _createdBy: 'conformance@test', _orgs: ['org-1'], _parents: {}, ...fields };
}

/** Whether an error carries the stable `type` (e.g. `ConflictError`). */
export const errType =
  (type: string) =>
  (e: unknown): boolean =>
    typeof e === 'object' && e !== null && (e as { type?: unknown }).type === type;

export async function rows(s: EntityStore, q: Omit<Query, 'output'>, from = 0, to = 100_000): Promise<Doc[]> {
  const r: QueryResult = await s.query({ ...q, output: { kind: 'rows', from, to } });
  if (r.kind !== 'rows') throw new Error(`expected rows, got ${r.kind}`);
  return r.rows;
}

export async function count(s: EntityStore, q: Omit<Query, 'output'>): Promise<number> {
  const r = await s.query({ ...q, output: { kind: 'count' } });
  if (r.kind !== 'count') throw new Error(`expected a count, got ${r.kind}`);
  return r.count;
}

/** Inserts many documents in batches of 200. */
export async function insertAll(s: EntityStore, docs: readonly NewDoc[]): Promise<Doc[]> {
  const out: Doc[] = [];
  for (let i = 0; i < docs.length; i += 200) {
    const res = await s.batch(docs.slice(i, i + 200).map((doc) => ({ op: 'insert' as const, doc })));
    for (const r of res) if (typeof r === 'object') out.push(r);
  }
  return out;
}
