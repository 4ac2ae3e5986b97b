/**
 * Dashboards (issue 6): the list of the dashboards the user sees (shared ones of the organisation,
 * the user's private ones, the defaults) and one dashboard's widgets, refreshed live when cases,
 * alerts, observables or jobs change. A bar or slice of a case or alert widget grouped by a field
 * opens the list filtered on that value. Building and editing dashboards is not in the UI yet (the
 * API takes definitions: POST /api/v1/dashboard).
 */
import { lazy, Suspense, useCallback } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../lib/api';
import { useResource, useTitle } from '../lib/hooks';
import { useLiveUpdates } from '../lib/stream';
import { Markdown } from '../components/Markdown';
import { Empty, ErrorBox, Loading } from '../components/States';
import type { Bucket } from './WidgetChart';

const WidgetChart = lazy(() => import('./WidgetChart'));

interface Widget {
  id: string;
  type: string;
  title?: string;
  entity?: string;
  stacked?: boolean;
  markdown?: string;
  aggregation?: { kind: string; field?: string };
  layout: { x: number; y: number; w: number; h: number };
}

interface Dashboard {
  _id: string;
  title: string;
  description: string;
  status: 'Private' | 'Shared';
  owner: string;
  writable: boolean;
  definition: { widgets: Widget[] };
}

interface WidgetResult {
  id: string;
  type: string;
  result?: unknown;
}

const LIVE = new Set(['Case', 'Alert', 'Observable', 'case_artifact_job', 'Task']);
const LIST_PAGE: Record<string, string> = { case: '/cases', alert: '/alerts' };

function WidgetView({ w, result }: { w: Widget; result: unknown }) {
  const navigate = useNavigate();
  const title = w.title ?? w.id;
  const field = w.aggregation?.kind === 'terms' ? w.aggregation.field : undefined;
  const page = w.entity ? LIST_PAGE[w.entity] : undefined;
  const onPick = useCallback(
    (key: Bucket['key']) => {
      void navigate(`${page}?${new URLSearchParams({ [field!]: String(key) }).toString()}`);
    },
    [navigate, page, field],
  );
  const style = { gridColumn: `${w.layout.x + 1} / span ${w.layout.w}`, gridRow: `${w.layout.y + 1} / span ${w.layout.h}` };
  if (w.type === 'text') {
    return (
      <section className="widget" style={style} aria-label={title}>
        {w.title ? <h3>{w.title}</h3> : null}
        <Markdown text={w.markdown ?? ''} />
      </section>
    );
  }
  if (w.type === 'counter' || typeof result === 'number' || result === null) {
    return (
      <section className="widget counter" style={style} aria-label={title}>
        <h3>{title}</h3>
        <output className="counter-value" style={{ fontSize: '2.5rem', fontWeight: 600 }}>
          {typeof result === 'number' ? result.toLocaleString() : '—'}
        </output>
      </section>
    );
  }
  return (
    <section className="widget" style={style} aria-label={title}>
      <Suspense fallback={<Loading what="Loading chart" />}>
        <WidgetChart
          title={title}
          type={w.type}
          result={result}
          stacked={Boolean(w.stacked)}
          time={w.aggregation?.kind === 'histogram'}
          onPick={field && page ? onPick : undefined}
        />
      </Suspense>
    </section>
  );
}

function DashboardView({ id }: { id: string }) {
  const d = useResource(() => api.get<Dashboard>(`/api/v1/dashboard/${encodeURIComponent(id)}`), [id]);
  const r = useResource(() => api.get<WidgetResult[]>(`/api/v1/dashboard/${encodeURIComponent(id)}/widgets`), [id]);
  useTitle(d.data?.title);
  useLiveUpdates((e) => LIVE.has(e.objectType), r.reload, 2000);
  if (d.error) return <ErrorBox error={d.error} retry={d.reload} />;
  if (!d.data) return <Loading what="Loading dashboard" />;
  const results = new Map((r.data ?? []).map((x) => [x.id, x.result]));
  return (
    <div className="page">
      <p>
        <Link to="/dashboards">All dashboards</Link>
      </p>
      <h1>{d.data.title}</h1>
      {d.data.description ? <p>{d.data.description}</p> : null}
      {r.error ? <ErrorBox error={r.error} retry={r.reload} /> : null}
      <div className="dashboard-grid" style={{ display: 'grid', gridTemplateColumns: 'repeat(12, minmax(0, 1fr))', gridAutoRows: '70px', gap: '12px' }}>
        {d.data.definition.widgets.map((w) => (
          <WidgetView key={w.id} w={w} result={results.get(w.id)} />
        ))}
      </div>
    </div>
  );
}

export function Dashboards() {
  const { id } = useParams();
  const list = useResource(() => api.get<Dashboard[]>('/api/v1/dashboard'), []);
  useTitle(id ? undefined : 'Dashboards');
  if (id) return <DashboardView id={id} />;
  if (list.error) return <ErrorBox error={list.error} retry={list.reload} />;
  if (!list.data) return <Loading what="Loading dashboards" />;
  if (list.data.length === 0) return <Empty title="No dashboards" />;
  return (
    <div className="page">
      <h1>Dashboards</h1>
      <ul className="dashboard-list">
        {list.data.map((d) => (
          <li key={d._id}>
            <Link to={`/dashboards/${d._id}`}>{d.title}</Link> <span className="muted">{d.status === 'Private' ? 'private' : 'shared'}</span>
            {d.description ? <span className="muted"> — {d.description}</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
