import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, query, queryPage, request } from '../../lib/api';
import { sortStep } from '../../lib/filters';
import { useResource } from '../../lib/hooks';
import { useLiveUpdates } from '../../lib/stream';
import type { Case, Observable, Taxonomy } from '../../lib/types';
import { Empty, ErrorBox, FormError, Loading } from '../../components/States';
import { Dialog } from '../../components/Dialog';
import { Pager, toggle } from '../../components/Pager';
import { Tags, Tlp, formatDate, TLPS } from '../../components/Badges';
import { AttachmentLink } from '../../components/AttachmentLink';
import { LevelSelect, splitTags } from '../../components/CaseDialogs';
import { Toggle } from '../../components/Toggle';

interface ObservableType {
  name: string;
  isAttachment: boolean;
}

interface Analyzer {
  id: string;
  name: string;
  version?: string;
  description?: string;
  cortexIds?: string[];
}

interface Job {
  _id: string;
  analyzerName: string;
  analyzerId: string;
  status: string;
  startDate: number;
  endDate?: number;
  report?: { summary?: { taxonomies?: Taxonomy[] }; full?: unknown; success?: boolean; errorMessage?: string; artifacts?: unknown[] };
}

export interface Sightings {
  observableCount: number;
  iocCount: number;
  cases: Array<{ case: Case; similarObservableCount: number; similarIocCount: number }>;
}

export const observableLabel = (o: Observable) => o.data ?? o.attachment?.name ?? o._id;

/** Analyzer mini-reports: one badge per taxonomy of each analyzer's last report. */
export function MiniReports({ o }: { o: Observable }) {
  const taxonomies = Object.values(o.reports ?? {}).flatMap((r) => r.taxonomies ?? []);
  if (taxonomies.length === 0) return null;
  return (
    <span className="tags" aria-label="Analyzer reports">
      {taxonomies.map((t, i) => (
        <span key={i} className={`badge tax-${t.level}`}>
          {t.namespace}:{t.predicate}="{String(t.value)}"
        </span>
      ))}
    </span>
  );
}

