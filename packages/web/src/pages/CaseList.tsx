import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, queryPage } from '../lib/api';
import { f, filterStep, sortStep, whereOf, type Filter } from '../lib/filters';
import { useResource, useTitle } from '../lib/hooks';
import { useLiveUpdates } from '../lib/stream';
import { CASE_STATUSES, customFieldValue, listCustomFields, listUsers } from '../lib/options';
import type { Case } from '../lib/types';
import { Severity, Status, Tags, Tlp, formatDate, SEVERITIES } from '../components/Badges';
import { Pager, toggle } from '../components/Pager';
import { ListHeader, ParamSelect, useListParams, WhereNote } from '../components/ListKit';
import { Empty, ErrorBox, FormError, Loading } from '../components/States';
import { CloseCaseDialog, ConfirmDialog, NewCaseDialog, splitTags } from '../components/CaseDialogs';
import { Dialog } from '../components/Dialog';

const STATUS_OPTIONS: Array<[string, string]> = [
  ['open', 'Open (new or in progress)'],
  ['closed', 'Closed'],
  ...CASE_STATUSES.map((x): [string, string] => [x, x]),
];

const SORTABLE: Array<[string, string]> = [
  ['number', '#'],
  ['title', 'Title'],
  ['severity', 'Severity'],
  ['status', 'Status'],
  ['assignee', 'Assignee'],
  ['_createdAt', 'Created'],
];

