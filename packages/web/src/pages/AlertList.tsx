import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, queryPage } from '../lib/api';
import { f, filterStep, sortStep, whereOf, type Filter } from '../lib/filters';
import { useResource, useTitle } from '../lib/hooks';
import { useLiveUpdates } from '../lib/stream';
import { ALERT_STATUSES } from '../lib/options';
import type { Alert, Case } from '../lib/types';
import { Severity, Status, Tags, formatDate, SEVERITIES } from '../components/Badges';
import { Pager, toggle } from '../components/Pager';
import { ListHeader, ParamSelect, useListParams, WhereNote } from '../components/ListKit';
import { Empty, ErrorBox, FormError, Loading } from '../components/States';
import { ConfirmDialog, splitTags } from '../components/CaseDialogs';
import { CasePickerDialog } from '../components/CasePicker';

const STATUS_OPTIONS: Array<[string, string]> = [
  ['open', 'Open (new or in progress)'],
  ['unread', 'Unread'],
  ...ALERT_STATUSES.map((x): [string, string] => [x, x]),
];

const SORTABLE: Array<[string, string]> = [
  ['title', 'Title'],
  ['type', 'Type'],
  ['source', 'Source'],
  ['severity', 'Severity'],
  ['status', 'Status'],
  ['date', 'Date'],
];

function filtersOf(p: URLSearchParams): Filter[] {
  const out: Filter[] = [];
  const status = p.get('status');
  if (status === 'open') out.push(f.in('stage', ['New', 'InProgress']));
  else if (status === 'unread') out.push(f.eq('status', 'New'));
  else if (status) out.push(f.eq('status', status));
  const sev = p.get('severity');
  if (sev) out.push(f.eq('severity', Number(sev)));
  for (const k of ['type', 'source'] as const) {
    const v = p.get(k)?.trim();
    if (v) out.push(f.eq(k, v));
  }
  for (const tag of splitTags(p.get('tags') ?? '')) out.push(f.eq('tags', tag));
  const q = p.get('q')?.trim();
  if (q) out.push(f.or(f.contains('title', q), f.eq('sourceRef', q)));
  out.push(...whereOf(p).conds);
  return out;
}

