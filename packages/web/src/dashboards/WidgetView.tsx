/**
 * One widget on the grid: asks `POST /api/v1/dashboard/stats` for its numbers (the caller's
 * organisation visibility applies on the server), re-asks on stream events of its entity
 * (debounced) and when the dashboard's refresh tick changes, and draws a counter, a markdown
 * text or an ECharts chart. A bar, slice or point opens the filtered list when it can.
 */
import { lazy, Suspense, useCallback, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../lib/api';
import { useResource } from '../lib/hooks';
import { useLiveUpdates } from '../lib/stream';
import { Markdown } from '../components/Markdown';
import { ErrorBox, Loading } from '../components/States';
import type { Pick as ChartPick } from './WidgetChart';
import { clickThrough, formatDuration, type PickContext, isDurationField, STREAM_TYPES, statsBody, type Definition, type Widget } from './model';

const WidgetChart = lazy(() => import('./WidgetChart'));

/** The dashboard-wide settings a widget inherits. */
export type DefScope = Pick<Definition, 'period' | 'timeZone'>;

export const ROW_PX = 70;
export const GAP_PX = 12;

interface Stats {
  result: unknown;
  period?: { from: number; to: number };
}

/** Grid placement of a widget (12 columns, 70 px rows). */
export function gridStyle(w: Widget): { gridColumn: string; gridRow: string } {
  return { gridColumn: `${w.layout.x + 1} / span ${w.layout.w}`, gridRow: `${w.layout.y + 1} / span ${w.layout.h}` };
}

export const widgetTitle = (w: Widget): string => w.title || w.id;

function Counter({ w, value }: { w: Widget; value: unknown }) {
  const text =
    typeof value === 'number'
      ? isDurationField(w.aggregation?.field) && w.aggregation?.kind !== 'count'
        ? formatDuration(value)
        : value.toLocaleString('en-US')
      : '—';
  return (
    <output className="counter-value" data-testid="counter-value" data-value={typeof value === 'number' ? String(value) : ''}>
      {text}
    </output>
  );
}

const isBuckets = (v: unknown): v is { buckets: unknown[] } => typeof v === 'object' && v !== null && Array.isArray((v as { buckets?: unknown }).buckets);

/** The period the server answered for, the end of a clicked time bucket (the next bucket's start, or the period's end) and a label for the list. */
function pickContext(w: Widget, stats: Stats | undefined, p: ChartPick): PickContext {
  const period = stats?.period;
  const buckets = isBuckets(stats?.result) ? (stats.result.buckets as Array<{ key?: unknown }>) : [];
  const i = buckets.findIndex((b) => b.key === p.key);
  const next = i >= 0 ? buckets[i + 1]?.key : undefined;
  const bucketEnd = typeof next === 'number' ? next : i >= 0 ? period?.to : undefined;
  const at =
    typeof p.key === 'number' && w.aggregation?.kind === 'histogram' ? `${new Date(p.key).toISOString().slice(0, 16).replace('T', ' ')} UTC` : String(p.key);
  return {
    ...(period ? { period } : {}),
    ...(bucketEnd !== undefined ? { bucketEnd } : {}),
    label: [widgetTitle(w), at, p.series].filter((x) => x !== undefined && x !== '').join(' · '),
  };
}

/** The body of a widget: what it shows for its stats. */
export function WidgetBody({ w, stats, height, timeZone }: { w: Widget; stats: Stats | undefined; height: number; timeZone?: string }) {
  const navigate = useNavigate();
  const title = widgetTitle(w);
  const onPick = useCallback(
    (p: ChartPick) => {
      const url = clickThrough(w, p, pickContext(w, stats, p));
      if (url) void navigate(url);
    },
    [navigate, w, stats],
  );
  if (w.type === 'text') return <Markdown text={w.markdown ?? ''} />;
  if (!stats) return <Loading what="Loading" />;
  const r = stats.result;
  if (w.type === 'counter' || typeof r === 'number' || r === null) {
    return <Counter w={w} value={typeof r === 'object' && r !== null && 'count' in r ? r.count : r} />;
  }
  if (isBuckets(r) && r.buckets.length === 0) return <p className="widget-empty muted">No data in this period.</p>;
  const clickable = clickThrough(w, { key: 'x', series: 'x' }) !== undefined;
  return (
    <Suspense fallback={<Loading what="Loading chart" />}>
      <WidgetChart
        title={title}
        type={w.type}
        result={r}
        stacked={Boolean(w.stacked)}
        time={w.aggregation?.kind === 'histogram' && { timeZone: w.timeZone ?? timeZone ?? 'UTC', hours: /^\d+[mh]$/.test(w.aggregation.interval ?? '') }}
        height={height}
        {...(clickable ? { onPick } : {})}
      />
    </Suspense>
  );
}

/** The stats of a widget, refreshed on its entity's stream events and on `tick`. */
export function useWidgetStats(w: Widget, def: DefScope, tick: number) {
  const body = w.type === 'text' ? undefined : statsBody(w, def);
  const key = JSON.stringify(body);
  const r = useResource(() => (body ? api.post<Stats>('/api/v1/dashboard/stats', body) : Promise.resolve({ result: null })), [key, tick]);
  const type = w.entity ? STREAM_TYPES[w.entity] : undefined;
  useLiveUpdates((e) => !!type && e.objectType === type, r.reload, 2000);
  return r;
}

/** The chart height inside a widget of `h` grid rows (title and buttons take the rest). */
export const chartHeight = (h: number): number => Math.max(80, h * ROW_PX + (h - 1) * GAP_PX - 70);

export function WidgetPanel({ w, def, tick, tools, children }: { w: Widget; def: DefScope; tick: number; tools?: ReactNode; children?: ReactNode }) {
  const stats = useWidgetStats(w, def, tick);
  const title = widgetTitle(w);
  return (
    <section className={`widget widget-${w.type}`} style={gridStyle(w)} aria-label={title} data-testid="widget" data-widget-id={w.id} data-widget-type={w.type}>
      <header className="widget-head">
        <h3>{title}</h3>
        {stats.loading && stats.data ? <span className="spinner" aria-label="Refreshing" /> : null}
        {tools}
      </header>
      {stats.error ? (
        <div data-testid="widget-error">
          <ErrorBox error={stats.error} retry={stats.reload} />
        </div>
      ) : (
        <WidgetBody w={w} stats={stats.data} height={chartHeight(w.layout.h)} {...(def.timeZone ? { timeZone: def.timeZone } : {})} />
      )}
      {children}
    </section>
  );
}
