import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeCustomFields, prefixTitle } from './case-create.js';

void test('prefixTitle: TheHive 4 joins the trimmed prefix and the title with one space, once', () => {
  assert.equal(prefixTitle('[X]', 'title'), '[X] title');
  assert.equal(prefixTitle('[X]   \n', 'title'), '[X] title');
  assert.equal(prefixTitle('[X]', '[X] title'), '[X] title');
  assert.equal(prefixTitle('', 'title'), 'title');
  assert.equal(prefixTitle(undefined, 'title'), 'title');
});

void test('mergeCustomFields: case values win, template-only fields are added, ordered entries first, then renumbered', () => {
  const template = [
    { _id: '~1', name: 'a', type: 'string', value: 'template a', order: 0 },
    { _id: '~2', name: 'b', type: 'string', value: 'template b', order: 1 },
  ];
  assert.deepEqual(
    mergeCustomFields(
      [
        { name: 'b', value: 'case b' },
        { name: 'c', value: 3 },
      ],
      template,
    ),
    [
      { name: 'a', value: 'template a', order: 0 },
      { name: 'b', value: 'case b', order: 1 },
      { name: 'c', value: 3, order: 2 },
    ],
  );
  assert.deepEqual(mergeCustomFields([{ name: 'c', value: 3, order: 0 }], template), [
    { name: 'c', value: 3, order: 0 },
    { name: 'a', value: 'template a', order: 1 },
    { name: 'b', value: 'template b', order: 2 },
  ]);
  assert.deepEqual(mergeCustomFields([], []), []);
});
