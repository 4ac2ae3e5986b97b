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
import { lookupToken, soleOrg, COVERING_INDEXES, OWN_INDEX_LEFT_OUT, entityIndexes, changedIndexes } from './schema.js';
import { compileQuery, estimateRows, sortWindow } from './compile.js';
import { entityDef } from '../../entities/registry.js';

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
    const stats: Record<string, number> = { i_observable_p_case: 10, i_case_status: 14_000, i_observable_dataType: 90_000 };
    const avg = (i: string) => stats[i];
    const vis = q.visible(['o']);
    // observable data is a lookup field (schema.ts LOOKUP_FIELDS): no statistics, 4 rows per value assumed
    assert.equal(estimateRows('observable', q.and(vis, q.eq('data', 'x')), avg), 4);
    assert.equal(estimateRows('observable', q.and(vis, q.in('data', ['x', 'y', 'z']), q.eq('dataType', 'ip')), avg), 12);
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

describe('lookup tables (observable data)', () => {
  const obs = (s: SqliteEntityStore, i: number, data: string): NewDoc => ({
    _id: s.newId(),
    _type: 'observable',
    _createdAt: 1_000 + i,
    _createdBy: 'u',
    _orgs: ['o1'],
    _parents: { alert: `~a${i % 3}` },
    dataType: 'domain',
    data,
  });
  const oq = (where: Query['where']): Query => ({ entity: 'observable', where, sort: [], output: { kind: 'rows', from: 0, to: 1000 } });
  const datas = (r: Awaited<ReturnType<SqliteEntityStore['query']>>): string[] => (r.kind === 'rows' ? r.rows.map((d) => String(d.data)).sort() : []);

  test('tokens are stable, distinct for distinct values, and FTS5 bare words', () => {
    // part of the file format: stored tokens must keep matching (changing it needs a rebuild of the lookup tables)
    assert.equal(lookupToken('example.com'), 'hd4b697e72903dd3f');
    assert.equal(lookupToken(''), lookupToken(''));
    assert.notEqual(lookupToken('example.com'), lookupToken('example.con'));
    assert.notEqual(lookupToken('a'), lookupToken('A'));
    for (const v of ['', 'x', 'ünïcödé', 'a b "c" OR d*', 'x'.repeat(10_000)]) assert.match(lookupToken(v), /^h[0-9a-f]{16}$/);
  });

  test('equality and IN find values through the lookup table, after inserts, updates and deletes, with the reference answers', async () => {
    const s = await open();
    const docs = Array.from({ length: 40 }, (_x, i) => obs(s, i, i % 4 === 0 ? 'shared.example' : `host-${i}.example`));
    const stored = await s.batch(docs.map((doc) => ({ op: 'insert', doc })));
    assert.equal(stored.length, 40);
    assert.equal(datas(await s.query(oq(q.eq('data', 'shared.example')))).length, 10);
    assert.deepEqual(datas(await s.query(oq(q.in('data', ['host-1.example', 'host-2.example', 'nope'])))), ['host-1.example', 'host-2.example']);
    // a long IN list (one MATCH per token through json_each; an FTS5 OR query of 20,000 terms took 1.5 s)
    const many = [...Array.from({ length: 20_000 }, (_x, i) => `absent-${i}.example`), 'host-5.example', 'host-6.example'];
    assert.deepEqual(datas(await s.query(oq(q.in('data', many)))), ['host-5.example', 'host-6.example']);
    // an update of the value moves its token; a delete removes it
    await s.update('observable', docs[1]!._id, { data: 'moved.example' }, 'u');
    await s.delete('observable', docs[2]!._id);
    assert.deepEqual(datas(await s.query(oq(q.in('data', ['host-1.example', 'host-2.example', 'moved.example'])))), ['moved.example']);
    // combined with other filters, negations and a count
    assert.deepEqual(await s.query({ ...oq(q.and(q.parentId('alert', '~a0'), q.eq('data', 'shared.example'))), output: { kind: 'count' } }), {
      kind: 'count',
      count: 4,
    });
    assert.equal(datas(await s.query(oq(q.not(q.eq('data', 'shared.example'))))).length, 29);
    const plan = s.explain(oq(q.eq('data', 'shared.example'))).join('\n');
    assert.match(plan, /SCAN l\d+ VIRTUAL TABLE INDEX \d+:M/, plan);
    assert.doesNotMatch(plan, /^SCAN t0\b/m, plan);
    await s.close();
  });

  test('a token that collides (or is wrong) never makes a wrong answer: the column is compared too', async () => {
    const path = join(dir, 'lookup-collide.sqlite');
    const s = await open(path);
    const [d] = await s.batch([{ op: 'insert', doc: obs(s, 1, 'real.example') }]);
    const raw = new Database(path);
    const rid = (raw.prepare(`SELECT rid FROM e_observable WHERE _id = ?`).get((d as { _id: string })._id) as { rid: number }).rid;
    raw.prepare(`INSERT INTO x_observable_data (rowid, t) VALUES (?, ?)`).run(rid, lookupToken('other.example'));
    raw.close();
    assert.deepEqual(datas(await s.query(oq(q.eq('data', 'other.example')))), []);
    assert.deepEqual(datas(await s.query(oq(q.eq('data', 'real.example')))), ['real.example']);
    await s.close();
  });

  test('an older database with a b-tree index on data gets a filled lookup table at start, and the b-tree is dropped', async () => {
    const path = join(dir, 'lookup-migrate.sqlite');
    let s = await open(path);
    await s.batch(Array.from({ length: 30 }, (_x, i) => ({ op: 'insert' as const, doc: obs(s, i, `v${i % 10}.example`) })));
    await s.close();
    const raw0 = new Database(path);
    raw0.exec(`DROP TABLE x_observable_data; CREATE INDEX "i_observable_data" ON "e_observable" ("f_data")`);
    raw0.close();
    s = await open(path);
    const raw = new Database(path, { readonly: true });
    assert.equal(raw.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'i_observable_data'`).get(), undefined);
    assert.equal(
      (raw.prepare(`SELECT count(*) AS n FROM x_observable_data WHERE x_observable_data MATCH ?`).get(lookupToken('v3.example')) as { n: number }).n,
      3,
    );
    raw.close();
    assert.deepEqual(datas(await s.query(oq(q.in('data', ['v3.example', 'v4.example'])))), Array(3).fill('v3.example').concat(Array(3).fill('v4.example')));
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

describe('observable indexes: one covering index instead of single ones (OWN_INDEX_LEFT_OUT)', () => {
  const COV = 'i_observable_cov__createdAt_dataType_ioc_sighted';
  const TYPES = ['ip', 'domain', 'hash', 'url', 'mail', 'fqdn', 'filename', 'other'];
  const obs = (s: SqliteEntityStore, i: number): NewDoc => ({
    _id: s.newId(),
    _type: 'observable',
    _createdAt: 1_000_000 + i * 1_000,
    _createdBy: 'u',
    _orgs: [i % 10 === 0 ? 'o2' : 'o1'],
    _parents: i % 2 ? { alert: `~a${i % 200}` } : { case: `~c${i % 400}` },
    dataType: TYPES[i % TYPES.length],
    data: `v${i % 3_000}`,
    ioc: i % 7 === 0,
    sighted: i % 10 === 3,
  });
  const oq = (where: Query['where'], output: Query['output'], sort: Query['sort'] = []): Query => ({ entity: 'observable', where, sort, output });
  const vis = q.visible(['o1']);

  test('every field left out of single indexes is held by a covering index of its type', () => {
    for (const [type, fields] of Object.entries(OWN_INDEX_LEFT_OUT)) {
      for (const f of fields) {
        assert.ok(
          (COVERING_INDEXES[type] ?? []).some((c) => c.includes(f)),
          `${type}.${f}`,
        );
      }
      const ddl = entityIndexes(entityDef(type)).join('\n');
      for (const f of fields) assert.ok(!ddl.includes(`"i_${type}_${f}" ON`), `${type}.${f} has no index of its own`);
    }
  });

  test('older single indexes are dropped at start, the covering index is created, and the column values are those of the documents', async () => {
    const path = join(dir, 'obs-cov.sqlite');
    let s = await open(path);
    await s.batch(Array.from({ length: 50 }, (_x, i) => ({ op: 'insert' as const, doc: obs(s, i) })));
    await s.close();
    const raw0 = new Database(path);
    raw0.exec(`CREATE INDEX "i_observable_dataType" ON "e_observable" ("f_dataType"); CREATE INDEX "i_observable_ioc" ON "e_observable" ("f_ioc");
      CREATE INDEX "i_observable__createdAt" ON "e_observable" ("f__createdAt")`);
    const names0 = (
      raw0.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'e_observable'`).all() as Array<{
        name: string;
        sql: string | null;
      }>
    ).map((r) => [r.name, r.sql] as const);
    assert.deepEqual(changedIndexes(entityDef('observable'), new Map(names0)).sort(), ['i_observable__createdAt', 'i_observable_dataType', 'i_observable_ioc']);
    raw0.close();
    s = await open(path);
    await s.close();
    const raw = new Database(path, { readonly: true });
    try {
      const names = (raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'e_observable'`).all() as Array<{ name: string }>).map(
        (r) => r.name,
      );
      assert.deepEqual(
        names.filter((n) => n.startsWith('i_')).sort(),
        ['i_observable_attachmentHash', 'i_observable_p_alert', 'i_observable_p_case', 'i_observable_v_org', COV, 'i_observable_ioc_true'].sort(),
      );
      const sighted = (raw.prepare(`SELECT count(*) AS n FROM "e_observable" INDEXED BY "${COV}" WHERE "f_sighted" = 1`).get() as { n: number }).n;
      assert.equal(sighted, 5);
      // only the IOCs have an entry in the true-rows index
      const iocs = (raw.prepare(`SELECT count(*) AS n FROM "e_observable" INDEXED BY "i_observable_ioc_true" WHERE "f_ioc" = 1`).get() as { n: number }).n;
      assert.equal(iocs, 8);
      assert.match(
        (raw.prepare(`SELECT sql FROM sqlite_master WHERE name = 'i_observable_ioc_true'`).get() as { sql: string }).sql,
        /\("f__createdAt", "f_ioc", v_org, _id\) WHERE "f_ioc" = 1$/,
      );
    } finally {
      raw.close();
    }
  });

  describe('query shapes on observables use an index (EXPLAIN QUERY PLAN, with planner statistics)', () => {
    const path = join(dir, 'obs-shapes.sqlite');
    let s: SqliteEntityStore;
    let raw: Database.Database;
    let docs: NewDoc[];
    const plan = (sql: string, params: readonly unknown[]): string =>
      (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
    /** No full scan of the observable table: every SCAN of it goes through an index. */
    const noTableScan = (p: string): void => assert.doesNotMatch(p, /SCAN (t0|e_observable)( |$)(?!USING)/m, p);

    test('setup: 6,000 observables, two organisations, statistics', async () => {
      s = await open(path);
      docs = Array.from({ length: 6_000 }, (_x, i) => obs(s, i));
      for (let i = 0; i < docs.length; i += 1_000) await s.batch(docs.slice(i, i + 1_000).map((doc) => ({ op: 'insert' as const, doc })));
      s.analyze();
      raw = new Database(path, { readonly: true });
    });
    after(async () => {
      raw?.close();
      await s?.close();
    });

    const rows = (where: Query['where'], sort: Query['sort'] = []) => oq(where, { kind: 'rows', from: 0, to: 15 }, sort);
    const cases: Array<[string, Query, RegExp]> = [
      ['get by id', rows(q.and(vis, q.in('_id', ['~5000', '~5001']))), /sqlite_autoindex_e_observable_1/],
      ['children of a case, by date', rows(q.and(vis, q.parentId('case', '~c4')), [{ field: '_createdAt', dir: 'asc' }]), /i_observable_p_case/],
      ['children of alerts, count', oq(q.parentId('alert', '~a1', '~a3'), { kind: 'count' }), /i_observable_p_alert/],
      ['IOCs of an alert, count (similarity totals)', oq(q.and(q.parentId('alert', '~a7'), q.eq('ioc', true), vis), { kind: 'count' }), /i_observable_p_alert/],
      // data is a lookup field (LOOKUP_FIELDS): its FTS5 lookup table, no b-tree
      ['search by data', rows(q.and(vis, q.in('data', ['v1', 'v2']))), /SCAN l\d+ VIRTUAL TABLE INDEX \d+:M/],
      [
        'data already in an alert',
        rows(q.and(q.parentId('alert', '~a5'), q.in('data', ['v5', 'v205']))),
        /SCAN l\d+ VIRTUAL TABLE INDEX \d+:M|i_observable_p_alert/,
      ],
      ['files by hash', rows(q.and(vis, q.in('attachmentHash', ['h1']))), /i_observable_attachmentHash/],
      [
        'observables of matching cases (parent traversal)',
        rows(q.and(vis, { kind: 'parent', relation: 'case', parentType: 'case', where: q.in('_id', ['~c1']) })),
        /i_observable_p_case/,
      ],
      ['by type (Query API), sorted by date', rows(q.and(vis, q.eq('dataType', 'ip'))), new RegExp(COV)],
      ['IOCs (Query API), sorted by date', rows(q.and(vis, q.eq('ioc', true))), /i_observable_ioc_true/],
      ['IOCs (Query API), count', oq(q.and(vis, q.eq('ioc', true)), { kind: 'count' }), /USING COVERING INDEX i_observable_ioc_true/],
      ['not IOCs (Query API), sorted by date', rows(q.and(vis, q.eq('ioc', false))), new RegExp(COV)],
      ['is this data type used', rows(q.eq('dataType', 'nope')), new RegExp(COV)],
    ];
    for (const [name, query, index] of cases) {
      test(name, () => {
        const c = compileQuery(query);
        const p = plan(c.sql, c.params);
        assert.match(p, index, p);
        noTableScan(p);
      });
    }

    test('the sort-window walk of a list by date goes through the covering index, with the filter read from its entries', async () => {
      const shapes: Array<[Query['where'], (d: NewDoc) => boolean]> = [
        [vis, () => true],
        [q.and(vis, q.eq('dataType', 'url')), (d) => d.dataType === 'url'],
        [q.and(vis, q.eq('ioc', true), q.eq('sighted', false)), (d) => d.ioc === true && d.sighted === false],
      ];
      for (const [where, keep] of shapes) {
        const query = rows(where);
        const w = sortWindow(query);
        assert.equal(w?.index, `"${COV}"`);
        const c = compileQuery(query, { window: w, values: [1_000_000 + 5_000 * 1_000] });
        const p = plan(c.sql, c.params);
        assert.match(p, new RegExp(`USING INDEX ${COV}`), p);
        // the pages (walked and not) are the reference's
        const expected = docs
          .filter((d) => d._orgs[0] === 'o1' && keep(d))
          .sort((x, y) => Number(y._createdAt) - Number(x._createdAt))
          .slice(0, 15)
          .map((d) => d._id);
        assert.deepEqual(ids(await s.query(query)), expected);
      }
    });

    test('row estimates read the statistics of the index that leads with the field', () => {
      const stats = new Map(
        (raw.prepare('SELECT idx, stat FROM sqlite_stat1').all() as Array<{ idx: string; stat: string }>).map((r) => [r.idx, Number(r.stat.split(' ')[1])]),
      );
      assert.equal(
        estimateRows('observable', q.and(vis, q.eq('_createdAt', 1_000_000)), (i) => stats.get(i)),
        stats.get(COV),
      );
      assert.equal(
        estimateRows('observable', q.and(vis, q.eq('dataType', 'ip')), (i) => stats.get(i)),
        undefined,
      ); // no index leads with it
    });

    test('answers: ioc and sighted filters (true, false, terms) equal the documents', async () => {
      const count = async (where: Query['where']) => {
        const r = await s.query(oq(where, { kind: 'count' }));
        return r.kind === 'count' ? r.count : -1;
      };
      assert.equal(await count(q.eq('ioc', true)), docs.filter((d) => d.ioc === true).length);
      assert.equal(await count(q.eq('ioc', false)), docs.filter((d) => d.ioc === false).length);
      assert.equal(await count(q.in('ioc', [true, false])), docs.length);
      assert.equal(await count(q.and(q.eq('sighted', true), q.eq('ioc', true))), docs.filter((d) => d.sighted === true && d.ioc === true).length);
      assert.equal(await count(q.not(q.eq('sighted', true))), docs.filter((d) => d.sighted !== true).length);
    });
  });
});
