export const SEVERITIES: Record<number, string> = { 1: 'LOW', 2: 'MEDIUM', 3: 'HIGH', 4: 'CRITICAL' };
export const TLPS: Record<number, string> = { 0: 'CLEAR', 1: 'GREEN', 2: 'AMBER', 3: 'AMBER+STRICT', 4: 'RED' };
export const PAPS: Record<number, string> = { 0: 'CLEAR', 1: 'GREEN', 2: 'AMBER', 3: 'RED' };

export function Severity({ value }: { value: number | undefined }) {
  const label = SEVERITIES[value ?? 2] ?? String(value);
  return <span className={`badge sev-${value ?? 2}`}>{label}</span>;
}

export function Tlp({ value, kind = 'TLP' }: { value: number | undefined; kind?: 'TLP' | 'PAP' }) {
  const labels = kind === 'TLP' ? TLPS : PAPS;
  const v = value ?? 2;
  return <span className={`badge tlp tlp-${kind === 'PAP' && v === 3 ? 4 : v}`}>{`${kind}:${labels[v] ?? v}`}</span>;
}

export function Status({ value, stage }: { value: string | undefined; stage?: string }) {
  return <span className={`badge status stage-${stage ?? value ?? ''}`}>{value}</span>;
}

export function Tags({ tags }: { tags: string[] | undefined }) {
  if (!tags?.length) return null;
  return (
    <span className="tags">
      {tags.map((t) => (
        <span key={t} className="tag">
          {t}
        </span>
      ))}
    </span>
  );
}

export type Health = 'green' | 'orange' | 'red';

/** TheHive 3 style health badge: green OK, orange degraded, red down. */
export function HealthBadge({ health, label }: { health: Health; label?: string }) {
  const text = label ?? { green: 'OK', orange: 'Degraded', red: 'Down' }[health];
  return (
    <span data-testid="health-badge" data-health={health} className={`badge health health-${health}`} title={`Health: ${health}`}>
      <span className="dot" aria-hidden="true" />
      {text}
    </span>
  );
}

export function formatDate(ms: number | undefined | null): string {
  if (!ms) return '';
  const d = new Date(ms);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}
