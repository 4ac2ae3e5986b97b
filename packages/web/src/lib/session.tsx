import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, setOrganisation, currentOrganisation, UNAUTHENTICATED_EVENT } from './api';
import { startStream, stopStream } from './stream';
import type { User } from './types';

interface SessionValue {
  user: User;
  organisation: string;
  /** Switches the organisation every request and the live stream use. */
  switchOrganisation: (org: string) => void;
  logout: () => Promise<void>;
  refreshUser: () => Promise<void>;
  can: (permission: string) => boolean;
  /** The user administers the platform (profile of the `admin` organisation). */
  isPlatformAdmin: boolean;
}

const Ctx = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

type State = { kind: 'checking' } | { kind: 'anonymous' } | { kind: 'user'; user: User };

export function SessionProvider({ login, children }: { login: (onLogin: (u: User) => void) => ReactNode; children: ReactNode }) {
  const [state, setState] = useState<State>({ kind: 'checking' });
  const [orgVersion, setOrgVersion] = useState(0);

  const loadUser = useCallback(async () => {
    try {
      const user = await api.get<User>('/api/v1/user/current', { quiet401: true });
      setState({ kind: 'user', user });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403) && currentOrganisation()) {
        // the remembered organisation is no longer ours: fall back to the default one
        setOrganisation(null);
        return loadUser();
      }
      setState({ kind: 'anonymous' });
    }
  }, []);

  useEffect(() => {
    void loadUser();
    const onLost = () => {
      stopStream();
      setState({ kind: 'anonymous' });
    };
    window.addEventListener(UNAUTHENTICATED_EVENT, onLost);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, onLost);
  }, [loadUser]);

  const loggedIn = state.kind === 'user';
  useEffect(() => {
    if (!loggedIn) return;
    startStream();
    return stopStream;
  }, [loggedIn, orgVersion]);

  if (state.kind === 'checking') return null;
  if (state.kind === 'anonymous') return <>{login((user) => setState({ kind: 'user', user }))}</>;

  const user = state.user;
  const value: SessionValue = {
    user,
    organisation: user.organisation,
    isPlatformAdmin: (user.organisations ?? []).some((o) => o.organisation === 'admin' && o.profile === 'admin'),
    can: (p) => (user.permissions ?? []).includes(p),
    switchOrganisation: (org) => {
      setOrganisation(org);
      setOrgVersion((v) => v + 1);
      void loadUser();
    },
    refreshUser: loadUser,
    logout: async () => {
      stopStream();
      await api.post('/api/v1/logout').catch(() => undefined);
      setOrganisation(null);
      setState({ kind: 'anonymous' });
    },
  };
  return (
    <Ctx.Provider value={value} key={user.organisation}>
      {children}
    </Ctx.Provider>
  );
}
