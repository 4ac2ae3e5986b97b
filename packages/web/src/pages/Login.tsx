import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../lib/api';
import { FormError } from '../components/States';
import type { User } from '../lib/types';

export function Login({ onLogin }: { onLogin: (u: User) => void }) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/v1/login', { user: login, password, ...(needCode ? { code } : {}) }, { quiet401: true });
      onLogin(await api.get<User>('/api/v1/user/current'));
    } catch (err) {
      if (err instanceof ApiError && err.type === 'MultiFactorCodeRequired') setNeedCode(true);
      else if (err instanceof ApiError && err.status === 401) setError(new Error('Wrong login or password. Check both and try again.'));
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login-page">
      <form className="card login-card" onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <h1>
          <span className="logo" aria-hidden="true">
            ⬡
          </span>{' '}
          Waggle
        </h1>
        <label>
          Login
          <input aria-label="Login" name="login" autoComplete="username" autoFocus required value={login} onChange={(e) => setLogin(e.target.value)} />
        </label>
        <label>
          Password
          <input
            aria-label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {needCode ? (
          <label>
            Authentication code
            <input
              aria-label="Authentication code"
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              autoFocus
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </label>
        ) : null}
        <FormError error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
