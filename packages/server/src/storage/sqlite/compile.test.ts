/**
 * Snapshot of the SQL that compile.ts produces for representative IR trees (STYLE habit 16).
 * A change in the generated SQL shows up in review as a diff of `__snapshots__/compile.sql`.
 * After an intended change: WAGGLE_UPDATE_SNAPSHOTS=1 node --import tsx --test src/storage/sqlite/compile.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Query } from '../../query/ir.js';
import { q } from '../../query/ir.js';
import { compileQuery } from './compile.js';

const SNAPSHOT = fileURLToPath(new URL('./__snapshots__/compile.sql', import.meta.url));

const rows = { kind: 'rows', from: 0, to: 15 } as const;
const count = { kind: 'count' } as const;

const CASES: Array<[string, Query]> = [
  [
    'listCase in one organisation, filtered by status, sorted and paged',
    {
      entity: 'case',
      where: q.and(q.visible(['~100']), q.eq('status', 'New')),
      sort: [
        { field: 'severity', dir: 'desc' },
        { field: 'title', dir: 'asc' },
      ],
      output: { kind: 'rows', from: 30, to: 45 },
    },
  ],
  ['default sort (newest first)', { entity: 'case', where: q.true(), sort: [], output: rows }],
  [
    'count of cases with a tag, not a custom field value, and not flagged',
    { entity: 'case', where: q.and(q.eq('tags', 'phishing'), q.not(q.eq('customFields.team', 'red')), q.not(q.eq('flag', true))), sort: [], output: count },
  ],
  [
    'numeric string against a custom field, null checks',
    {
      entity: 'case',
      where: q.or({ kind: 'compare', op: 'gte', field: 'customFields.score', value: '10' }, q.eq('assignee', null), {
        kind: 'compare',
        op: 'ne',
        field: 'tags',
        value: null,
      }),
      sort: [],
      output: count,
    },
  ],
  [
    'like, match, in and between on scalar and multi-valued fields',
    {
      entity: 'case',
      where: q.and(
        { kind: 'like', field: 'title', mode: 'contains', value: '100%_sure', ci: true },
        { kind: 'like', field: 'tags', mode: 'startsWith', value: 'tlp:', ci: true },
        { kind: 'match', field: 'description', value: 'lateral  movement' },
        { kind: 'match', field: 'tags', value: 'apt 28' },
        q.in('severity', [3, '4']),
        q.in('tags', ['a', 7]),
        { kind: 'between', field: '_createdAt', from: 1700000000000, to: '1800000000000' },
        { kind: 'between', field: 'customFields.score', from: 1, to: 9 },
        { kind: 'has', field: 'summary' },
      ),
      sort: [{ field: 'customFields.score', dir: 'asc' }],
      output: rows,
    },
  ],
  [
    'tasks of visible high-severity cases (parent traversal)',
    {
      entity: 'task',
      where: q.and(q.visible(['~100']), {
        kind: 'parent',
        relation: 'case',
        parentType: 'case',
        where: q.and(q.visible(['~100']), { kind: 'compare', op: 'gte', field: 'severity', value: 3 }),
      }),
      sort: [{ field: 'order', dir: 'asc' }],
      output: rows,
    },
  ],
  [
    'cases with a waiting task (child traversal) and a parent id filter',
    {
      entity: 'case',
      where: { kind: 'child', childType: 'task', relation: 'case', where: q.and(q.eq('status', 'Waiting'), q.parentId('case', '~1', '~2')) },
      sort: [],
      output: count,
    },
  ],
  ['visibility restricted to named users', { entity: 'case', where: q.visible(['~100', '~200'], ['alice', 'bob']), sort: [], output: count }],
];

function render(): string {
  return CASES.map(([name, query]) => {
    const c = compileQuery(query);
    return `-- ${name}\n${c.sql};\n-- params: ${JSON.stringify(c.params)}\n`;
  }).join('\n');
}

test('compiled SQL matches the snapshot', () => {
  const actual = render();
  if (process.env.WAGGLE_UPDATE_SNAPSHOTS === '1' || !existsSync(SNAPSHOT)) writeFileSync(SNAPSHOT, actual);
  assert.equal(actual, readFileSync(SNAPSHOT, 'utf8'), 'the generated SQL changed; review it and update the snapshot (see the header of this file)');
});

test('every parameter is bound, none is inlined', () => {
  for (const [name, query] of CASES) {
    const c = compileQuery(query);
    assert.equal((c.sql.match(/\?/g) ?? []).length, c.params.length, name);
    for (const p of c.params) if (typeof p === 'string' && p.length > 3) assert.equal(c.sql.includes(p), false, `${name}: "${p}" is inlined`);
  }
});
