/**
 * Dashboards (issue 6), built on the public API only:
 *
 * - `/dashboards`: the dashboards the user sees, in three groups (mine, shared in the
 *   organisation, defaults), with create, import, and per dashboard edit, duplicate, export and
 *   delete (after confirmation);
 * - `/dashboards/:id`: the dashboard (`DashboardView`), widgets refreshed live;
 * - `/dashboards/:id/edit`: the editor (`DashboardEditor`).
 */
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../lib/api';
import { useResource, useTitle } from '../lib/hooks';
import { useSession } from '../lib/session';
import { Empty, ErrorBox, FormError, Loading } from '../components/States';
import { DashboardEditor } from './DashboardEditor';
import { DashboardView } from './DashboardView';
import { DeleteDashboardDialog, duplicateDashboard, exportDashboard, ImportDashboardDialog, NewDashboardDialog } from './actions';
import type { Dashboard } from './model';
import './dashboards.css';

function DashboardRows({
  title,
  list,
  onDelete,
  onError,
  empty,
}: {
  title: string;
  list: Dashboard[];
  onDelete: (d: Dashboard) => void;
  onError: (e: unknown) => void;
  empty: string;
}) {
  const navigate = useNavigate();
  return (
    <section className="card dashboard-group" aria-label={title}>
      <h2>{title}</h2>
      {list.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th>Title</th>
              <th>Visibility</th>
              <th>Widgets</th>
              <th>Owner</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <tr key={d._id} data-testid="dashboard-row" data-dashboard-id={d._id}>
                <td>
                  <Link to={`/dashboards/${d._id}`}>{d.title}</Link>
                  {d.description ? <div className="muted small">{d.description}</div> : null}
                </td>
                <td>{d.status === 'Shared' ? 'Shared' : 'Private'}</td>
                <td>{d.definition.widgets?.length ?? 0}</td>
                <td>{d.defaultKey ? 'Waggle' : d.owner}</td>
                <td className="actions">
                  {d.writable ? (
                    <button type="button" aria-label={`Edit dashboard ${d.title}`} onClick={() => void navigate(`/dashboards/${d._id}/edit`)}>
                      Edit
                    </button>
                  ) : null}
                  <button
                    type="button"
                    aria-label={`Duplicate dashboard ${d.title}`}
                    onClick={() => void duplicateDashboard(d).then((c) => navigate(`/dashboards/${c._id}/edit`), onError)}
                  >
                    Duplicate
                  </button>
                  <button type="button" aria-label={`Export dashboard ${d.title}`} onClick={() => void exportDashboard(d).catch(onError)}>
                    Export
                  </button>
                  {d.writable ? (
                    <button type="button" className="danger" aria-label={`Delete dashboard ${d.title}`} onClick={() => onDelete(d)}>
                      Delete
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function DashboardList() {
  const { user, organisation } = useSession();
  const list = useResource(() => api.get<Dashboard[]>('/api/v1/dashboard'), []);
  const [dialog, setDialog] = useState<'new' | 'import' | Dashboard | null>(null);
  const [error, setError] = useState<unknown>(null);
  useTitle('Dashboards');
  const all = list.data ?? [];
  const mine = all.filter((d) => !d.defaultKey && d.owner === user.login);
  const shared = all.filter((d) => !d.defaultKey && d.owner !== user.login);
  const defaults = all.filter((d) => d.defaultKey);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Dashboards</h1>
        <button type="button" className="primary" onClick={() => setDialog('new')}>
          New dashboard
        </button>
        <button type="button" onClick={() => setDialog('import')}>
          Import dashboard
        </button>
      </div>
      <FormError error={error} />
      {list.error ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {!list.data && !list.error ? <Loading what="Loading dashboards" /> : null}
      {list.data && all.length === 0 ? <Empty title="No dashboards">Create one with "New dashboard", or import a JSON export.</Empty> : null}
      {list.data && all.length > 0 ? (
        <>
          <DashboardRows title="My dashboards" list={mine} onDelete={setDialog} onError={setError} empty='None yet: "New dashboard" creates one.' />
          <DashboardRows
            title={`Shared in ${organisation}`}
            list={shared}
            onDelete={setDialog}
            onError={setError}
            empty="Nobody else shares a dashboard yet."
          />
          <DashboardRows title="Default dashboards" list={defaults} onDelete={setDialog} onError={setError} empty="The defaults were deleted." />
        </>
      ) : null}
      {dialog === 'new' ? <NewDashboardDialog onClose={() => setDialog(null)} /> : null}
      {dialog === 'import' ? <ImportDashboardDialog onClose={() => setDialog(null)} /> : null}
      {dialog && typeof dialog === 'object' ? <DeleteDashboardDialog d={dialog} onClose={() => setDialog(null)} onDeleted={list.reload} /> : null}
    </div>
  );
}

export function Dashboards({ edit = false }: { edit?: boolean }) {
  const { id } = useParams();
  if (id && edit) return <DashboardEditor key={id} id={id} />;
  if (id) return <DashboardView key={id} id={id} />;
  return <DashboardList />;
}
