import { lazy, Suspense } from 'react';
import { Link } from 'react-router-dom';
import { query } from '../lib/api';
import { f, filterStep } from '../lib/filters';
import { useResource, useTitle } from '../lib/hooks';
import { useLiveUpdates } from '../lib/stream';
import { ALERT_STATUSES, CASE_STATUSES } from '../lib/options';
import { ErrorBox, Loading } from '../components/States';
import { SEVERITIES } from '../components/Badges';
import type { Bar } from '../components/BarChart';

const BarChart = lazy(() => import('../components/BarChart'));

const SEVERITY_COLORS: Record<number, string> = { 1: '#1e88e5', 2: '#fb8c00', 3: '#e53935', 4: '#8e0000' };

/** One `count` query per bar: the server counts, nothing is downloaded. */
const count = (source: string, cond: ReturnType<typeof f.eq>) => query<number>([{ _name: source }, ...filterStep([cond]), { _name: 'count' }]);

async function load(): Promise<{ cases: Bar[]; severities: Bar[]; alerts: Bar[] }> {
  const open = f.in('stage', ['New', 'InProgress']);
  const [cases, severities, alerts] = await Promise.all([
    Promise.all(CASE_STATUSES.map(async (s) => ({ label: s, value: await count('listCase', f.eq('status', s)) }))),
    Promise.all(
      Object.entries(SEVERITIES).map(async ([v, label]) => ({
        label,
        value: await query<number>([{ _name: 'listCase' }, ...filterStep([open, f.eq('severity', Number(v))]), { _name: 'count' }]),
        color: SEVERITY_COLORS[Number(v)],
      })),
    ),
    Promise.all(ALERT_STATUSES.map(async (s) => ({ label: s, value: await count('listAlert', f.eq('status', s)) }))),
  ]);
  return { cases, severities, alerts };
}

export function Overview() {
  useTitle('Overview');
  const r = useResource(load, []);
  useLiveUpdates((e) => e.objectType === 'Case' || e.objectType === 'Alert', r.reload, 2000);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Overview</h1>
        <Link to="/cases?status=open">Open cases</Link>
        <Link to="/alerts?status=unread">Unread alerts</Link>
      </div>
      {r.error && !r.data ? <ErrorBox error={r.error} retry={r.reload} /> : null}
      {!r.data ? (
        <Loading what="Counting" />
      ) : (
        <Suspense fallback={<Loading what="Drawing" />}>
          <div className="charts">
            <BarChart title="Cases by status" bars={r.data.cases} />
            <BarChart title="Open cases by severity" bars={r.data.severities} />
            <BarChart title="Alerts by status" bars={r.data.alerts} />
          </div>
        </Suspense>
      )}
    </div>
  );
}
