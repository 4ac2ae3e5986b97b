import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, query, request } from '../../lib/api';
import { sortStep } from '../../lib/filters';
import { useResource } from '../../lib/hooks';
import { aboutCase, useLiveUpdates } from '../../lib/stream';
import { useSession } from '../../lib/session';
import type { Attachment, Case, Entity } from '../../lib/types';
import { Empty, ErrorBox, FormError, Loading } from '../../components/States';
import { Markdown } from '../../components/Markdown';
import { AttachmentLink } from '../../components/AttachmentLink';
import { Severity, Status, formatDate } from '../../components/Badges';
import { Editable } from '../../components/Editable';
import { DataTable, DeleteButton } from '../../components/DataTable';

const caseChildren = <T,>(kase: Case, name: string, sort = sortStep('_createdAt', 'desc'), label?: string) =>
  query<T[]>([{ _name: 'getCase', idOrName: kase._id }, { _name: name }, sort, { _name: 'page', from: 0, to: 200 }], label ?? `case-${name}`);

/** Loads a case-scoped resource and keeps it live. */
function useCaseResource<T>(kase: Case, fn: () => Promise<T>, types: string[]) {
  const r = useResource(fn, [kase._id]);
  useLiveUpdates((e) => aboutCase(kase._id)(e) && (types.length === 0 || types.includes(e.objectType)), r.reload);
  return r;
}

function Section<T>({
  r,
  empty,
  children,
}: {
  r: { data: T[] | undefined; error: unknown; reload: () => void };
  empty: React.ReactNode;
  children: (items: T[]) => React.ReactNode;
}) {
  if (r.error && !r.data) return <ErrorBox error={r.error} retry={r.reload} />;
  if (!r.data) return <Loading />;
  if (r.data.length === 0) return <>{empty}</>;
  return <>{children(r.data)}</>;
}

// ---- TTPs ----

interface Procedure extends Entity {
  occurDate: number;
  patternId?: string;
  patternName?: string;
  tactic?: string;
  tacticLabel?: string;
  description?: string;
}

export function Ttps({ kase }: { kase: Case }) {
  const r = useCaseResource(kase, () => caseChildren<Procedure>(kase, 'procedures', sortStep('occurDate', 'desc')), ['Procedure']);
  const [patternId, setPatternId] = useState('');
  const [tactic, setTactic] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post(`/api/v1/case/${kase._id}/procedure`, {
        patternId: patternId.trim(),
        occurDate: Date.now(),
        ...(tactic ? { tactic } : {}),
        ...(description ? { description } : {}),
      });
      setPatternId('');
      setDescription('');
      setError(null);
      r.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-label="TTPs">
      <form className="filters" onSubmit={(e) => void add(e)} aria-label="Add a TTP">
        <label>
          MITRE ATT&CK technique
          <input aria-label="MITRE ATT&CK technique" required placeholder="T1059.001" value={patternId} onChange={(e) => setPatternId(e.target.value)} />
        </label>
        <label>
          Tactic
          <input aria-label="Tactic" placeholder="execution" value={tactic} onChange={(e) => setTactic(e.target.value)} />
        </label>
        <label>
          Description
          <input aria-label="Description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          Add TTP
        </button>
      </form>
      <FormError error={error} />
      <Section r={r} empty={<Empty title="No TTPs.">Add the ATT&CK techniques observed in this case.</Empty>}>
        {(items) => (
          <DataTable
            label="TTPs"
            head={['Date', 'Tactic', 'Technique', 'Description', 'Actions']}
            items={items}
            row={(p) => (
              <tr key={p._id}>
                <td className="num">{formatDate(p.occurDate)}</td>
                <td>{p.tacticLabel ?? p.tactic}</td>
                <td>
                  <strong>{p.patternId}</strong> {p.patternName}
                </td>
                <td>{p.description}</td>
                <td>
                  <DeleteButton what={`TTP ${p.patternId ?? ''}`} onDelete={() => void api.del(`/api/v1/procedure/${p._id}`).then(r.reload, setError)} />
                </td>
              </tr>
            )}
          />
        )}
      </Section>
    </section>
  );
}

// ---- Pages ----

interface CasePageDoc extends Entity {
  title: string;
  content: string;
  category: string;
  order?: number;
}

