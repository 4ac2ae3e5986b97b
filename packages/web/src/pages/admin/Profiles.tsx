import { useState } from 'react';
import { api } from '../../lib/api';
import { FormError } from '../../components/States';
import { DeleteButton } from '../../components/DataTable';
import { AdminList, CreateForm, Field, useAdminList } from './common';

interface Profile {
  _id: string;
  name: string;
  permissions?: string[];
  editable?: boolean;
}

export function Profiles() {
  const profiles = useAdminList<Profile>('listProfile', 'name', 'Profile');
  const [name, setName] = useState('');
  const [permissions, setPermissions] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <div>
      <h1>Profiles</h1>
      <CreateForm
        title="Create profile"
        submit={async () => {
          await api.post('/api/v1/profile', { name, permissions: permissions.split(/[\s,]+/).filter(Boolean) });
          setName('');
          setPermissions('');
          profiles.reload();
        }}
      >
        <Field label="Name" required value={name} onChange={setName} />
        <Field label="Permissions (comma-separated)" value={permissions} onChange={setPermissions} placeholder="manageCase/create, manageAlert/update" />
      </CreateForm>
      <FormError error={error} />
      <AdminList
        r={profiles}
        empty="No profiles."
        head={['Name', 'Permissions', 'Actions']}
        row={(p) => (
          <tr key={p._id}>
            <td>{p.name}</td>
            <td>
              <span className="tags">
                {(p.permissions ?? []).map((x) => (
                  <span key={x} className="tag">
                    {x}
                  </span>
                ))}
              </span>
            </td>
            <td>
              {p.editable !== false ? (
                <DeleteButton
                  what={`profile ${p.name}`}
                  onDelete={() => void api.del(`/api/v1/profile/${encodeURIComponent(p._id)}`).then(profiles.reload, setError)}
                />
              ) : (
                <span className="muted">built-in</span>
              )}
            </td>
          </tr>
        )}
      />
    </div>
  );
}
