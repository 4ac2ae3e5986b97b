/** Runs the EntityStore conformance suite against the SQLite adapter (file database, WAL). */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEntityStoreConformance } from '../conformance/entity-store.conformance.js';
import type { EntityStore } from '../entity-store.js';
import type { Expr } from '../../query/ir.js';
import { q } from '../../query/ir.js';
import { SqliteEntityStore } from './sqlite-entity-store.js';

const dir = mkdtempSync(join(tmpdir(), 'waggle-sqlite-conformance-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const paths = new WeakMap<EntityStore, string>();
let n = 0;

async function open(path: string): Promise<EntityStore> {
  const s = new SqliteEntityStore({ path, synchronous: 'NORMAL' });
  await s.init();
  paths.set(s, path);
  return s;
}

runEntityStoreConformance('sqlite', () => open(join(dir, `db-${++n}.sqlite`)), {
  reopen: async (s) => {
    const path = paths.get(s);
    if (!path) throw new Error('not a store of this factory');
    await s.close();
    return open(path);
  },
});

describe('sqlite adapter specifics', () => {
  test('a side table created with NUMERIC affinity (v ANY) is rebuilt at start, so tag "007" is not "7"', async () => {
    const path = join(dir, 'legacy.sqlite');
    const s = await open(path);
    const a = await s.insert({
      _id: s.newId(),
      _type: 'case',
      _createdAt: 1,
      _createdBy: 't',
      _orgs: ['o'],
      _parents: {},
      tags: ['007'],
      customFields: [{ name: 'team', value: '1e3' }],
    });
    const b = await s.insert({ _id: s.newId(), _type: 'case', _createdAt: 2, _createdBy: 't', _orgs: ['o'], _parents: {}, tags: ['7'] });
    await s.close();
    // recreate the side table as the first schema did, with values converted by NUMERIC affinity
    const raw = new Database(path);
    raw.exec(
      `DROP TABLE "m_case"; CREATE TABLE "m_case" (f TEXT NOT NULL, v ANY, id TEXT NOT NULL, PRIMARY KEY (f, v, id)) WITHOUT ROWID; CREATE INDEX "i_m_case_id" ON "m_case" (id);`,
    );
    const ins = raw.prepare('INSERT INTO "m_case" (f, v, id) VALUES (?, ?, ?)');
    for (const [f, v, id] of [
      ['_orgs', 'o', a._id],
      ['tags', '007', a._id],
      ['cf.team', '1e3', a._id],
      ['_orgs', 'o', b._id],
      ['tags', '7', b._id],
    ] as const) {
      ins.run(f, v, id);
    }
    assert.equal((raw.prepare(`SELECT typeof(v) AS t FROM "m_case" WHERE f = 'tags' AND id = ?`).get(a._id) as { t: string }).t, 'integer');
    raw.close();

    const reopened = await open(path);
    try {
      const ids = async (where: Expr): Promise<string[]> => {
        const r = await reopened.query({ entity: 'case', where, sort: [], output: { kind: 'rows', from: 0, to: 10 } });
        return r.kind === 'rows' ? r.rows.map((d) => d._id).sort() : [];
      };
      assert.deepEqual(await ids(q.eq('tags', '007')), [a._id]);
      assert.deepEqual(await ids(q.eq('tags', '7')), [b._id]);
      assert.deepEqual(await ids({ kind: 'like', field: 'customFields.team', mode: 'startsWith', value: '1e', ci: true }), [a._id]);
      assert.deepEqual(await ids(q.visible(['o'])), [a._id, b._id].sort());
    } finally {
      await reopened.close();
    }
  });
  test('the writer thread stores values with the types an in-thread write gives (integers as INTEGER, text stays text)', async () => {
    const path = join(dir, 'types.sqlite');
    const s = await open(path);
    const doc = {
      _id: s.newId(),
      _type: 'case',
      _createdAt: 1_700_000_000_000,
      _createdBy: 't',
      _orgs: ['o'],
      _parents: {},
      title: '42',
      severity: 3,
      flag: true,
      tags: ['007', '21'],
      customFields: [
        { name: 'score', value: 21 },
        { name: 'ratio', value: 0.5 },
        { name: 'ok', value: true },
      ],
    };
    const stored = await s.insert(doc);
    assert.deepEqual(stored, { ...doc, _version: 1 });
    // read-your-writes: the main thread's connection sees what the writer thread committed
    assert.deepEqual(await s.get('case', doc._id), stored);
    await s.close();
    const raw = new Database(path, { readonly: true });
    try {
      const row = raw
        .prepare(`SELECT typeof(f_severity) AS sev, typeof(f_flag) AS flag, typeof(f_title) AS title, typeof("f__createdAt") AS at FROM e_case WHERE _id = ?`)
        .get(doc._id);
      assert.deepEqual(row, { sev: 'integer', flag: 'integer', title: 'text', at: 'integer' });
      const mv = raw.prepare(`SELECT f, v, typeof(v) AS t FROM m_case WHERE id = ? ORDER BY f, v`).all(doc._id);
      assert.deepEqual(mv, [
        { f: 'cf.ok', v: 1, t: 'integer' },
        { f: 'cf.ratio', v: 0.5, t: 'real' },
        { f: 'cf.score', v: 21, t: 'integer' },
        { f: 'tags', v: '007', t: 'text' },
        { f: 'tags', v: '21', t: 'text' },
      ]);
    } finally {
      raw.close();
    }
  });

  test('a write after close is refused with an error, not lost silently', async () => {
    const s = await open(join(dir, 'closed.sqlite'));
    await s.close();
    await assert.rejects(s.insert({ _id: '~1', _type: 'case', _createdAt: 1, _createdBy: 't', _orgs: ['o'], _parents: {} }), /closed/);
  });
  test('ids stay unique across blocks reserved ahead through the writer, and after a reopen', async () => {
    const path = join(dir, 'ids.sqlite');
    const s = await open(path);
    const seen = new Set<string>();
    const num = (id: string): number => Number(id.slice(1));
    for (let i = 0; i < 250_000; i++) {
      seen.add(s.newId());
      // let the reservation made half a block ahead commit now and then, as requests would
      if (i % 20_000 === 0) await s.insert({ _id: s.newId(), _type: 'case', _createdAt: i, _createdBy: 't', _orgs: ['o'], _parents: {} });
    }
    assert.equal(seen.size, 250_000);
    const highest = [...seen].map(num).reduce((a, b) => Math.max(a, b), 0);
    await s.close();
    const raw = new Database(path, { readonly: true });
    const limit = (raw.prepare(`SELECT v FROM meta WHERE k = 'idLimit'`).get() as { v: number }).v;
    raw.close();
    assert.ok(limit > highest, `the durable limit ${limit} covers every id handed out (${highest})`);
    const reopened = await open(path);
    try {
      assert.ok(num(reopened.newId()) > highest);
    } finally {
      await reopened.close();
    }
  });
});