export function CasePages({ kase }: { kase: Case }) {
  const r = useCaseResource(kase, () => caseChildren<CasePageDoc>(kase, 'pages', sortStep('title', 'asc')), ['Page']);
  const [title, setTitle] = useState('');
  const [category, setCategory] = useState('');
  const [error, setError] = useState<unknown>(null);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post(`/api/v1/case/${kase._id}/page`, { title, category: category || 'General', content: `# ${title}\n` });
      setTitle('');
      setError(null);
      r.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-label="Pages">
      <form className="filters" onSubmit={(e) => void add(e)} aria-label="Add a page">
        <label>
          Page title
          <input aria-label="Page title" required value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          Category
          <input aria-label="Category" placeholder="General" value={category} onChange={(e) => setCategory(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          Add page
        </button>
      </form>
      <FormError error={error} />
      <Section r={r} empty={<Empty title="No pages.">Pages hold notes and reports written in markdown.</Empty>}>
        {(items) =>
          items.map((p) => (
            <article key={p._id} className="card" aria-label={`Page ${p.title}`}>
              <h3>
                {p.title} <span className="muted">({p.category})</span>
              </h3>
              <Editable
                label={`Content of ${p.title}`}
                multiline
                value={p.content}
                display={<Markdown text={p.content} />}
                onSave={(content) => api.patch(`/api/v1/case/${kase._id}/page/${p._id}`, { content }).then(r.reload)}
              />
            </article>
          ))
        }
      </Section>
    </section>
  );
}

// ---- Attachments ----

export function Attachments({ kase }: { kase: Case }) {
  const r = useCaseResource(kase, () => caseChildren<Attachment>(kase, 'attachments'), ['Attachment']);
  const [files, setFiles] = useState<FileList | null>(null);
  const [key, setKey] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const upload = async (e: FormEvent) => {
    e.preventDefault();
    if (!files?.length) return;
    const form = new FormData();
    for (const f of files) form.append('attachments', f, f.name);
    try {
      await request('POST', `/api/v1/case/${kase._id}/attachments`, undefined, { form });
      setFiles(null);
      setKey((k) => k + 1);
      setError(null);
      r.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-label="Attachments">
      <form className="filters" onSubmit={(e) => void upload(e)} aria-label="Upload attachments">
        <label>
          Files
          <input key={key} type="file" multiple onChange={(e) => setFiles(e.target.files)} />
        </label>
        <button type="submit" className="primary" disabled={!files?.length}>
          Upload
        </button>
      </form>
      <FormError error={error} />
      <Section r={r} empty={<Empty title="No attachments.">Upload files here; task log attachments are listed under their task.</Empty>}>
        {(items) => (
          <DataTable
            label="Attachments"
            head={['File', 'Hashes', 'Added', 'Actions']}
            items={items}
            row={(a) => (
              <tr key={a._id}>
                <td>
                  <AttachmentLink a={a} href={`/api/v1/case/${kase._id}/attachment/${a._id}/download`} />
                </td>
                <td>
                  <code className="hash">{a.hashes?.[0]}</code>
                </td>
                <td className="num">
                  {formatDate(a._createdAt)} {a._createdBy}
                </td>
                <td>
                  <DeleteButton what={`${a.name}`} onDelete={() => void api.del(`/api/v1/case/${kase._id}/attachment/${a._id}`).then(r.reload, setError)} />
                </td>
              </tr>
            )}
          />
        )}
      </Section>
    </section>
  );
}

// ---- Timeline ----

interface TimelineEvent {
  date: number;
  endDate?: number;
  kind: string;
  entity: string;
  entityId: string;
  details: Record<string, unknown>;
}

function describe(e: TimelineEvent): string {
  const d = e.details;
  const name = d.title ?? d.data ?? d.message ?? d.patternId ?? d.name ?? '';
  return `${e.kind} ${e.entity}${name ? `: ${String(name).slice(0, 200)}` : ''}`;
}

export function Timeline({ kase }: { kase: Case }) {
  const r = useCaseResource(kase, async () => (await api.get<{ events: TimelineEvent[] }>(`/api/v1/case/${kase._id}/timeline`)).events, []);
  const [title, setTitle] = useState('');
  const [when, setWhen] = useState('');
  const [error, setError] = useState<unknown>(null);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const date = when ? new Date(when).getTime() : Date.now();
    if (Number.isNaN(date)) return setError(new Error('The date is not valid.'));
    try {
      await api.post(`/api/v1/case/${kase._id}/customEvent`, { title, date });
      setTitle('');
      setWhen('');
      setError(null);
      r.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-label="Timeline">
      <form className="filters" onSubmit={(e) => void add(e)} aria-label="Add an event">
        <label>
          Event
          <input aria-label="Event" required value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          When (empty: now)
          <input aria-label="When" type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          Add event
        </button>
      </form>
      <FormError error={error} />
      <Section r={r} empty={<Empty title="Nothing on the timeline yet." />}>
        {(events) => (
          <ol className="timeline">
            {[...events]
              .sort((a, b) => b.date - a.date)
              .map((e, i) => (
                <li key={`${e.entityId}-${i}`}>
                  <span className="muted">{formatDate(e.date)}</span> — {describe(e)}
                </li>
              ))}
          </ol>
        )}
      </Section>
    </section>
  );
}

// ---- Similar cases ----

interface LinkedCase extends Case {
  linksCount?: number;
  linkedWith?: Array<{ dataType: string; data?: string }>;
}

export function Similar({ kase }: { kase: Case }) {
  const r = useCaseResource(kase, () => api.get<LinkedCase[]>(`/api/v1/case/${kase._id}/links`), ['Observable']);
  return (
    <section aria-label="Similar cases">
      <Section r={r} empty={<Empty title="No similar case.">Cases that share observables with this one appear here.</Empty>}>
        {(items) => (
          <DataTable
            label="Similar cases"
            head={['Case', 'Severity', 'Status', 'Shared observables']}
            items={items}
            row={(c) => (
              <tr key={c._id}>
                <td>
                  <Link to={`/cases/${encodeURIComponent(c._id)}`}>
                    #{c.number} {c.title}
                  </Link>
                </td>
                <td>
                  <Severity value={c.severity} />
                </td>
                <td>
                  <Status value={c.status} stage={c.stage} />
                </td>
                <td>
                  {c.linksCount ?? c.linkedWith?.length ?? 0}:{' '}
                  {(c.linkedWith ?? [])
                    .slice(0, 5)
                    .map((o) => `${o.dataType}:${o.data ?? ''}`)
                    .join(', ')}
                </td>
              </tr>
            )}
          />
        )}
      </Section>
    </section>
  );
}

// ---- Sharing ----

interface Share extends Entity {
  organisationName: string;
  profileName: string;
  owner: boolean;
  taskRule?: string;
  observableRule?: string;
}

interface OrgLink {
  organisation: { name: string };
  linkType?: string;
}

export function Sharing({ kase }: { kase: Case }) {
  const { organisation } = useSession();
  const r = useCaseResource(kase, () => api.get<Share[]>(`/api/v1/case/${kase._id}/shares`), ['Share']);
  const links = useResource(() => api.get<OrgLink[]>(`/api/v1/organisation/${encodeURIComponent(organisation)}/links`), [organisation]);
  const [org, setOrg] = useState('');
  const [profile, setProfile] = useState('analyst');
  const [error, setError] = useState<unknown>(null);
  const share = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post(`/api/v1/case/${kase._id}/shares`, { shares: [{ organisation: org, profile }] });
      setError(null);
      r.reload();
    } catch (err) {
      setError(err);
    }
  };
  const shared = new Set((r.data ?? []).map((s) => s.organisationName));
  const candidates = (links.data ?? []).map((l) => l.organisation.name).filter((n) => !shared.has(n));
  return (
    <section aria-label="Sharing">
      <form className="filters" onSubmit={(e) => void share(e)} aria-label="Share the case">
        <label>
          Organisation
          <select aria-label="Organisation" required value={org} onChange={(e) => setOrg(e.target.value)}>
            <option value="">Choose a linked organisation…</option>
            {candidates.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <label>
          Profile
          <select aria-label="Profile" value={profile} onChange={(e) => setProfile(e.target.value)}>
            <option>analyst</option>
            <option>read-only</option>
          </select>
        </label>
        <button type="submit" className="primary" disabled={!org}>
          Share
        </button>
        {links.data && candidates.length === 0 ? <span className="hint">No other linked organisation: an administrator links organisations first.</span> : null}
      </form>
      <FormError error={error} />
      <Section r={r} empty={<Empty title="This case is not shared." />}>
        {(items) => (
          <DataTable
            label="Shares"
            head={['Organisation', 'Profile', 'Tasks', 'Observables', 'Actions']}
            items={items}
            row={(s) => (
              <tr key={s._id}>
                <td>
                  {s.organisationName} {s.owner ? <span className="badge status">owner</span> : null}
                </td>
                <td>{s.profileName}</td>
                <td>{s.taskRule}</td>
                <td>{s.observableRule}</td>
                <td>
                  {!s.owner ? (
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Stop sharing with ${s.organisationName}`}
                      onClick={() => void api.del(`/api/v1/case/share/${s._id}`).then(r.reload, setError)}
                    >
                      Unshare
                    </button>
                  ) : null}
                </td>
              </tr>
            )}
          />
        )}
      </Section>
    </section>
  );
}
