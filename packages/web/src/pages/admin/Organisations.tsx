import { useState } from 'react';
import { api } from '../../lib/api';
import { formatDate } from '../../components/Badges';
import { AdminList, CreateForm, Field, useAdminList } from './common';

interface Org {
  _id: string;
  _createdAt: number;
  name: string;
  description: string;
  locked: boolean;
}

export function Organisations() {
  const orgs = useAdminList<Org>('listOrganisation', 'name', 'Organisation');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  return (
    <div>
      <h1>Organisations</h1>
      <CreateForm
        title="Create organisation"
        submit={async () => {
          await api.post('/api/v1/organisation', { name, description: description || name });
          setName('');
          setDescription('');
          orgs.reload();
        }}
      >
        <Field label="Name" required value={name} onChange={setName} />
        <Field label="Description" value={description} onChange={setDescription} />
      </CreateForm>
      <CreateForm
        title="Link organisations"
        submit={async () => {
          await api.put(`/api/v1/organisation/${encodeURIComponent(from)}/link/${encodeURIComponent(to)}`, { linkType: 'default', otherLinkType: 'default' });
        }}
      >
        <Field label="Organisation" required value={from} onChange={setFrom} />
        <Field label="Linked with" required value={to} onChange={setTo} />
      </CreateForm>
      <AdminList
        r={orgs}
        empty="No organisations."
        head={['Name', 'Description', 'Created', 'Status']}
        row={(o) => (
          <tr key={o._id}>
            <td>{o.name}</td>
            <td>{o.description}</td>
            <td className="num">{formatDate(o._createdAt)}</td>
            <td>{o.locked ? 'locked' : 'active'}</td>
          </tr>
        )}
      />
    </div>
  );
}
