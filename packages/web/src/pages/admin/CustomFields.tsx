import { useState } from 'react';
import { api } from '../../lib/api';
import { useResource } from '../../lib/hooks';
import { useLiveUpdates } from '../../lib/stream';
import { listCustomFields } from '../../lib/options';
import { FormError } from '../../components/States';
import { DeleteButton } from '../../components/DataTable';
import { AdminList, CreateForm, Field } from './common';

const TYPES = ['string', 'integer', 'float', 'boolean', 'date', 'url'];

export function CustomFields() {
  const fields = useResource(listCustomFields, []);
  useLiveUpdates((e) => e.objectType === 'CustomField', fields.reload);
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [type, setType] = useState('string');
  const [description, setDescription] = useState('');
  const [options, setOptions] = useState('');
  const [mandatory, setMandatory] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <div>
      <h1>Custom fields</h1>
      <CreateForm
        title="Create custom field"
        submit={async () => {
          const opts = options
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean)
            .map((o) => (type === 'integer' || type === 'float' ? Number(o) : o));
          await api.post('/api/v1/customField', {
            name,
            displayName: displayName || name,
            group: 'default',
            description: description || name,
            type,
            options: opts,
            mandatory,
          });
          setName('');
          setDisplayName('');
          setDescription('');
          setOptions('');
          fields.reload();
        }}
      >
        <Field label="Name" required value={name} onChange={setName} placeholder="business-unit" />
        <Field label="Display name" value={displayName} onChange={setDisplayName} />
        <label>
          Type
          <select aria-label="Type" value={type} onChange={(e) => setType(e.target.value)}>
            {TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <Field label="Description" value={description} onChange={setDescription} />
        <Field label="Allowed values (comma-separated, optional)" value={options} onChange={setOptions} />
        <label className="inline">
          <input type="checkbox" checked={mandatory} onChange={(e) => setMandatory(e.target.checked)} /> Mandatory
        </label>
      </CreateForm>
      <FormError error={error} />
      <AdminList
        r={fields}
        empty="No custom fields yet."
        head={['Name', 'Display name', 'Type', 'Options', 'Mandatory', 'Actions']}
        row={(d) => (
          <tr key={d._id} data-testid="custom-field-row">
            <td>{d.name}</td>
            <td>{d.displayName}</td>
            <td>{d.type}</td>
            <td>{(d.options ?? []).map(String).join(', ')}</td>
            <td>{d.mandatory ? 'yes' : 'no'}</td>
            <td>
              <DeleteButton
                what={`custom field ${d.name}`}
                onDelete={() =>
                  void api.del(`/api/v1/customField/${encodeURIComponent(d._id)}`).then(fields.reload, (e: unknown) => {
                    setError(e);
                  })
                }
              />
            </td>
          </tr>
        )}
      />
    </div>
  );
}
