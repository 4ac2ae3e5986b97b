/**
 * One dashboard widget drawn by ECharts from the server's aggregation result: terms as bars or
 * donut/pie slices, histograms as bars (stacked when the widget says so) or lines/areas, with one
 * series per nested terms key (multi-line). Any chart downloads as PNG or SVG.
 */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer, SVGRenderer]);

export interface Bucket {
  key: string | number | boolean | null;
  count: number;
  aggs?: Record<string, unknown>;
}

type Result = { buckets: Bucket[] };

const isBuckets = (v: unknown): v is Result => typeof v === 'object' && v !== null && Array.isArray((v as Result).buckets);
const label = (k: Bucket['key'], time: boolean): string => (time && typeof k === 'number' ? new Date(k).toISOString().slice(0, 10) : String(k));

/** The ECharts option of a widget, or undefined when the result is not a bucket list. */
export function chartOption(type: string, result: unknown, stacked: boolean, time: boolean): echarts.EChartsCoreOption | undefined {
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

function download(name: string, url: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
}

export default function WidgetChart(props: {
  title: string;
  type: string;
  result: unknown;
  stacked: boolean;
  time: boolean;
  onPick?: (key: Bucket['key']) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<echarts.ECharts | undefined>(undefined);
  const { title, type, result, stacked, time, onPick } = props;
  useEffect(() => {
    if (!ref.current) return;
    const option = chartOption(type, result, stacked, time);
    if (!option) return;
    const chart = echarts.init(ref.current, undefined, { renderer: 'canvas' });
    chart.setOption(option);
    chartRef.current = chart;
    if (onPick && isBuckets(result)) chart.on('click', (p) => onPick(result.buckets[(p as { dataIndex: number }).dataIndex]?.key ?? null));
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.dispose();
      chartRef.current = undefined;
    };
  }, [type, result, stacked, time, onPick]);
  const file = title.replace(/[^A-Za-z0-9_-]+/g, '-').toLowerCase() || 'widget';
  const png = () => chartRef.current && download(`${file}.png`, chartRef.current.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' }));
  const svg = () => {
    const option = chartOption(type, result, stacked, time);
    if (!option || !ref.current) return;
    // an off-screen SVG rendering of the same option
    const holder = document.createElement('div');
    holder.style.width = `${ref.current.clientWidth || 600}px`;
    holder.style.height = `${ref.current.clientHeight || 300}px`;
    const c = echarts.init(holder, undefined, { renderer: 'svg' });
    c.setOption(option);
    const text = c.renderToSVGString();
    c.dispose();
    download(`${file}.svg`, URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' })));
  };
  return (
    <figure className="chart">
      <div ref={ref} className="chart-canvas" role="img" aria-label={title} />
      <figcaption>
        {title}{' '}
        <button type="button" className="link" onClick={png}>
          PNG
        </button>{' '}
        <button type="button" className="link" onClick={svg}>
          SVG
        </button>
      </figcaption>
    </figure>
  );
}
