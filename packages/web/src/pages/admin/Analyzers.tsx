import { api } from '../../lib/api';
import { useResource } from '../../lib/hooks';
import { Empty, ErrorBox, Loading } from '../../components/States';
import { HealthBadge, type Health } from '../../components/Badges';

export interface EngineStatus {
  enabled: boolean;
  status: string;
  health: Health;
  servers: Array<{ name: string; version: string | null; status: string; reachable: boolean; error?: string }>;
}

interface Analyzer {
  id: string;
  name: string;
  version?: string;
  description?: string;
  dataTypeList?: string[];
  cortexIds?: string[];
}

export function Analyzers() {
  const status = useResource(() => api.get<EngineStatus>('/api/connector/cortex/status'), []);
  const analyzers = useResource(() => api.get<Analyzer[]>('/api/connector/cortex/analyzer'), []);
  const reload = () => {
    status.reload();
    analyzers.reload();
  };
  return (
    <div>
      <div className="page-head">
        <h1>Analysis engines</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      <section className="card" aria-label="Engines">
        <h2>Engines {status.data ? <HealthBadge health={status.data.health} /> : null}</h2>
        {status.error ? <ErrorBox error={status.error} retry={status.reload} /> : null}
        {!status.data ? (
          <Loading what="Checking engines" />
        ) : status.data.servers.length === 0 ? (
          <Empty title="No analysis engine is configured.">Enable the built-in engine or add a Cortex server in the server configuration.</Empty>
        ) : (
          <table className="list" aria-label="Engines">
            <thead>
              <tr>
                <th>Engine</th>
                <th>Version</th>
                <th>Health</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {status.data.servers.map((s) => (
                <tr key={s.name}>
                  <td>{s.name}</td>
                  <td>{s.version ?? '—'}</td>
                  <td>
                    <HealthBadge health={s.reachable ? 'green' : 'red'} />
                  </td>
                  <td className="muted">{s.error ?? 'reachable'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card" aria-label="Analyzers">
        <h2>Analyzers</h2>
        {analyzers.error ? <ErrorBox error={analyzers.error} retry={analyzers.reload} /> : null}
        {!analyzers.data ? (
          <Loading what="Loading analyzers" />
        ) : analyzers.data.length === 0 ? (
          <Empty title="No analyzer is enabled for this organisation.">
            Enable analyzers in the analysis engine (Cortex API, port 9001) for this organisation.
          </Empty>
        ) : (
          <table className="list" aria-label="Analyzers">
            <thead>
              <tr>
                <th>Analyzer</th>
                <th>Version</th>
                <th>Data types</th>
                <th>Engines</th>
              </tr>
            </thead>
            <tbody>
              {analyzers.data.map((a) => (
                <tr key={a.id}>
                  <td>
                    <strong>{a.name}</strong>
                    <div className="muted">{a.description}</div>
                  </td>
                  <td>{a.version}</td>
                  <td>{(a.dataTypeList ?? []).join(', ')}</td>
                  <td>{(a.cortexIds ?? []).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
