/**
 * One dashboard widget drawn by ECharts from the server's aggregation result: terms as bars or
 * donut/pie slices, histograms as bars (stacked when the widget says so) or lines/areas, with one
 * series per nested terms key (multi-line). Any chart downloads as PNG (the canvas, white
 * background) or SVG (the same option rendered by ECharts' SSR SVG renderer).
 */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import { fileName } from './model';
import { download } from './download';

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer, SVGRenderer]);

export interface Bucket {
  key: string | number | boolean | null;
  count: number;
  aggs?: Record<string, unknown>;
}

type Result = { buckets: Bucket[] };

const isBuckets = (v: unknown): v is Result => typeof v === 'object' && v !== null && Array.isArray((v as Result).buckets);
/** How histogram keys (epoch ms) read: dates in the time zone the server bucketed in, with the hour for sub-day intervals. */
export type TimeAxis = boolean | { timeZone?: string; hours?: boolean };

const formats = new Map<string, Intl.DateTimeFormat>();
function label(k: Bucket['key'], time: TimeAxis): string {
  if (!time || typeof k !== 'number') return String(k);
  const { timeZone = 'UTC', hours = false } = time === true ? {} : time;
  const id = `${timeZone}|${hours}`;
  let f = formats.get(id);
  if (!f) {
    // en-CA writes dates as YYYY-MM-DD
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      ...(hours ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : {}),
    });
    formats.set(id, f);
  }
  return f.format(k).replace(',', '');
}

/**
 * The numbers a chart draws as rows (label, count): one per bucket, or one per bucket and nested
 * key (`2024-03-31 / New`). The chart's accessible table: canvas pixels say nothing to a screen reader.
 */
export function dataRows(result: unknown, time: TimeAxis): Array<[string, number]> {
  if (!isBuckets(result)) return [];
  return result.buckets.flatMap((b): Array<[string, number]> => {
    const nested = Object.values(b.aggs ?? {}).filter(isBuckets)[0];
    const l = label(b.key, time);
    return nested ? nested.buckets.map((x): [string, number] => [`${l} / ${String(x.key)}`, x.count]) : [[l, b.count]];
  });
}

/** The ECharts option of a widget, or undefined when the result is not a bucket list. */
export function chartOption(type: string, result: unknown, stacked: boolean, time: TimeAxis): echarts.EChartsCoreOption | undefined {
  if (!isBuckets(result)) return undefined;
  const buckets = result.buckets;
  const labels = buckets.map((b) => label(b.key, time));
  if (type === 'donut' || type === 'pie') {
    return {
      animation: false,
      tooltip: { trigger: 'item' },
      legend: { bottom: 0, type: 'scroll' },
      series: [{ type: 'pie', radius: type === 'donut' ? ['40%', '70%'] : '70%', data: buckets.map((b, i) => ({ name: labels[i], value: b.count })) }],
    };
  }
  // a nested terms aggregation gives one series per key
  const nested = buckets.flatMap((b) => Object.values(b.aggs ?? {}).filter(isBuckets));
  const keys = [...new Set(nested.flatMap((r) => r.buckets.map((x) => String(x.key))))];
  const kind = type === 'line' || type === 'area' || type === 'multiline' ? 'line' : 'bar';
  const series = keys.length
    ? keys.map((k) => ({
        name: k,
        type: kind,
        stack: stacked || type === 'area' ? 'all' : undefined,
        areaStyle: type === 'area' ? {} : undefined,
        data: buckets.map(
          (b) =>
            Object.values(b.aggs ?? {})
              .filter(isBuckets)[0]
              ?.buckets.find((x) => String(x.key) === k)?.count ?? 0,
        ),
      }))
    : [{ name: 'count', type: kind, areaStyle: type === 'area' ? {} : undefined, data: buckets.map((b) => b.count) }];
  return {
    animation: false,
    grid: { left: 40, right: 10, top: 30, bottom: 60 },
    tooltip: { trigger: 'axis' },
    legend: keys.length ? { top: 0, type: 'scroll' } : undefined,
    xAxis: { type: 'category', data: labels, axisLabel: { rotate: labels.length > 6 ? 30 : 0 } },
    yAxis: { type: 'value', minInterval: 1 },
    series,
  };
}

/** What a click on a bar, slice or point picked: the bucket key (x axis or slice) and the series (nested key). */
export interface Pick {
  key: Bucket['key'];
  series?: string;
}

export default function WidgetChart(props: {
  title: string;
  type: string;
  result: unknown;
  stacked: boolean;
  time: TimeAxis;
  height: number;
  onPick?: (p: Pick) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<echarts.ECharts | undefined>(undefined);
  const { title, type, result, stacked, time, height, onPick } = props;
  // one ECharts instance for the life of the widget: a live refresh replaces its option (no flicker)
  useEffect(() => {
    if (!ref.current) return;
    const chart = echarts.init(ref.current, undefined, { renderer: 'canvas' });
    chartRef.current = chart;
    const ro = new ResizeObserver(() => chart.resize());
    ro.observe(ref.current);
    return () => {
      ro.disconnect();
      chart.dispose();
      chartRef.current = undefined;
    };
  }, []);
  useEffect(() => {
    const chart = chartRef.current;
    const option = chartOption(type, result, stacked, time);
    if (!chart || !option) return;
    chart.setOption(option, { notMerge: true });
    if (!onPick || !isBuckets(result)) return;
    const onClick = (p: unknown) => {
      const e = p as { dataIndex: number; seriesName?: string };
      const b = result.buckets[e.dataIndex];
      if (!b) return;
      // a series other than the plain "count" one is a nested terms key (slices have none)
      const pie = type === 'donut' || type === 'pie';
      onPick({ key: b.key, ...(!pie && e.seriesName && e.seriesName !== 'count' ? { series: e.seriesName } : {}) });
    };
    chart.on('click', onClick);
    return () => {
      chart.off('click', onClick);
    };
  }, [type, result, stacked, time, onPick]);
  const file = fileName(title, 'widget');
  const png = () => chartRef.current && download(`${file}.png`, chartRef.current.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' }));
  const svg = () => {
    const option = chartOption(type, result, stacked, time);
    if (!option) return;
    // the same option drawn by ECharts' SVG renderer in SSR mode (no DOM needed): a standalone SVG document
    const c = echarts.init(null, undefined, { renderer: 'svg', ssr: true, width: ref.current?.clientWidth || 600, height: ref.current?.clientHeight || 300 });
    c.setOption({ ...option, backgroundColor: '#fff' });
    const text = c.renderToSVGString();
    c.dispose();
    download(`${file}.svg`, URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' })));
  };
  return (
    <figure className="chart widget-chart">
      <div ref={ref} className="chart-canvas" role="img" aria-label={title} style={{ height }} />
      <table className="sr-only" data-testid="widget-data">
        <caption>{title}: data</caption>
        <tbody>
          {dataRows(result, time).map(([k, n], i) => (
            <tr key={i}>
              <th scope="row">{k}</th>
              <td>{n}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <figcaption>
        <button type="button" className="link" aria-label={`Download ${title} as PNG`} onClick={png}>
          PNG
        </button>{' '}
        <button type="button" className="link" aria-label={`Download ${title} as SVG`} onClick={svg}>
          SVG
        </button>
      </figcaption>
    </figure>
  );
}
