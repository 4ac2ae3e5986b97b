import { useState } from 'react';
import { NavLink, useParams } from 'react-router-dom';
import { api } from '../../lib/api';
import { useResource, useTitle } from '../../lib/hooks';
import { aboutCase, useLiveUpdates } from '../../lib/stream';
import type { Case } from '../../lib/types';
import { ErrorBox, FormError, Loading } from '../../components/States';
import { Severity, Status, Tags, Tlp } from '../../components/Badges';
import { CloseCaseDialog } from '../../components/CaseDialogs';
import { Summary } from './Summary';
import { Tasks } from './Tasks';
import { Observables } from './Observables';
import { Attachments, CasePages, Similar, Sharing, Timeline, Ttps } from './Sections';

const TABS: Array<[string, string]> = [
  ['', 'Summary'],
  ['tasks', 'Tasks'],
  ['observables', 'Observables'],
  ['ttps', 'TTPs'],
  ['pages', 'Pages'],
  ['attachments', 'Attachments'],
  ['timeline', 'Timeline'],
  ['similar', 'Similar cases'],
  ['sharing', 'Sharing'],
];

export function CasePage() {
  const { caseId = '', tab = '' } = useParams();
  const c = useResource(() => api.get<Case>(`/api/v1/case/${encodeURIComponent(caseId)}`), [caseId]);
  const [closing, setClosing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useTitle(c.data ? `#${c.data.number} ${c.data.title}` : 'Case');
  useLiveUpdates(aboutCase(c.data?._id), c.reload);

  if (c.error && !c.data) return <ErrorBox error={c.error} retry={c.reload} />;
  if (!c.data) return <Loading what="Loading the case" />;
  const kase = c.data;
  const base = `/cases/${encodeURIComponent(caseId)}`;
  const update = async (body: Record<string, unknown>) => {
    await api.patch(`/api/v1/case/${kase._id}`, body);
    c.reload();
  };
  const closed = kase.stage === 'Closed';
  const act = (body: Record<string, unknown>) => {
    setError(null);
    update(body).catch(setError);
  };

  return (
    <div className="page">
      <div className="case-head">
        <span className="muted">Case #{kase.number}</span>
        {kase.flag ? (
          <span className="flag" aria-label="Flagged">
            ⚑
          </span>
        ) : null}
        <h1 data-testid="case-title">{kase.title}</h1>
        <Severity value={kase.severity} />
        <Tlp value={kase.tlp} />
        <Tlp value={kase.pap} kind="PAP" />
        <Status value={kase.status} stage={kase.stage} />
        <Tags tags={kase.tags} />
        <div className="spacer" />
        <button type="button" onClick={() => act({ flag: !kase.flag })}>
          {kase.flag ? 'Unflag' : 'Flag'}
        </button>
        {closed ? (
          <button type="button" onClick={() => act({ status: 'InProgress' })}>
            Reopen case
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => setClosing(true)}>
            Close case
          </button>
        )}
      </div>
      <FormError error={error} />
      <nav className="tabs" aria-label="Case sections">
        {TABS.map(([t, label]) => (
          <NavLink key={t} to={t ? `${base}/${t}` : base} end>
            {label}
          </NavLink>
        ))}
      </nav>
      {tab === '' ? <Summary kase={kase} update={update} /> : null}
      {tab === 'tasks' ? <Tasks kase={kase} /> : null}
      {tab === 'observables' ? <Observables kase={kase} /> : null}
      {tab === 'ttps' ? <Ttps kase={kase} /> : null}
      {tab === 'pages' ? <CasePages kase={kase} /> : null}
      {tab === 'attachments' ? <Attachments kase={kase} /> : null}
      {tab === 'timeline' ? <Timeline kase={kase} /> : null}
      {tab === 'similar' ? <Similar kase={kase} /> : null}
      {tab === 'sharing' ? <Sharing kase={kase} /> : null}
      {closing ? <CloseCaseDialog count={1} onClose={() => setClosing(false)} apply={update} /> : null}
    </div>
  );
}