function AddObservables({ parentPath, onClose, onAdded }: { parentPath: string; onClose: () => void; onAdded: () => void }) {
  const types = useResource(
    () => query<ObservableType[]>([{ _name: 'listObservableType' }, sortStep('name', 'asc'), { _name: 'page', from: 0, to: 500 }], 'observableTypes'),
    [],
  );
  const [dataType, setDataType] = useState('ip');
  const [data, setData] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [message, setMessage] = useState('');
  const [tags, setTags] = useState('');
  const [tlp, setTlp] = useState(2);
  const [ioc, setIoc] = useState(false);
  const [sighted, setSighted] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<string | null>(null);
  const isFile = types.data?.find((t) => t.name === dataType)?.isAttachment ?? dataType === 'file';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const common = { dataType, message: message || undefined, tags: splitTags(tags), tlp, ioc, sighted };
    try {
      let res;
      if (isFile) {
        if (!file) throw new Error('Choose a file to add.');
        const form = new FormData();
        form.append('_json', JSON.stringify(common));
        form.append('attachment', file, file.name);
        res = await request<unknown>('POST', parentPath, undefined, { form });
      } else {
        const values = data
          .split('\n')
          .map((v) => v.trim())
          .filter(Boolean);
        if (values.length === 0) throw new Error('Type at least one value (one per line).');
        res = await request<unknown>('POST', parentPath, { ...common, data: values });
      }
      const body = res.body as { failure?: Array<{ message: string; object?: { data?: string } }> } | unknown[];
      onAdded();
      if (!Array.isArray(body) && body.failure?.length) {
        setResult(`Some values were not added: ${body.failure.map((f) => `${f.object?.data ?? ''} (${f.message})`).join('; ')}`);
      } else onClose();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Dialog title="Add observables" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          Type
          <select aria-label="Type" value={dataType} onChange={(e) => setDataType(e.target.value)}>
            {(types.data ?? [{ name: 'ip', isAttachment: false }]).map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        {isFile ? (
          <label>
            File
            <input type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          </label>
        ) : (
          <label>
            Values (one per line)
            <textarea autoFocus value={data} onChange={(e) => setData(e.target.value)} />
          </label>
        )}
        <label>
          Description
          <input aria-label="Description" value={message} onChange={(e) => setMessage(e.target.value)} />
        </label>
        <label>
          Tags (comma-separated)
          <input value={tags} onChange={(e) => setTags(e.target.value)} />
        </label>
        <div className="row">
          <LevelSelect label="TLP" value={tlp} onChange={setTlp} labels={TLPS} />
          <label className="inline">
            <input type="checkbox" checked={ioc} onChange={(e) => setIoc(e.target.checked)} /> Is IOC
          </label>
          <label className="inline">
            <input type="checkbox" checked={sighted} onChange={(e) => setSighted(e.target.checked)} /> Sighted
          </label>
        </div>
        <FormError error={error} />
        {result ? <p role="status">{result}</p> : null}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Add observables
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function AnalyzeDialog({ o, onClose, onStarted }: { o: Observable; onClose: () => void; onStarted: () => void }) {
  const analyzers = useResource(() => api.get<Analyzer[]>(`/api/connector/cortex/analyzer/type/${encodeURIComponent(o.dataType)}`), [o.dataType]);
  const [started, setStarted] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const run = async (a: Analyzer) => {
    try {
      await api.post('/api/connector/cortex/job', { analyzerId: a.id, artifactId: o._id, ...(a.cortexIds?.[0] ? { cortexId: a.cortexIds[0] } : {}) });
      setStarted((s) => [...s, a.id]);
      onStarted();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Dialog title={`Run analyzers on ${observableLabel(o)}`} onClose={onClose}>
      {analyzers.error ? <ErrorBox error={analyzers.error} retry={analyzers.reload} /> : null}
      {!analyzers.data ? (
        <Loading what="Loading analyzers" />
      ) : analyzers.data.length === 0 ? (
        <Empty title={`No analyzer accepts "${o.dataType}".`}>An administrator can enable analyzers under Administration → Analysis engines.</Empty>
      ) : (
        <ul className="plain">
          {analyzers.data.map((a) => (
            <li key={a.id} className="row">
              <button type="button" disabled={started.includes(a.id)} onClick={() => void run(a)} aria-label={`Run ${a.name}`}>
                {started.includes(a.id) ? 'Started' : 'Run'}
              </button>
              <strong>{a.name}</strong> <span className="muted">{a.description}</span>
            </li>
          ))}
        </ul>
      )}
      <FormError error={error} />
    </Dialog>
  );
}

/** The full analyzer reports of an observable: every job, its status, taxonomies and raw report. */
export function ReportDialog({ o, onClose }: { o: Observable; onClose: () => void }) {
  const jobs = useResource(
    () =>
      query<Job[]>(
        [{ _name: 'getObservable', idOrName: o._id }, { _name: 'jobs' }, sortStep('_createdAt', 'desc'), { _name: 'page', from: 0, to: 50 }],
        'analyzer-jobs',
      ),
    [o._id],
  );
  useLiveUpdates((e) => e.objectType === 'case_artifact_job' || e.objectId === o._id, jobs.reload);
  return (
    <Dialog title={`Analysis reports of ${observableLabel(o)}`} onClose={onClose} wide>
      {jobs.error ? <ErrorBox error={jobs.error} retry={jobs.reload} /> : null}
      {!jobs.data ? (
        <Loading what="Loading reports" />
      ) : jobs.data.length === 0 ? (
        <Empty title="No analysis yet.">Use "Analyze" to run an analyzer on this observable.</Empty>
      ) : (
        jobs.data.map((j) => (
          <section key={j._id} className="card" aria-label={`Report of ${j.analyzerName}`}>
            <h3>
              {j.analyzerName} <span className={`badge status stage-${j.status === 'Success' ? 'Closed' : 'InProgress'}`}>{j.status}</span>{' '}
              <span className="muted">{formatDate(j.endDate ?? j.startDate)}</span>
            </h3>
            {j.report?.errorMessage ? <p className="form-error">{j.report.errorMessage}</p> : null}
            <span className="tags">
              {(j.report?.summary?.taxonomies ?? []).map((t, i) => (
                <span key={i} className={`badge tax-${t.level}`}>
                  {t.namespace}:{t.predicate}="{String(t.value)}"
                </span>
              ))}
            </span>
            {j.report?.full !== undefined ? <pre className="report">{JSON.stringify(j.report.full, null, 2)}</pre> : null}
          </section>
        ))
      )}
    </Dialog>
  );
}

/** "Seen in 3 other cases (1 as IOC)", from the observable similarity endpoint. */
export function KnownBadge({ o, exclude }: { o: Observable; exclude?: string }) {
  const s = useResource(() => api.get<Sightings>(`/api/v1/observable/${encodeURIComponent(o._id)}/similar`), [o._id]);
  if (!s.data) return null;
  const cases = s.data.cases.filter((c) => c.case._id !== exclude);
  if (cases.length === 0) return <span className="muted">new</span>;
  const iocs = cases.reduce((n, c) => n + c.similarIocCount, 0);
  return (
    <span className="known-in" data-testid="known-observable">
      <span className="badge known">
        Known: {cases.length} case{cases.length > 1 ? 's' : ''}
        {iocs ? `, IOC ${iocs}×` : ''}
      </span>{' '}
      {cases.slice(0, 5).map((c) => (
        <Link key={c.case._id} to={`/cases/${encodeURIComponent(c.case._id)}/observables`} title={c.case.title}>
          #{c.case.number}
        </Link>
      ))}
      {cases.length > 5 ? ` +${cases.length - 5}` : ''}
    </span>
  );
}

/** Observables of a case or an alert, one page at a time, with IOC/sighted toggles, analysis and reports. */
export function ObservableList({ parent, readOnly }: { parent: { kind: 'case' | 'alert'; id: string }; readOnly?: boolean }) {
  const [page, setPage] = useState(0);
  const [size, setSize] = useState(30);
  const [adding, setAdding] = useState(false);
  const [analyze, setAnalyze] = useState<Observable | null>(null);
  const [report, setReport] = useState<Observable | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const source = parent.kind === 'case' ? 'getCase' : 'getAlert';
  const list = useResource(
    () =>
      queryPage<Observable>(
        [{ _name: source, idOrName: parent.id }, { _name: 'observables' }, sortStep('_createdAt', 'desc')],
        page * size,
        (page + 1) * size,
        [],
        `${parent.kind}-observables`,
      ),
    [parent.id, page, size],
  );
  useLiveUpdates((e) => e.rootId === parent.id && (e.objectType === 'Observable' || e.objectType === 'case_artifact_job'), list.reload);
  const patch = (ids: string[], body: Record<string, unknown>) =>
    (ids.length === 1 ? api.patch(`/api/v1/observable/${encodeURIComponent(ids[0]!)}`, body) : api.patch('/api/v1/observable/_bulk', { ids, ...body })).then(
      list.reload,
      setError,
    );
  const remove = (ids: string[]) =>
    Promise.all(ids.map((id) => api.del(`/api/v1/observable/${encodeURIComponent(id)}`))).then(() => {
      setSelected(new Set());
      list.reload();
    }, setError);
  const items = list.data?.items ?? [];
  const parentPath = `/api/v1/${parent.kind}/${encodeURIComponent(parent.id)}/observable`;

  return (
    <section aria-label="Observables">
      {!readOnly ? (
        <div className="row" style={{ marginBottom: 8 }}>
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add observables
          </button>
          {selected.size > 0 ? (
            <div className="bulk" role="toolbar" aria-label="Observable bulk actions">
              <strong>{selected.size} selected</strong>
              <button type="button" onClick={() => void patch([...selected], { ioc: true }).catch(() => undefined)}>
                Mark as IOC
              </button>
              <button type="button" onClick={() => void patch([...selected], { ioc: false }).catch(() => undefined)}>
                Not IOC
              </button>
              <button type="button" onClick={() => void patch([...selected], { sighted: true }).catch(() => undefined)}>
                Mark sighted
              </button>
              <button type="button" className="danger" onClick={() => void remove([...selected])}>
                Delete selected
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
      <FormError error={error} />
      {list.error ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {!list.data ? (
        <Loading what="Loading observables" />
      ) : items.length === 0 ? (
        <Empty title="No observables.">{readOnly ? '' : 'Add IPs, domains, hashes or files with "Add observables" (several at once: one per line).'}</Empty>
      ) : (
        <>
          <table className="list" aria-label="Observables" aria-busy={list.loading}>
            <thead>
              <tr>
                {!readOnly ? <th aria-label="Selection" /> : null}
                <th>Type</th>
                <th>Value</th>
                <th>IOC</th>
                <th>Sighted</th>
                <th>Seen elsewhere</th>
                <th>Reports</th>
                {!readOnly ? <th>Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {items.map((o) => (
                <tr key={o._id} data-testid="observable-row" data-observable-id={o._id}>
                  {!readOnly ? (
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${observableLabel(o)}`}
                        checked={selected.has(o._id)}
                        onChange={() => setSelected(toggle(selected, o._id))}
                      />
                    </td>
                  ) : null}
                  <td>{o.dataType}</td>
                  <td>
                    {o.attachment ? <AttachmentLink a={o.attachment} /> : <code className="obs-data">{o.data}</code>} <Tlp value={o.tlp} />{' '}
                    <Tags tags={o.tags} />
                    {o.message ? <div className="muted">{o.message}</div> : null}
                  </td>
                  <td>
                    <Toggle label={`IOC ${observableLabel(o)}`} checked={o.ioc} disabled={readOnly} onChange={(ioc) => patch([o._id], { ioc })} />
                  </td>
                  <td>
                    <Toggle
                      label={`Sighted ${observableLabel(o)}`}
                      checked={o.sighted}
                      disabled={readOnly}
                      onChange={(sighted) => patch([o._id], { sighted })}
                    />
                  </td>
                  <td>
                    <KnownBadge o={o} exclude={parent.kind === 'case' ? parent.id : undefined} />
                  </td>
                  <td>
                    <MiniReports o={o} />
                  </td>
                  {!readOnly ? (
                    <td className="actions">
                      <button type="button" onClick={() => setAnalyze(o)} aria-label={`Analyze ${observableLabel(o)}`}>
                        Analyze
                      </button>
                      <button type="button" onClick={() => setReport(o)} aria-label={`Reports of ${observableLabel(o)}`}>
                        Reports
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={Math.floor(list.data.from / size)} size={size} total={list.data.total} onPage={setPage} onSize={(s) => (setSize(s), setPage(0))} />
        </>
      )}
      {adding ? <AddObservables parentPath={parentPath} onClose={() => setAdding(false)} onAdded={list.reload} /> : null}
      {analyze ? <AnalyzeDialog o={analyze} onClose={() => setAnalyze(null)} onStarted={list.reload} /> : null}
      {report ? <ReportDialog o={report} onClose={() => setReport(null)} /> : null}
    </section>
  );
}

export function Observables({ kase }: { kase: Case }) {
  return <ObservableList parent={{ kind: 'case', id: kase._id }} />;
}
