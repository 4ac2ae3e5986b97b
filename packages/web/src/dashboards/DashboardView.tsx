/**
 * One dashboard: its widgets on the 12-column grid, each refreshed live on stream events of its
 * entity, plus an optional refresh interval (`?refresh=<seconds>` in the URL); the page reloads
 * the dashboard when someone saves it. Edit and delete
 * are offered when the server says the dashboard is `writable`; anyone who sees it may export or
 * duplicate it.
 */
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../lib/api';
import { useResource, useTitle } from '../lib/hooks';
import { useLiveUpdates } from '../lib/stream';
import { Empty, ErrorBox, FormError, Loading } from '../components/States';
import { Select } from './controls';
import { DeleteDashboardDialog, duplicateDashboard, exportDashboard } from './actions';
import { WidgetPanel } from './WidgetView';
import type { Dashboard } from './model';

const REFRESH: Array<[string, string]> = [
  ['', 'Off (live updates only)'],
  ['30', 'Every 30 s'],
  ['60', 'Every minute'],
  ['300', 'Every 5 minutes'],
  ['900', 'Every 15 minutes'],
];

/** A counter that goes up every `seconds` (0: never). */
function useTick(seconds: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!seconds) return;
    const t = setInterval(() => setTick((n) => n + 1), seconds * 1000);
    return () => clearInterval(t);
  }, [seconds]);
  return tick;
}

export function DashboardView({ id }: { id: string }) {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const d = useResource(() => api.get<Dashboard>(`/api/v1/dashboard/${encodeURIComponent(id)}`), [id]);
  const refresh = params.get('refresh') ?? '';
  const tick = useTick(Number(refresh) || 0);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useTitle(d.data?.title);
  // a colleague saved the dashboard: show the new widgets
  useLiveUpdates((e) => e.objectType === 'Dashboard' && e.objectId === id, d.reload, 500);
  if (d.error) return <ErrorBox error={d.error} retry={d.reload} />;
  if (!d.data) return <Loading what="Loading dashboard" />;
  const dash = d.data;
  const widgets = dash.definition.widgets ?? [];
  return (
    <div className="page dashboard-page">
      <p>
        <Link to="/dashboards">All dashboards</Link>
      </p>
      <div className="page-head">
        <h1>{dash.title}</h1>
        <span className={`badge ${dash.status === 'Shared' ? 'shared' : 'private'}`} data-testid="dashboard-status">
          {dash.status === 'Shared' ? 'Shared' : 'Private'}
        </span>
        <div className="row dashboard-tools">
          <Select inline label="Auto refresh" value={refresh} options={REFRESH} onChange={(v) => setParams(v ? { refresh: v } : {}, { replace: true })} />
          {dash.writable ? (
            <button type="button" className="primary" onClick={() => void navigate(`/dashboards/${dash._id}/edit`)}>
              Edit
            </button>
          ) : null}
          <button type="button" onClick={() => void duplicateDashboard(dash).then((c) => navigate(`/dashboards/${c._id}/edit`), setError)}>
            Duplicate
          </button>
          <button type="button" onClick={() => void exportDashboard(dash).catch(setError)}>
            Export
          </button>
          {dash.writable ? (
            <button type="button" className="danger" onClick={() => setDeleting(true)}>
              Delete
            </button>
          ) : null}
        </div>
      </div>
      {dash.description ? <p className="muted">{dash.description}</p> : null}
      <FormError error={error} />
      {widgets.length === 0 ? (
        <Empty title="This dashboard has no widgets yet.">
          {dash.writable ? <Link to={`/dashboards/${dash._id}/edit`}>Add widgets in the editor.</Link> : 'Its owner has not added any.'}
        </Empty>
      ) : (
        <div className="dashboard-grid">
          {widgets.map((w) => (
            <WidgetPanel key={w.id} w={w} def={dash.definition} tick={tick} />
          ))}
        </div>
      )}
      {deleting ? <DeleteDashboardDialog d={dash} onClose={() => setDeleting(false)} onDeleted={() => void navigate('/dashboards')} /> : null}
    </div>
  );
}
