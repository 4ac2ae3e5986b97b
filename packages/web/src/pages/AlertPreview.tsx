import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, query } from '../lib/api';
import { useResource, useTitle } from '../lib/hooks';
import { useLiveUpdates } from '../lib/stream';
import { listTemplates } from '../lib/options';
import type { Alert, Case } from '../lib/types';
import { Empty, ErrorBox, FormError, Loading } from '../components/States';
import { Markdown } from '../components/Markdown';
import { Severity, Status, Tags, Tlp, formatDate } from '../components/Badges';
import { Dialog } from '../components/Dialog';
import { CasePickerDialog } from '../components/CasePicker';
import { TemplateSelect } from '../components/CaseDialogs';
import { ObservableList } from './case/Observables';

interface SimilarCase {
  case: Case;
  similarObservableCount: number;
  observableCount: number;
  similarIocCount: number;
  iocCount: number;
}

function CreateCaseDialog({ alert, onClose }: { alert: Alert; onClose: () => void }) {
  const templates = useResource(listTemplates, []);
  const [template, setTemplate] = useState('');
  const [error, setError] = useState<unknown>(null);
  const navigate = useNavigate();
  return (
    <Dialog title="Create a case from this alert" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          api.post<Case>(`/api/v1/alert/${encodeURIComponent(alert._id)}/case`, template ? { caseTemplate: template } : {}).then((c) => {
            onClose();
            void navigate(`/cases/${encodeURIComponent(c._id)}`);
          }, setError);
        }}
      >
        <TemplateSelect templates={templates.data} value={template} onChange={setTemplate} />
        <FormError error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Create case
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function SimilarCases({ alertId }: { alertId: string }) {
  const r = useResource(async () => {
    const [a] = await query<Array<Alert & { extraData: { similarCases?: SimilarCase[] } }>>([
      { _name: 'getAlert', idOrName: alertId },
      { _name: 'page', from: 0, to: 1, extraData: ['similarCases'] },
    ]);
    return a?.extraData.similarCases ?? [];
  }, [alertId]);
  useLiveUpdates((e) => e.rootId === alertId || e.objectType === 'Observable', r.reload, 1000);
  if (r.error) return <ErrorBox error={r.error} retry={r.reload} />;
  if (!r.data) return <Loading what="Looking for similar cases" />;
  if (r.data.length === 0) return <p className="muted">None of these observables is known in another case.</p>;
  return (
    <table className="list" aria-label="Similar cases">
      <thead>
        <tr>
          <th>Case</th>
          <th>Status</th>
          <th>Shared observables</th>
          <th>Shared IOCs</th>
        </tr>
      </thead>
      <tbody>
        {r.data.map((s) => (
          <tr key={s.case._id} data-testid="similar-case">
            <td>
              <Link to={`/cases/${encodeURIComponent(s.case._id)}`}>
                #{s.case.number} {s.case.title}
              </Link>
            </td>
            <td>
              <Status value={s.case.status} stage={s.case.stage} />
            </td>
            <td>
              {s.similarObservableCount} of {s.observableCount}
            </td>
            <td>
              {s.similarIocCount} of {s.iocCount}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AlertPreview() {
  const { alertId = '' } = useParams();
  const navigate = useNavigate();
  const a = useResource(() => api.get<Alert>(`/api/v1/alert/${encodeURIComponent(alertId)}`), [alertId]);
  const [dialog, setDialog] = useState<'create' | 'merge' | null>(null);
  useTitle(a.data ? `Alert: ${a.data.title}` : 'Alert');
  const [error, setError] = useState<unknown>(null);
  useLiveUpdates((e) => !!a.data && (e.objectId === a.data._id || e.rootId === a.data._id), a.reload);
  if (a.error && !a.data) return <ErrorBox error={a.error} retry={a.reload} />;
  if (!a.data) return <Loading what="Loading the alert" />;
  const alert = a.data;
  const setStatus = (status: string) => api.patch(`/api/v1/alert/${encodeURIComponent(alert._id)}`, { status }).then(a.reload, setError);

  return (
    <div className="page">
      <div className="case-head">
        <span className="muted">
          {alert.type} / {alert.source} / {alert.sourceRef}
        </span>
        <h1 data-testid="alert-title">{alert.title}</h1>
        <Severity value={alert.severity} />
        <Tlp value={alert.tlp} />
        <Status value={alert.status} stage={alert.stage} />
        <Tags tags={alert.tags} />
      </div>
      <div className="row" role="toolbar" aria-label="Alert actions" style={{ margin: '10px 0' }}>
        {alert.caseId ? (
          <Link to={`/cases/${encodeURIComponent(alert.caseId)}`}>Open the case of this alert</Link>
        ) : (
          <>
            <button type="button" className="primary" onClick={() => setDialog('create')}>
              Create case
            </button>
            <button type="button" onClick={() => setDialog('merge')}>
              Merge into case
            </button>
          </>
        )}
        {alert.status === 'New' ? (
          <button type="button" onClick={() => void setStatus('InProgress')}>
            Mark as read
          </button>
        ) : null}
        {alert.stage !== 'Closed' && alert.stage !== 'Imported' ? (
          <button type="button" onClick={() => void setStatus('Ignored')}>
            Ignore
          </button>
        ) : null}
        <button type="button" className="link" onClick={() => void navigate('/alerts')}>
          Back to alerts
        </button>
      </div>
      <FormError error={error} />
      <div className="grid2">
        <section className="card" aria-label="Description">
          <h2>Description</h2>
          <Markdown text={alert.description} />
        </section>
        <section className="card" aria-label="Details">
          <h2>Details</h2>
          <dl className="facts">
            <dt>Date</dt>
            <dd>{formatDate(alert.date)}</dd>
            <dt>Created</dt>
            <dd>
              {formatDate(alert._createdAt)} by {alert._createdBy}
            </dd>
            <dt>Observables</dt>
            <dd>{alert.observableCount ?? 0}</dd>
          </dl>
        </section>
      </div>
      <section className="card" aria-label="Similar cases">
        <h2>Similar cases</h2>
        <SimilarCases alertId={alert._id} />
      </section>
      <section className="card">
        <h2>Observables</h2>
        <p className="hint">Observables already seen in cases are marked “Known”, with the cases and how often they were flagged as IOC.</p>
        {alert.observableCount === 0 ? <Empty title="This alert has no observables." /> : <ObservableList parent={{ kind: 'alert', id: alert._id }} readOnly />}
      </section>
      {dialog === 'create' ? <CreateCaseDialog alert={alert} onClose={() => setDialog(null)} /> : null}
      {dialog === 'merge' ? (
        <CasePickerDialog
          title="Merge this alert into a case"
          action="Merge into"
          onClose={() => setDialog(null)}
          onPick={async (c) => {
            await api.post(`/api/v1/alert/${encodeURIComponent(alert._id)}/merge/${encodeURIComponent(c._id)}`);
            void navigate(`/cases/${encodeURIComponent(c._id)}/observables`);
          }}
        />
      ) : null}
    </div>
  );
}
