/**
 * Dashboard actions shared by the list and the dashboard page: export as a JSON file, duplicate
 * (export, then import as a private copy), delete after confirmation, import from a file, and
 * the "New dashboard" dialog. Everything goes through the public API.
 */
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../lib/api';
import { Dialog } from '../components/Dialog';
import { ConfirmDialog } from '../components/CaseDialogs';
import { FormError } from '../components/States';
import { download } from './download';
import { fileName, type Dashboard } from './model';

const path = (d: Pick<Dashboard, '_id'>): string => `/api/v1/dashboard/${encodeURIComponent(d._id)}`;

/** Downloads the portable JSON of a dashboard (`GET /api/v1/dashboard/{id}/export`). */
export async function exportDashboard(d: Dashboard): Promise<void> {
  const body = await api.get(`${path(d)}/export`);
  download(`${fileName(d.title, 'dashboard')}.dashboard.json`, URL.createObjectURL(new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' })));
}

/** A private copy of a dashboard, owned by the caller. */
export async function duplicateDashboard(d: Dashboard): Promise<Dashboard> {
  const body = await api.get<Record<string, unknown>>(`${path(d)}/export`);
  return api.post<Dashboard>('/api/v1/dashboard/_import', { ...body, title: `Copy of ${d.title}`, status: 'Private' });
}

export function DeleteDashboardDialog({ d, onClose, onDeleted }: { d: Dashboard; onClose: () => void; onDeleted: () => void }) {
  return (
    <ConfirmDialog
      title="Delete dashboard"
      message={`Delete the dashboard "${d.title}"${d.status === 'Shared' ? ' for everyone in the organisation' : ''}? This cannot be undone.`}
      confirm="Delete dashboard"
      onClose={onClose}
      onConfirm={async () => {
        await api.del(path(d));
        onDeleted();
      }}
    />
  );
}

/** Title, description and visibility, the fields the list dialog and the editor share. */
export function DashboardFields({
  title,
  description,
  status,
  onChange,
  errors = {},
}: {
  title: string;
  description: string;
  status: Dashboard['status'];
  onChange: (c: Partial<{ title: string; description: string; status: Dashboard['status'] }>) => void;
  errors?: Record<string, string>;
}) {
  return (
    <>
      <label>
        Title
        <input aria-label="Title" value={title} required maxLength={512} onChange={(e) => onChange({ title: e.target.value })} aria-invalid={!!errors.title} />
        {errors.title ? <span className="field-error" data-testid="field-error">{`title: ${errors.title}`}</span> : null}
      </label>
      <label>
        Description
        <textarea aria-label="Description" rows={2} value={description} onChange={(e) => onChange({ description: e.target.value })} />
        {errors.description ? <span className="field-error" data-testid="field-error">{`description: ${errors.description}`}</span> : null}
      </label>
      <fieldset className="visibility">
        <legend>Visibility</legend>
        <label className="inline">
          <input type="radio" name="visibility" checked={status === 'Private'} onChange={() => onChange({ status: 'Private' })} /> Private (only me)
        </label>
        <label className="inline">
          <input type="radio" name="visibility" checked={status === 'Shared'} onChange={() => onChange({ status: 'Shared' })} /> Shared with my organisation
        </label>
        {errors.status ? <span className="field-error" data-testid="field-error">{`status: ${errors.status}`}</span> : null}
      </fieldset>
    </>
  );
}

export function NewDashboardDialog({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [v, setV] = useState({ title: '', description: '', status: 'Private' as Dashboard['status'] });
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const d = await api.post<Dashboard>('/api/v1/dashboard', { ...v, definition: { widgets: [] } });
      onClose();
      void navigate(`/dashboards/${d._id}/edit`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Dialog title="New dashboard" onClose={onClose}>
      <form aria-label="New dashboard" onSubmit={(e) => void submit(e)}>
        <DashboardFields {...v} onChange={(c) => setV({ ...v, ...c })} />
        <FormError error={error} />
        <div className="dialog-actions">
          <button type="submit" className="primary">
            Create and add widgets
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function ImportDashboardDialog({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error('This is not valid JSON. Load a file made by "Export", or paste its content.');
      }
      const d = await api.post<Dashboard>('/api/v1/dashboard/_import', body);
      onClose();
      void navigate(`/dashboards/${d._id}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Dialog title="Import dashboard" onClose={onClose}>
      <form aria-label="Import dashboard" onSubmit={(e) => void submit(e)}>
        <label>
          Dashboard file (JSON)
          <input
            aria-label="Dashboard file (JSON)"
            type="file"
            accept=".json,application/json"
            onChange={(e) => void e.target.files?.[0]?.text().then(setText)}
          />
        </label>
        <label>
          Dashboard JSON
          <textarea aria-label="Dashboard JSON" rows={8} value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <FormError error={error} />
        <div className="dialog-actions">
          <button type="submit" className="primary" disabled={!text.trim()}>
            Import
          </button>
        </div>
      </form>
    </Dialog>
  );
}
