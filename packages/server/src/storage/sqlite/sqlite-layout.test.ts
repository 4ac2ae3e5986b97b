/**
 * The SQLite layout's own machinery, which the conformance suite cannot see with its small
 * data sets: the bounded sort-index walk of page queries (run here with a window of a few rows,
 * so almost every sorted page goes through it and its fallback), the `v_org` visibility column
 * (documents with one organisation, several, restrictions), and the migration from the first
 * layout (documents in `e_<type>` with VIRTUAL generated columns).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runEntityStoreConformance } from '../conformance/entity-store.conformance.js';
import type { NewDoc } from '../entity-store.js';
import { q, type Query } from '../../query/ir.js';
import { SqliteEntityStore } from './sqlite-entity-store.js';
import { soleOrg } from './schema.js';
import { estimateRows } from './compile.js';

const dir = mkdtempSync(join(tmpdir(), 'waggle-sqlite-layout-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function open(path = join(dir, `db-${++n}.sqlite`), sortWindowRows?: number): Promise<SqliteEntityStore> {
  const s = new SqliteEntityStore({ path, synchronous: 'NORMAL', ...(sortWindowRows ? { sortWindowRows } : {}) });
  await s.init();
  return s;
}

// every query of the conformance suite again, with sorted pages found through a 3-row window
runEntityStoreConformance('sqlite, sort window of 3 rows', () => open(undefined, 3));

const ids = (r: Awaited<ReturnType<SqliteEntityStore['query']>>): string[] => (r.kind === 'rows' ? r.rows.map((d) => d._id) : []);

function caseDoc(s: SqliteEntityStore, i: number, extra: Partial<NewDoc> = {}): NewDoc {
  return {
    _id: s.newId(),
    _type: 'case',
    _createdAt: 1_000 + (i % 37) * 10,
    _createdBy: 'u',
    _orgs: [i % 3 === 0 ? 'o2' : 'o1'],
    _parents: {},
    title: `case ${i}`,
    severity: (i % 4) + 1,
    status: i % 5 === 0 ? 'New' : 'Closed',
    flag: i % 7 === 0,
    number: i,
    ...(i % 11 === 0 ? {} : { assignee: `user${i % 4}` }),
    ...(i % 13 === 0 ? {} : { startDate: 5_000 + (i % 23) * 7 }),
    ...extra,
  };
}

describe('bounded sort-index walk', () => {
  test('pages equal the unbounded query for every window size, sort, filter and offset', async () => {
    const plain = await open();
    const docs: NewDoc[] = [];
    for (let i = 0; i < 300; i++) docs.push(caseDoc(plain, i));
    await plain.batch(docs.map((doc) => ({ op: 'insert', doc })));
    const path = join(dir, `db-${n}.sqlite`);
    await plain.close();
    const reference = await open(path, 1_000_000); // the window holds every row: never bounded
    const filters = [q.true(), q.eq('status', 'New'), q.eq('severity', 2), q.eq('assignee', 'user1'), q.eq('title', 'case 17'), q.visible(['o2'])];
    const sorts: Query['sort'][] = [
      [],
      [{ field: 'severity', dir: 'desc' }],
      [
        { field: 'severity', dir: 'asc' },
        { field: 'number', dir: 'desc' },
      ],
      [
        { field: 'flag', dir: 'desc' },
        { field: '_createdAt', dir: 'desc' },
      ],
      [
        { field: 'flag', dir: 'desc' },
        { field: 'startDate', dir: 'desc' },
      ],
      [
        { field: 'flag', dir: 'desc' },
        { field: 'startDate', dir: 'desc' },
        { field: 'title', dir: 'asc' },
      ],
      [
        { field: 'flag', dir: 'asc' },
        { field: 'startDate', dir: 'asc' },
      ],
      [{ field: 'assignee', dir: 'asc' }],
      [{ field: 'assignee', dir: 'desc' }],
      [{ field: '_createdAt', dir: 'asc' }],
    ];
    try {
      for (const w of [1, 2, 5, 40, 299, 300, 301]) {
        const s = await open(path, w);
        try {
          for (const where of filters) {
            for (const sort of sorts) {
              for (const [from, to] of [
                [0, 15],
                [15, 30],
                [290, 310],
                [0, 1],
              ] as const) {
                const query: Query = { entity: 'case', where, sort, output: { kind: 'rows', from, to } };
                assert.deepEqual(ids(await s.query(query)), ids(await reference.query(query)), `window ${w}, ${JSON.stringify({ where, sort, from, to })}`);
              }
            }
          }
        } finally {
          await s.close();
        }
      }
    } finally {
      await reference.close();
    }
  });
});

describe('v_org visibility column', () => {
  test('soleOrg: one organisation and no restriction, else null', () => {
    const d = (x: Record<string, unknown>) => x;
    assert.equal(soleOrg(d({ _orgs: ['a'] })), 'a');
    assert.equal(soleOrg(d({ _orgs: ['a', 'a'] })), 'a');
    assert.equal(soleOrg(d({ _orgs: ['a', 'b'] })), null);
    assert.equal(soleOrg(d({ _orgs: [] })), null);
    assert.equal(soleOrg(d({ _orgs: ['a'], _restrictedTo: ['bob'] })), null);
    assert.equal(soleOrg(d({ _orgs: ['a'], _restrictedTo: [] })), 'a');
    assert.equal(soleOrg(d({ _orgs: ['*'] })), '*');
  });

  test('shared, restricted and re-shared documents stay visible exactly to whom they should', async () => {
    const s = await open();
    try {
      const mk = (orgs: string[], extra: Record<string, unknown> = {}): NewDoc => ({
        _id: s.newId(),
        _type: 'case',
        _createdAt: 1,
        _createdBy: 'u',
        _orgs: orgs,
        _parents: {},
        ...extra,
      });
      const solo = await s.insert(mk(['a']));
      const shared = await s.insert(mk(['a', 'b']));
      const restricted = await s.insert(mk(['a'], { _restrictedTo: ['alice'] }));
      const everyone = await s.insert(mk(['*']));
      const seen = async (orgs: string[], principals?: string[]) =>
        ids(
          await s.query({
            entity: 'case',
            where: q.visible(orgs, principals),
            sort: [
              { field: '_createdAt', dir: 'asc' },
              { field: '_id', dir: 'asc' },
            ],
            output: { kind: 'rows', from: 0, to: 100 },
          }),
        ).sort();
      assert.deepEqual(await seen(['a']), [solo._id, shared._id, restricted._id, everyone._id].sort());
      assert.deepEqual(await seen(['b']), [shared._id, everyone._id].sort());
      assert.deepEqual(await seen(['a'], ['bob']), [solo._id, shared._id, everyone._id].sort());
      assert.deepEqual(await seen(['a'], ['alice']), [solo._id, shared._id, restricted._id, everyone._id].sort());
      assert.deepEqual(await seen(['c'], []), [everyone._id]);
      // sharing and unsharing move a document between the column and the side table
      await s.update('case', solo._id, { _orgs: ['a', 'c'] }, 'u');
      await s.update('case', shared._id, { _orgs: ['b'] }, 'u');
      await s.update('case', restricted._id, { _restrictedTo: null }, 'u');
      assert.deepEqual(await seen(['c']), [solo._id, everyone._id].sort());
      assert.deepEqual(await seen(['a'], ['bob']), [solo._id, restricted._id, everyone._id].sort());
      assert.deepEqual(await seen(['b']), [shared._id, everyone._id].sort());
      assert.equal((await s.query({ entity: 'case', where: q.visible(['a'], ['bob']), sort: [], output: { kind: 'count' } })).kind === 'count' ? 3 : 0, 3);
    } finally {
      await s.close();
    }
  });
});

describe('migration from the first layout', () => {
  test('documents in e_<type> with VIRTUAL columns move to d_<type>, with typed columns and the same answers', async () => {
    const path = join(dir, 'v1.sqlite');
    const raw = new Database(path);
    raw.exec(`CREATE TABLE "e_case" (_id TEXT PRIMARY KEY NOT NULL, _version INTEGER NOT NULL, doc TEXT NOT NULL);
      ALTER TABLE "e_case" ADD COLUMN "f_status" GENERATED ALWAYS AS (json_extract(doc, '$."status"')) VIRTUAL;
      CREATE INDEX "i_case_status" ON "e_case" ("f_status");
      CREATE TABLE "m_case" (f TEXT NOT NULL, v, id TEXT NOT NULL, PRIMARY KEY (f, v, id)) WITHOUT ROWID;
      CREATE INDEX "i_m_case_id" ON "m_case" (id);`);
    const put = raw.prepare('INSERT INTO "e_case" (_id, _version, doc) VALUES (?, ?, ?)');
    const mv = raw.prepare(`INSERT INTO "m_case" (f, v, id) VALUES ('_orgs', ?, ?)`);
    const docs: Array<{ _id: string; _orgs: string[]; status: string; flag: boolean; severity: number }> = [];
    for (let i = 0; i < 2500; i++) {
      const d = {
        _id: `~${10_000 + i}`,
        _type: 'case',
        _createdAt: i,
        _createdBy: 'u',
        _orgs: [i % 2 ? 'a' : 'b'],
        _parents: {},
        status: i % 3 ? 'Closed' : 'New',
        severity: i % 4,
        flag: i % 5 === 0,
        title: `t${i}`,
      };
      docs.push(d);
      put.run(d._id, 1 + (i % 2), JSON.stringify(d));
      mv.run(d._orgs[0], d._id);
    }
    raw.close();
    const s = await open(path);
    try {
      const got = await s.get('case', '~10007');
      assert.equal(got?._version, 2);
      assert.equal(got?.title, 't7');
      const r = await s.query({
        entity: 'case',
        where: q.and(q.visible(['a']), q.eq('status', 'New')),
        sort: [
          { field: 'flag', dir: 'desc' },
          { field: 'severity', dir: 'asc' },
        ],
        output: { kind: 'rows', from: 0, to: 5 },
      });
      const expected = docs
        .filter((d) => d._orgs[0] === 'a' && d.status === 'New')
        .sort((x, y) => Number(y.flag) - Number(x.flag) || Number(x.severity) - Number(y.severity) || (x._id < y._id ? 1 : -1))
        .slice(0, 5)
        .map((d) => d._id);
      assert.deepEqual(ids(r), expected);
      await s.update('case', '~10007', { status: 'New' }, 'u');
      assert.equal((await s.query({ entity: 'case', where: q.eq('status', 'New'), sort: [], output: { kind: 'count' } })).kind === 'count', true);
    } finally {
      await s.close();
    }
    const check = new Database(path, { readonly: true });
    const cols = (check.prepare(`SELECT name FROM pragma_table_xinfo('e_case')`).all() as Array<{ name: string }>).map((c) => c.name);
    assert.ok(!cols.includes('doc') && cols.includes('f_status') && cols.includes('v_org'), cols.join());
    assert.equal((check.prepare('SELECT count(*) AS n FROM "d_case"').get() as { n: number }).n, 2500);
    assert.equal((check.prepare(`SELECT typeof(f_flag) AS t FROM "e_case" WHERE _id = '~10000'`).get() as { t: string }).t, 'integer');
    check.close();
  });
});

describe('row estimates that skip the sort-index walk', () => {
  test('the best conjunct of equality, IN, ids, parent ids and parent traversals, from rows per key', () => {
    const stats: Record<string, number> = { i_observable_data: 2, i_observable_p_case: 10, i_case_status: 14_000, i_observable_dataType: 90_000 };
    const avg = (i: string) => stats[i];
    const vis = q.visible(['o']);
    assert.equal(estimateRows('observable', q.and(vis, q.eq('data', 'x')), avg), 2);
    assert.equal(estimateRows('observable', q.and(vis, q.in('data', ['x', 'y', 'z']), q.eq('dataType', 'ip')), avg), 6);
    assert.equal(estimateRows('observable', q.and(vis, q.parentId('case', '~1', '~2')), avg), 20);
    assert.equal(
      estimateRows('observable', q.and(vis, { kind: 'parent', relation: 'case', parentType: 'case', where: q.and(vis, q.in('_id', ['~1'])) }), avg),
      10,
    );
    assert.equal(estimateRows('case', q.and(vis, q.eq('status', 'New')), avg), 14_000);
    assert.equal(estimateRows('case', q.and(vis, q.eq('title', 'x')), avg), undefined); // no statistics for that index
    assert.equal(estimateRows('case', q.or(q.eq('status', 'New'), q.eq('status', 'Closed')), avg), undefined); // only conjuncts count
    assert.equal(estimateRows('case', { kind: 'false' }, avg), 0);
  });
});

describe('partial indexes of sparse columns (parent relations, observable attachmentHash)', () => {
  const obs = (s: SqliteEntityStore, i: number): NewDoc => ({
    _id: s.newId(),
    _type: 'observable',
    _createdAt: 1_000 + i,
    _createdBy: 'u',
    _orgs: ['o1'],
    _parents: i % 2 ? { alert: `~a${i % 5}` } : { case: `~c${i % 3}` },
    dataType: i % 4 === 0 ? 'file' : 'ip',
    ...(i % 4 === 0 ? { attachmentHash: `h${i % 6}` } : { data: `10.0.0.${i}` }),
    ioc: false,
  });

  const oq = (where: Query['where'], output: Query['output'], sort: Query['sort'] = []): Query => ({ entity: 'observable', where, sort, output });

  test('a full index of an older database becomes partial at start; filters use it and give the same answers; sorts still work', async () => {
    const path = join(dir, 'partial.sqlite');
    let s = await open(path);
    const raw0 = new Database(path);
    // the older layout: full indexes
    raw0.exec(`DROP INDEX "i_observable_attachmentHash"; CREATE INDEX "i_observable_attachmentHash" ON "e_observable" ("f_attachmentHash");
      DROP INDEX "i_observable_p_case"; CREATE INDEX "i_observable_p_case" ON "e_observable" ("p_case")`);
    raw0.close();
    const docs = Array.from({ length: 60 }, (_x, i) => obs(s, i));
    await s.batch(docs.map((doc) => ({ op: 'insert', doc })));
    await s.close();

    s = await open(path, 3);
    const raw = new Database(path, { readonly: true });
    const sqlOf = (name: string): string => (raw.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).get(name) as { sql: string }).sql;
    assert.match(sqlOf('i_observable_attachmentHash'), /WHERE "f_attachmentHash" IS NOT NULL$/);
    assert.match(sqlOf('i_observable_p_case'), /WHERE "p_case" IS NOT NULL$/);
    assert.match(sqlOf('i_observable_p_alert'), /WHERE "p_alert" IS NOT NULL$/);
    assert.match(sqlOf('i_observable_data'), /\("f_data"\)$/, 'dense fields keep a full index');
    // only the rows with a value are in the index
    const entries = (
      raw.prepare(`SELECT count(*) AS n FROM "e_observable" INDEXED BY "i_observable_attachmentHash" WHERE "f_attachmentHash" IS NOT NULL`).get() as {
        n: number;
      }
    ).n;
    assert.equal(entries, 15);
    const plan = s.explain(oq(q.in('attachmentHash', ['h0', 'h2']), { kind: 'rows', from: 0, to: 100 })).join('\n');
    assert.match(plan, /i_observable_attachmentHash/);
    const parentPlan = s.explain(oq(q.parentId('case', '~c1'), { kind: 'rows', from: 0, to: 100 })).join('\n');
    assert.match(parentPlan, /i_observable_p_case/);
    raw.close();

    const byHash = ids(await s.query(oq(q.in('attachmentHash', ['h0', 'h2']), { kind: 'rows', from: 0, to: 100 })));
    assert.deepEqual(
      byHash.sort(),
      docs
        .filter((d) => d.attachmentHash === 'h0' || d.attachmentHash === 'h2')
        .map((d) => d._id)
        .sort(),
    );
    const inCase = ids(await s.query(oq(q.parentId('case', '~c1'), { kind: 'rows', from: 0, to: 100 })));
    assert.deepEqual(
      inCase.sort(),
      docs
        .filter((d) => d._parents.case === '~c1')
        .map((d) => d._id)
        .sort(),
    );
    const noHash = await s.query(oq(q.eq('attachmentHash', null), { kind: 'count' }));
    assert.deepEqual(noHash, { kind: 'count', count: 45 });
    // a sorted page on the sparse field (a 3-row window would walk its index, which lacks 45 rows)
    const sorted = ids(await s.query(oq(q.true(), { kind: 'rows', from: 0, to: 60 }, [{ field: 'attachmentHash', dir: 'asc' }])));
    assert.equal(sorted.length, 60);
    await s.close();
  });
});

describe('page size', () => {
  test('a new database gets 2 kB pages; an existing database keeps its page size and stays usable', async () => {
    const fresh = join(dir, 'page-new.sqlite');
    const s = await open(fresh);
    await s.insert(caseDoc(s, 1));
    await s.close();
    const a = new Database(fresh, { readonly: true });
    assert.equal(a.pragma('page_size', { simple: true }), 2048);
    a.close();

    const older = join(dir, 'page-old.sqlite');
    const raw = new Database(older);
    raw.pragma('page_size = 4096');
    raw.exec('CREATE TABLE meta (k TEXT PRIMARY KEY, v ANY) WITHOUT ROWID');
    raw.close();
    const o = await open(older);
    const doc = await o.insert(caseDoc(o, 2));
    assert.equal((await o.get('case', doc._id))?.title, 'case 2');
    await o.close();
    const b = new Database(older, { readonly: true });
    assert.equal(b.pragma('page_size', { simple: true }), 4096);
    b.close();
  });
});
