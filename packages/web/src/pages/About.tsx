import { api } from '../lib/api';
import { useResource } from '../lib/hooks';
import { ErrorBox, Loading } from '../components/States';
import { HealthBadge } from '../components/Badges';
import type { EngineStatus } from './admin/Analyzers';

interface ServerStatus {
  versions: Record<string, string>;
  storage?: string;
  config?: { capabilities?: string[]; authType?: string[] };
}

interface MispStatus {
  status: Record<string, { url?: string; status: string }>;
  syncInProgress?: boolean;
}

export function About() {
  const server = useResource(() => api.get<ServerStatus>('/api/status'), []);
  const cortex = useResource(() => api.get<EngineStatus>('/api/connector/cortex/status'), []);
  const misp = useResource(() => api.get<MispStatus>('/api/v1/connector/misp/status'), []);
  const mispServers = Object.entries(misp.data?.status ?? {});
  return (
    <div className="page narrow">
      <h1>About Waggle</h1>
      <section className="card" aria-label="Server">
        <h2>Server</h2>
        {server.error ? <ErrorBox error={server.error} retry={server.reload} /> : null}
        {!server.data ? (
          <Loading />
        ) : (
          <dl className="facts">
            <dt>Waggle version</dt>
            <dd data-testid="server-version">{server.data.versions.Waggle}</dd>
            <dt>TheHive API compatibility</dt>
            <dd>{server.data.versions.TheHive}</dd>
            <dt>Storage</dt>
            <dd>{server.data.storage ?? 'unknown'}</dd>
            <dt>Authentication</dt>
            <dd>{(server.data.config?.authType ?? []).join(', ')}</dd>
          </dl>
        )}
      </section>
      <section className="card" aria-label="Connectors">
        <h2>Connectors</h2>
        <dl className="facts">
          <dt>Analysis (Cortex)</dt>
          <dd>
            {cortex.error ? (
              <HealthBadge health="red" label="Unavailable" />
            ) : !cortex.data ? (
              '…'
            ) : !cortex.data.enabled ? (
              <span className="muted">not configured</span>
            ) : (
              <>
                <HealthBadge health={cortex.data.health} /> {cortex.data.servers.map((s) => `${s.name} ${s.version ?? ''}`).join(', ')}
              </>
            )}
          </dd>
          <dt>MISP</dt>
          <dd>
            {misp.error ? (
              <HealthBadge health="red" label="Unavailable" />
            ) : mispServers.length === 0 ? (
              <span className="muted">no MISP server configured</span>
            ) : (
              mispServers.map(([name, s]) => (
                <div key={name}>
                  <HealthBadge health={s.status === 'OK' ? 'green' : s.status === 'ERROR' ? 'red' : 'orange'} label={`${name}: ${s.status}`} />
                </div>
              ))
            )}
          </dd>
        </dl>
      </section>
      <p className="hint">Waggle is free software under the GNU AGPL v3.0.</p>
    </div>
  );
}
