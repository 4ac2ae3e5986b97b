import { useState } from 'react';
import { api, query } from '../../lib/api';
import { useResource } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import type { User } from '../../lib/types';
import { FormError } from '../../components/States';
import { Dialog } from '../../components/Dialog';
import { DeleteButton } from '../../components/DataTable';
import { ConfirmDialog } from '../../components/CaseDialogs';
import { AdminList, CreateForm, Field, useAdminList } from './common';

export function Users() {
  const { organisation } = useSession();
  const users = useAdminList<User>('listUser', 'login', 'User');
  const profiles = useResource(() => query<Array<{ name: string }>>([{ _name: 'listProfile' }, { _name: 'page', from: 0, to: 200 }], 'profiles'), []);
  const orgs = useResource(() => query<Array<{ name: string }>>([{ _name: 'listOrganisation' }, { _name: 'page', from: 0, to: 500 }], 'organisations'), []);
  const [login, setLogin] = useState('');
  const [name, setName] = useState('');
  const [profile, setProfile] = useState('analyst');
  const [org, setOrg] = useState(organisation);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [passwordOf, setPasswordOf] = useState<User | null>(null);
  const [removing, setRemoving] = useState<User | null>(null);
  const act = (p: Promise<unknown>) => p.then(users.reload, setError);
  return (
    <div>
      <h1>Users</h1>
      <CreateForm
        title="Create user"
        submit={async () => {
          await api.post('/api/v1/user', { login, name, profile, organisation: org, ...(password ? { password } : {}) });
          setLogin('');
          setName('');
          setPassword('');
          users.reload();
        }}
      >
        <Field label="Login" required value={login} onChange={setLogin} placeholder="jane@example.org" />
        <Field label="Name" required value={name} onChange={setName} />
        <label>
          Organisation
          <select aria-label="Organisation" value={org} onChange={(e) => setOrg(e.target.value)}>
            {(orgs.data ?? [{ name: organisation }]).map((o) => (
              <option key={o.name}>{o.name}</option>
            ))}
          </select>
        </label>
        <label>
          Profile
          <select aria-label="Profile" value={profile} onChange={(e) => setProfile(e.target.value)}>
            {(profiles.data ?? [{ name: 'analyst' }]).map((p) => (
              <option key={p.name}>{p.name}</option>
            ))}
          </select>
        </label>
        <Field label="Initial password" type="password" value={password} onChange={setPassword} />
      </CreateForm>
      <FormError error={error} />
      <AdminList
        r={users}
        empty="No users in this organisation."
        head={['Login', 'Name', 'Profile', 'Status', 'Actions']}
        row={(u) => (
          <tr key={u._id} data-testid="user-row">
            <td>{u.login}</td>
            <td>{u.name}</td>
            <td>
              <select
                aria-label={`Profile of ${u.login}`}
                value={u.profile}
                onChange={(e) => void act(api.patch(`/api/v1/user/${encodeURIComponent(u._id)}`, { profile: e.target.value, organisation }))}
              >
                {[...new Set([u.profile, ...(profiles.data ?? []).map((p) => p.name)])].map((name) => (
                  <option key={name}>{name}</option>
                ))}
              </select>
            </td>
            <td>{u.locked ? <span className="badge health-red">locked</span> : <span className="badge health-green">active</span>}</td>
            <td className="actions">
              <button
                type="button"
                aria-label={`${u.locked ? 'Unlock' : 'Lock'} ${u.login}`}
                onClick={() => void act(api.patch(`/api/v1/user/${encodeURIComponent(u._id)}`, { locked: !u.locked }))}
              >
                {u.locked ? 'Unlock' : 'Lock'}
              </button>
              <button type="button" aria-label={`Set password of ${u.login}`} onClick={() => setPasswordOf(u)}>
                Set password
              </button>
              <DeleteButton what={`user ${u.login}`} text="Remove" onDelete={() => setRemoving(u)} />
            </td>
          </tr>
        )}
      />
      {removing ? (
        <ConfirmDialog
          title="Remove user"
          message={`Remove ${removing.login} from ${organisation}? Their cases and logs stay.`}
          confirm="Remove"
          onClose={() => setRemoving(null)}
          onConfirm={() => api.del(`/api/v1/user/${encodeURIComponent(removing._id)}`).then(users.reload)}
        />
      ) : null}
      {passwordOf ? <SetPasswordDialog user={passwordOf} onClose={() => setPasswordOf(null)} /> : null}
    </div>
  );
}

function SetPasswordDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog title={`Set the password of ${user.login}`} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          api.post(`/api/v1/user/${encodeURIComponent(user._id)}/password/set`, { password }).then(onClose, setError);
        }}
      >
        <label>
          New password
          <input
            aria-label="New password"
            type="password"
            autoComplete="new-password"
            required
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <FormError error={error} />
        <div className="dialog-actions">
          <button type="submit" className="primary">
            Set password
          </button>
        </div>
      </form>
    </Dialog>
  );
}
