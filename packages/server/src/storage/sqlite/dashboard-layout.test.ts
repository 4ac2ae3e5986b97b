/**
 * The parts of the SQLite layout that serve dashboards (issue 6), which the conformance suite
 * cannot see: side-table rows keyed by their document's organisation and creation date (and
 * their migration from the older (f, v, id) side tables), covering indexes that the
 * registry no longer lists being dropped at start, and the plans of the observable widgets.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEntityStore } from './sqlite-entity-store.js';
import { runAggregations } from './compile-aggs.js';
import { q, type Agg, type Expr } from '../../query/ir.js';
import type { NewDoc } from '../entity-store.js';

const dir = mkdtempSync(join(tmpdir(), 'waggle-sqlite-dash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function open(path: string): Promise<SqliteEntityStore> {
  const s = new SqliteEntityStore({ path, synchronous: 'NORMAL' });
  await s.init();
  return s;
}

const indexes = (path: string): string[] => {
  const raw = new Database(path, { readonly: true });
  try {
    return (raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'e_case'`).all() as Array<{ name: string }>).map((r) => r.name);
  } finally {
    raw.close();
  }
};

test('side-table rows carry the organisation (or "" when shared) and creation date; old side tables are rebuilt with them', async () => {
  const path = join(dir, 'mv.sqlite');
  let s = await open(path);
  const one = await s.insert({ _id: s.newId(), _type: 'case', _createdAt: 1_700_000_000_123, _createdBy: 't', _orgs: ['oa'], _parents: {}, tags: ['x', 'y'] });
  const shared = await s.insert({
    _id: s.newId(),
    _type: 'case',
    _createdAt: 1_700_000_000_456,
    _createdBy: 't',
    _orgs: ['oa', 'ob'],
    _parents: {},
    tags: ['x'],
  });
  await s.update('case', one._id, { _orgs: ['oa', 'ob'] }, 't');
  await s.close();
  const rows = (): Array<Record<string, unknown>> => {
    const raw = new Database(path, { readonly: true });
    try {
      return raw.prepare(`SELECT f, v, o, d, id FROM m_case WHERE f = 'tags' ORDER BY id, v`).all() as Array<Record<string, unknown>>;
    } finally {
      raw.close();
    }
  };
  const expected = [
    { f: 'tags', v: 'x', o: '', d: 1_700_000_000_123, id: one._id },
    { f: 'tags', v: 'y', o: '', d: 1_700_000_000_123, id: one._id },
    { f: 'tags', v: 'x', o: '', d: 1_700_000_000_456, id: shared._id },
  ].sort((a, b) => (a.id + a.v < b.id + b.v ? -1 : 1));
  assert.deepEqual(rows(), expected);
  // back to one organisation: `o` follows
  s = await open(path);
  await s.update('case', one._id, { _orgs: ['ob'] }, 't');
  await s.close();
  assert.deepEqual(
    rows().filter((r) => r.id === one._id),
    [
      { f: 'tags', v: 'x', o: 'ob', d: 1_700_000_000_123, id: one._id },
      { f: 'tags', v: 'y', o: 'ob', d: 1_700_000_000_123, id: one._id },
    ],
  );
  // a side table of the older layout is rebuilt from the documents at start
  const raw = new Database(path);
  raw.exec(
    `DROP TABLE m_case; CREATE TABLE m_case (f TEXT NOT NULL, v, id TEXT NOT NULL, PRIMARY KEY (f, v, id)) WITHOUT ROWID; CREATE INDEX i_m_case_id ON m_case (id);`,
  );
  raw.close();
  s = await open(path);
  await s.close();
  assert.deepEqual(
    rows().find((r) => r.id === shared._id),
    { f: 'tags', v: 'x', o: '', d: 1_700_000_000_456, id: shared._id },
  );
  assert.equal(rows().length, 3);
});

test('a covering index the registry no longer lists is dropped at start; the current ones exist', async () => {
  const path = join(dir, 'cov.sqlite');
  let s = await open(path);
  await s.close();
  const raw = new Database(path);
  raw.exec(`CREATE INDEX "i_case_cov_status__createdAt_stage" ON e_case (f_status, f__createdAt, f_stage, v_org, _id)`);
  raw.exec(`CREATE INDEX "i_case_by_hand" ON e_case (f_status)`);
  raw.close();
  s = await open(path);
  await s.close();
  const names = indexes(path);
  assert.ok(!names.includes('i_case_cov_status__createdAt_stage'), names.join(', '));
  assert.ok(names.includes('i_case_cov_status__createdAt_stage_impactStatus'), names.join(', '));
  assert.ok(names.includes('i_case_by_hand'), 'indexes that are not covering indexes are left alone');
});

test("the observable widgets over a period read the covering index only (EXPLAIN QUERY PLAN), with the documents' answers", async () => {
  const path = join(dir, 'obs-widgets.sqlite');
  const s = await open(path);
  const TYPES = ['ip', 'domain', 'hash', 'url', 'mail'];
  const docs: NewDoc[] = Array.from({ length: 4_000 }, (_x, i) => ({
    _id: s.newId(),
    _type: 'observable',
    _createdAt: 1_000_000 + i * 1_000,
    _createdBy: 'u',
    _orgs: [i % 10 === 0 ? 'o2' : 'o1'],
    _parents: { case: `~c${i % 300}` },
    dataType: TYPES[i % TYPES.length],
    data: `v${i}`,
    ioc: i % 7 === 0,
    sighted: i % 10 === 3,
  }));
  for (let i = 0; i < docs.length; i += 1_000) await s.batch(docs.slice(i, i + 1_000).map((doc) => ({ op: 'insert' as const, doc })));
  s.analyze();
  const raw = new Database(path, { readonly: true });
  try {
    const [from, to] = [1_000_000 + 1_000 * 1_000, 1_000_000 + 3_000 * 1_000];
    const period: Expr = q.and(q.visible(['o1']), { kind: 'between', field: '_createdAt', from, to });
    const inPeriod = docs.filter((d) => d._orgs[0] === 'o1' && Number(d._createdAt) >= from && Number(d._createdAt) < to);
    const terms = (field: string): Agg => ({ kind: 'terms', name: field, field, size: 20, order: 'key', dir: 'asc', aggs: [] });
    const widgets: Array<[string, Expr, Agg, (d: NewDoc) => unknown]> = [
      ['by type', period, terms('dataType'), (d) => d.dataType],
      ['IOC', period, terms('ioc'), (d) => d.ioc],
      ['sighted', period, terms('sighted'), (d) => d.sighted],
      ['sighted IOCs', q.and(period, q.eq('ioc', true), q.eq('sighted', true)), { kind: 'count', name: 'n' }, () => undefined],
    ];
    for (const [name, where, agg, key] of widgets) {
      const plans: string[] = [];
      const result = runAggregations({ entity: 'observable', where }, [agg], (sql, params) => {
        plans.push(...(raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail));
        return raw.prepare(sql).all(...params) as Array<Record<string, unknown>>;
      });
      const plan = plans.join('\n');
      assert.match(
        plan,
        /SEARCH t0 USING COVERING INDEX i_observable_cov__createdAt_dataType_ioc_sighted \(f__createdAt>\? AND f__createdAt<\?\)/,
        `${name}: ${plan}`,
      );
      if (agg.kind === 'count') {
        assert.equal(result.n, inPeriod.filter((d) => d.ioc === true && d.sighted === true).length, name);
      } else {
        const counts = new Map<unknown, number>();
        for (const d of inPeriod) counts.set(key(d), (counts.get(key(d)) ?? 0) + 1);
        const got = (result[agg.name] as { buckets: Array<{ key: unknown; count: number }> }).buckets.map((b) => [b.key, b.count]);
        assert.deepEqual(new Map(got as Array<[unknown, number]>), counts, name);
      }
    }
  } finally {
    raw.close();
    await s.close();
  }
});
