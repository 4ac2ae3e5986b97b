import { useState, type FormEvent } from 'react';
import { api } from '../lib/api';
import { useSession } from '../lib/session';
import { FormError } from '../components/States';

function ChangePassword() {
  const { user } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    if (next !== confirm) return setError(new Error('The new passwords differ. Type the same password twice.'));
    setError(null);
    try {
      await api.post(`/api/v1/user/${encodeURIComponent(user.login)}/password/change`, { currentPassword: current, password: next });
      setDone(true);
      setCurrent('');
      setNext('');
      setConfirm('');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="Change password">
      <h2>Password</h2>
      <label>
        Current password
        <input
          aria-label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </label>
      <label>
        New password
        <input aria-label="New password" type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} />
      </label>
      <label>
        Confirm new password
        <input
          aria-label="Confirm new password"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
        />
      </label>
      <FormError error={error} />
      {done ? <p role="status">Password changed.</p> : null}
      <button type="submit" className="primary">
        Change password
      </button>
    </form>
  );
}

function ApiKey() {
  const { user, refreshUser } = useSession();
  const [key, setKey] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const base = `/api/v1/user/${encodeURIComponent(user.login)}/key`;
  const run = async (fn: () => Promise<string>) => {
    setError(null);
    try {
      setKey(await fn());
      await refreshUser();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section className="card" aria-label="API key">
      <h2>API key</h2>
      <p className="hint">Scripts and tools (thehive4py, Cortex analyzers) authenticate with this key. Keep it secret.</p>
      {key ? (
        <p>
          <code className="secret" aria-label="Your API key">
            {key}
          </code>
        </p>
      ) : (
        <p>{user.hasKey ? 'You have an API key.' : 'You have no API key yet.'}</p>
      )}
      <FormError error={error} />
      <div className="row">
        {user.hasKey ? (
          <button type="button" onClick={() => void run(() => api.get<string>(base, { text: true }))}>
            Reveal API key
          </button>
        ) : null}
        <button type="button" onClick={() => void run(() => api.post<string>(`${base}/renew`, undefined, { text: true }))}>
          {user.hasKey ? 'Renew API key' : 'Create API key'}
        </button>
      </div>
    </section>
  );
}

export function Settings() {
  const { user } = useSession();
  return (
    <div className="page narrow">
      <h1>My settings</h1>
      <section className="card">
        <h2>Profile</h2>
        <dl className="facts">
          <dt>Login</dt>
          <dd>{user.login}</dd>
          <dt>Name</dt>
          <dd>{user.name}</dd>
          <dt>Organisation</dt>
          <dd>
            {user.organisation} ({user.profile})
          </dd>
          <dt>Two-factor authentication</dt>
          <dd>{user.hasMFA ? 'Enabled' : 'Not available on this server'}</dd>
        </dl>
      </section>
      <ChangePassword />
      <ApiKey />
    </div>
  );
}