/** Filter expressions from the URL (so a filtered list can be bookmarked and shared). */
function filtersOf(p: URLSearchParams, cfType: (name: string) => ReturnType<typeof customFieldValue>): Filter[] {
  const out: Filter[] = [];
  const status = p.get('status');
  if (status === 'open') out.push(f.in('stage', ['New', 'InProgress']));
  else if (status === 'closed') out.push(f.eq('stage', 'Closed'));
  else if (status) out.push(f.eq('status', status));
  const sev = p.get('severity');
  if (sev) out.push(f.eq('severity', Number(sev)));
  for (const tag of splitTags(p.get('tags') ?? '')) out.push(f.eq('tags', tag));
  const assignee = p.get('assignee');
  if (assignee === '-') out.push(f.not(f.has('assignee')));
  else if (assignee) out.push(f.eq('assignee', assignee));
  const cf = p.get('cf');
  if (cf) out.push(f.eq(`customFields.${cf}`, cfType(cf)));
  const q = p.get('q')?.trim();
  if (q) out.push(/^#?\d+$/.test(q) ? f.or(f.eq('number', Number(q.replace('#', ''))), f.contains('title', q)) : f.contains('title', q));
  if (p.get('flag') === '1') out.push(f.eq('flag', true));
  out.push(...whereOf(p).conds);
  return out;
}

export function CaseList() {
  useTitle('Cases');
  const list0 = useListParams('_createdAt', ['status', 'severity', 'tags', 'assignee', 'cf', 'q', 'flag']);
  const { params, page, size, sort, dir, set, selected, setSelected } = list0;
  const users = useResource(listUsers, []);
  const fields = useResource(listCustomFields, []);
  const [dialog, setDialog] = useState<'new' | 'close' | 'delete' | 'tag' | null>(null);
  const [bulkError, setBulkError] = useState<unknown>(null);
  const [text, setText] = useState(params.get('q') ?? '');
  const [cfValue, setCfValue] = useState(params.get('cfv') ?? '');

  const cfType = (name: string) =>
    customFieldValue(
      fields.data?.find((d) => d.name === name),
      params.get('cfv') ?? '',
    );
  const key = params.toString();
  const list = useResource(
    () => queryPage<Case>([{ _name: 'listCase' }, ...filterStep(filtersOf(params, cfType)), sortStep(sort, dir)], page * size, (page + 1) * size, [], 'cases'),
    [key, params.get('cf') ? fields.data : null],
  );
  useLiveUpdates((e) => e.objectType === 'Case', list.reload, 500);

  const bulk = async (body: Record<string, unknown>) => {
    setBulkError(null);
    try {
      await api.patch('/api/v1/case/_bulk', { ids: [...selected], ...body });
      list.reload();
    } catch (e) {
      setBulkError(e);
      throw e;
    }
  };

  const items = list.data?.items ?? [];
  const hasFilter = list0.hasFilter;

  return (
    <div className="page">
      <div className="page-head">
        <h1>Cases</h1>
        <button type="button" className="primary" onClick={() => setDialog('new')}>
          New case
        </button>
        <div className="spacer" />
        {list.loading && list.data ? <span className="spinner" aria-label="Refreshing" /> : null}
      </div>

      <form
        className="filters"
        aria-label="Case filters"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          set({ q: text, cfv: cfValue });
        }}
      >
        <label>
          Search
          <input aria-label="Search" type="search" placeholder="Title or number" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <ParamSelect list={list0} name="status" label="Status" options={STATUS_OPTIONS} />
        <ParamSelect list={list0} name="severity" label="Severity" options={Object.entries(SEVERITIES)} />
        <label>
          Tags
          <input
            aria-label="Tags"
            placeholder="tag1, tag2"
            defaultValue={params.get('tags') ?? ''}
            onBlur={(e) => e.target.value !== (params.get('tags') ?? '') && set({ tags: e.target.value })}
          />
        </label>
        <label>
          Assignee
          <select aria-label="Assignee" value={params.get('assignee') ?? ''} onChange={(e) => set({ assignee: e.target.value })}>
            <option value="">Anyone</option>
            <option value="-">Unassigned</option>
            {(users.data ?? []).map((u) => (
              <option key={u.login} value={u.login}>
                {u.name} ({u.login})
              </option>
            ))}
          </select>
        </label>
        <label>
          Custom field
          <select aria-label="Custom field" value={params.get('cf') ?? ''} onChange={(e) => set({ cf: e.target.value, cfv: e.target.value ? cfValue : '' })}>
            <option value="">None</option>
            {(fields.data ?? []).map((d) => (
              <option key={d.name} value={d.name}>
                {d.displayName || d.name}
              </option>
            ))}
          </select>
        </label>
        {params.get('cf') ? (
          <label>
            Field value
            <input aria-label="Field value" value={cfValue} onChange={(e) => setCfValue(e.target.value)} />
          </label>
        ) : null}
        <label className="inline">
          <input type="checkbox" checked={params.get('flag') === '1'} onChange={(e) => set({ flag: e.target.checked ? '1' : '' })} />
          Flagged only
        </label>
        <button type="submit">Apply filters</button>
        {hasFilter ? (
          <button
            type="button"
            className="link"
            onClick={() => {
              setText('');
              setCfValue('');
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
          <label className="inline">
            Assign to
            <select
              aria-label="Assign to"
              value=""
              onChange={(e) => {
                if (e.target.value) void bulk({ assignee: e.target.value === '-' ? null : e.target.value }).catch(() => undefined);
              }}
            >
              <option value="">Choose…</option>
              <option value="-">Nobody</option>
              {(users.data ?? []).map((u) => (
                <option key={u.login} value={u.login}>
                  {u.login}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => void bulk({ flag: true }).catch(() => undefined)}>
            Flag
          </button>
          <button type="button" onClick={() => void bulk({ flag: false }).catch(() => undefined)}>
            Unflag
          </button>
          <button type="button" onClick={() => setDialog('tag')}>
            Add tags
          </button>
          <button type="button" onClick={() => setDialog('close')}>
            Close
          </button>
          <button type="button" className="danger" onClick={() => setDialog('delete')}>
            Delete
          </button>
          <button type="button" className="link" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
          <FormError error={bulkError} />
        </div>
      ) : null}

      {list.error && !list.data ? (
        <ErrorBox error={list.error} retry={list.reload} />
      ) : !list.data ? (
        <Loading what="Loading cases" />
      ) : items.length === 0 ? (
        <Empty title={hasFilter ? 'No case matches these filters.' : 'No cases yet.'}>
          {hasFilter ? 'Change or clear the filters.' : 'Create one with "New case", or import an alert from the Alerts page.'}
        </Empty>
      ) : (
        <>
          {list.error ? <ErrorBox error={list.error} retry={list.reload} /> : null}
          <table className="list" aria-label="Cases" aria-busy={list.loading}>
            <ListHeader list={list0} ids={items.map((x) => x._id)} what="cases" columns={SORTABLE} extra={['Tags']} />
            <tbody>
              {items.map((c) => (
                <tr key={c._id} data-testid="case-row" data-case-id={c._id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select case #${c.number}`}
                      checked={selected.has(c._id)}
                      onChange={() => setSelected(toggle(selected, c._id))}
                    />
                  </td>
                  <td className="num">#{c.number}</td>
                  <td>
                    {c.flag ? (
                      <span className="flag" title="Flagged" aria-label="Flagged">
                        ⚑{' '}
                      </span>
                    ) : null}
                    <Link to={`/cases/${encodeURIComponent(c._id)}`}>{c.title}</Link> <Tlp value={c.tlp} />
                  </td>
                  <td>
                    <Severity value={c.severity} />
                  </td>
                  <td>
                    <Status value={c.status} stage={c.stage} />
                  </td>
                  <td>{c.assignee ?? <span className="muted">unassigned</span>}</td>
                  <td className="num">{formatDate(c._createdAt)}</td>
                  <td>
                    <Tags tags={c.tags} />
                  </td>
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

      {dialog === 'new' ? <NewCaseDialog onClose={() => setDialog(null)} /> : null}
      {dialog === 'close' ? <CloseCaseDialog count={selected.size} onClose={() => setDialog(null)} apply={(body) => bulk(body)} /> : null}
      {dialog === 'tag' ? <TagDialog onClose={() => setDialog(null)} apply={(tags) => bulk({ addTags: tags })} /> : null}
      {dialog === 'delete' ? (
        <ConfirmDialog
          title="Delete cases"
          message={`Delete ${selected.size} case(s) with their tasks and observables? This cannot be undone.`}
          confirm="Delete"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await Promise.all([...selected].map((id) => api.del(`/api/v1/case/${encodeURIComponent(id)}`)));
            setSelected(new Set());
            list.reload();
          }}
        />
      ) : null}
    </div>
  );
}

function TagDialog({ onClose, apply }: { onClose: () => void; apply: (tags: string[]) => Promise<void> }) {
  const [tags, setTags] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog title="Add tags" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          apply(splitTags(tags)).then(onClose, setError);
        }}
      >
        <label>
          Tags (comma-separated)
          <input required autoFocus value={tags} onChange={(e) => setTags(e.target.value)} />
        </label>
        <FormError error={error} />
        <div className="dialog-actions">
          <button type="submit" className="primary">
            Add tags
          </button>
        </div>
      </form>
    </Dialog>
  );
}
