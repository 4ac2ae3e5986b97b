// The chart options a widget result gives (pure function; the browser draws them with ECharts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartOption, dataRows } from './WidgetChart';

const terms = {
  buckets: [
    { key: 'New', count: 3 },
    { key: 'Closed', count: 1 },
  ],
};
const histogram = {
  buckets: [
    { key: Date.UTC(2024, 2, 30), count: 2, aggs: { status: { buckets: [{ key: 'New', count: 2 }] } } },
    {
      key: Date.UTC(2024, 2, 31),
      count: 3,
      aggs: {
        status: {
          buckets: [
            { key: 'New', count: 1 },
            { key: 'Closed', count: 2 },
          ],
        },
      },
    },
  ],
};

test('a donut gets one slice per bucket', () => {
  const o = chartOption('donut', terms, false, false) as { series: Array<{ type: string; radius: unknown; data: unknown }> };
  assert.equal(o.series[0]!.type, 'pie');
  assert.deepEqual(o.series[0]!.radius, ['40%', '70%']);
  assert.deepEqual(o.series[0]!.data, [
    { name: 'New', value: 3 },
    { name: 'Closed', value: 1 },
  ]);
});

test('a stacked bar over time gets one series per nested key, zero where a day lacks it', () => {
  const o = chartOption('bar', histogram, true, true) as { xAxis: { data: string[] }; series: Array<{ name: string; stack?: string; data: number[] }> };
  assert.deepEqual(o.xAxis.data, ['2024-03-30', '2024-03-31']);
  assert.deepEqual(
    o.series.map((s) => [s.name, s.stack, s.data]),
    [
      ['New', 'all', [2, 1]],
      ['Closed', 'all', [0, 2]],
    ],
  );
});

test('a line without nesting draws the counts; a number is no chart', () => {
  const o = chartOption('line', terms, false, false) as { series: Array<{ type: string; data: number[] }> };
  assert.deepEqual(
    o.series.map((s) => [s.type, s.data]),
    [['line', [3, 1]]],
  );
  assert.equal(chartOption('bar', 42, false, false), undefined);
});

test("the chart's data table lists each bucket, or each bucket and nested key", () => {
  assert.deepEqual(dataRows(terms, false), [
    ['New', 3],
    ['Closed', 1],
  ]);
  assert.deepEqual(dataRows(histogram, true), [
    ['2024-03-30 / New', 2],
    ['2024-03-31 / New', 1],
    ['2024-03-31 / Closed', 2],
  ]);
  assert.deepEqual(dataRows(7, false), []);
});

test('time buckets read in the time zone the server bucketed in, with hours for sub-day intervals', () => {
  // midnight in Paris is 23:00 UTC the day before
  const paris = { buckets: [{ key: Date.UTC(2024, 2, 30, 23), count: 1 }] };
  assert.deepEqual(dataRows(paris, true), [['2024-03-30', 1]]);
  assert.deepEqual(dataRows(paris, { timeZone: 'Europe/Paris' }), [['2024-03-31', 1]]);
  assert.deepEqual(dataRows(paris, { timeZone: 'Europe/Paris', hours: true }), [['2024-03-31 00:00', 1]]);
});