export function AlertList() {
  useTitle('Alerts');
  const list0 = useListParams('date', ['status', 'severity', 'type', 'source', 'tags', 'q']);
  const { params, page, size, sort, dir, set, selected, setSelected } = list0;
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<'merge' | 'delete' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [text, setText] = useState(params.get('q') ?? '');
  const key = params.toString();
  const list = useResource(
    () => queryPage<Alert>([{ _name: 'listAlert' }, ...filterStep(filtersOf(params)), sortStep(sort, dir)], page * size, (page + 1) * size, [], 'alerts'),
    [key],
  );
  useLiveUpdates((e) => e.objectType === 'Alert', list.reload, 500);

  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      setSelected(new Set());
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const ids = [...selected];
  const items = list.data?.items ?? [];
  const hasFilter = list0.hasFilter;

  return (
    <div className="page">
      <div className="page-head">
        <h1>Alerts</h1>
        {list.loading && list.data ? <span className="spinner" aria-label="Refreshing" /> : null}
      </div>
      <form
        className="filters"
        aria-label="Alert filters"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          set({ q: text });
        }}
      >
        <label>
          Search
          <input aria-label="Search" type="search" placeholder="Title or reference" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <ParamSelect list={list0} name="status" label="Status" options={STATUS_OPTIONS} />
        <ParamSelect list={list0} name="severity" label="Severity" options={Object.entries(SEVERITIES)} />
        {(['type', 'source', 'tags'] as const).map((k) => (
          <label key={k}>
            {k === 'tags' ? 'Tags' : k === 'type' ? 'Type' : 'Source'}
            <input
              aria-label={k === 'tags' ? 'Tags' : k === 'type' ? 'Type' : 'Source'}
              defaultValue={params.get(k) ?? ''}
              onBlur={(e) => e.target.value !== (params.get(k) ?? '') && set({ [k]: e.target.value })}
            />
          </label>
        ))}
        <button type="submit">Apply filters</button>
        {hasFilter ? (
          <button
            type="button"
            className="link"
            onClick={() => {
              setText('');
              list0.clear();
            }}
          >
            Clear filters
          </button>
        ) : null}
      </form>
      <WhereNote list={list0} />

      {selected.size > 0 ? (
        <div className="bulk" role="toolbar" aria-label="Bulk actions">
          <strong>{selected.size} selected</strong>
          <button type="button" onClick={() => void run(() => api.patch('/api/v1/alert/_bulk', { ids, status: 'InProgress' }))}>
            Mark as read
          </button>
          <button type="button" onClick={() => void run(() => api.patch('/api/v1/alert/_bulk', { ids, status: 'New' }))}>
            Mark as unread
          </button>
          <button type="button" onClick={() => setDialog('merge')}>
            Merge into case
          </button>
          <button type="button" onClick={() => void run(() => Promise.all(ids.map((id) => api.post(`/api/v1/alert/${encodeURIComponent(id)}/case`, {}))))}>
            Import as cases
          </button>
          <button type="button" onClick={() => void run(() => api.patch('/api/v1/alert/_bulk', { ids, status: 'Ignored' }))}>
            Ignore
          </button>
          <button type="button" className="danger" onClick={() => setDialog('delete')}>
            Delete
          </button>
          <FormError error={error} />
        </div>
      ) : (
        <FormError error={error} />
      )}

      {list.error && !list.data ? (
        <ErrorBox error={list.error} retry={list.reload} />
      ) : !list.data ? (
        <Loading what="Loading alerts" />
      ) : items.length === 0 ? (
        <Empty title={hasFilter ? 'No alert matches these filters.' : 'No alerts.'}>
          {hasFilter ? 'Change or clear the filters.' : 'Alerts arrive from MISP, SIEMs and scripts through the API (POST /api/v1/alert).'}
        </Empty>
      ) : (
        <>
          <table className="list" aria-label="Alerts" aria-busy={list.loading}>
            <ListHeader list={list0} ids={items.map((x) => x._id)} what="alerts" columns={SORTABLE} extra={['Observables', 'Case']} />
            <tbody>
              {items.map((a) => (
                <tr key={a._id} data-testid="alert-row" data-alert-id={a._id} className={a.status === 'New' ? 'unread' : undefined}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select alert ${a.title}`}
                      checked={selected.has(a._id)}
                      onChange={() => setSelected(toggle(selected, a._id))}
                    />
                  </td>
                  <td>
                    <Link to={`/alerts/${encodeURIComponent(a._id)}`}>{a.title}</Link> <Tags tags={a.tags} />
                  </td>
                  <td>{a.type}</td>
                  <td>
                    {a.source} <span className="muted">{a.sourceRef}</span>
                  </td>
                  <td>
                    <Severity value={a.severity} />
                  </td>
                  <td>
                    <Status value={a.status} stage={a.stage} />
                  </td>
                  <td className="num">{formatDate(a.date)}</td>
                  <td className="num">{a.observableCount ?? ''}</td>
                  <td>{a.caseId ? <Link to={`/cases/${encodeURIComponent(a.caseId)}`}>open case</Link> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager
            page={Math.floor(list.data.from / size)}
            size={size}
            total={list.data.total}
            onPage={(p) => set({ page: String(p) }, true)}
            onSize={(s) => set({ size: String(s) })}
          />
        </>
      )}
      {dialog === 'merge' ? (
        <CasePickerDialog
          title={`Merge ${ids.length} alert(s) into a case`}
          action="Merge into"
          onClose={() => setDialog(null)}
          onPick={async (c: Case) => {
            await api.post('/api/v1/alert/merge/_bulk', { caseId: c._id, alertIds: ids });
            void navigate(`/cases/${encodeURIComponent(c._id)}`);
          }}
        />
      ) : null}
      {dialog === 'delete' ? (
        <ConfirmDialog
          title="Delete alerts"
          message={`Delete ${ids.length} alert(s) and their observables? This cannot be undone.`}
          confirm="Delete"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api.post('/api/v1/alert/delete/_bulk', { ids });
            setSelected(new Set());
            list.reload();
          }}
        />
      ) : null}
    </div>
  );
}
