import { useState } from 'react';
import { api } from '../../lib/api';
import { FormError } from '../../components/States';
import { DeleteButton } from '../../components/DataTable';
import { AdminList, CreateForm, Field, useAdminList } from './common';

interface ObservableType {
  _id: string;
  name: string;
  isAttachment: boolean;
  _createdBy: string;
}

export function ObservableTypes() {
  const types = useAdminList<ObservableType>('listObservableType', 'name', 'ObservableType');
  const [name, setName] = useState('');
  const [isAttachment, setIsAttachment] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <div>
      <h1>Observable types</h1>
      <CreateForm
        title="Create observable type"
        submit={async () => {
          await api.post('/api/v1/observable/type', { name, isAttachment });
          setName('');
          types.reload();
        }}
      >
        <Field label="Name" required value={name} onChange={setName} />
        <label className="inline">
          <input type="checkbox" checked={isAttachment} onChange={(e) => setIsAttachment(e.target.checked)} /> Holds a file
        </label>
      </CreateForm>
      <FormError error={error} />
      <AdminList
        r={types}
        empty="No observable types."
        head={['Name', 'File', 'Actions']}
        row={(t) => (
          <tr key={t._id}>
            <td>{t.name}</td>
            <td>{t.isAttachment ? 'yes' : 'no'}</td>
            <td>
              {t._createdBy !== 'system@thehive.local' ? (
                <DeleteButton
                  what={`observable type ${t.name}`}
                  onDelete={() => void api.del(`/api/v1/observable/type/${encodeURIComponent(t._id)}`).then(types.reload, setError)}
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
