import { useState, type FormEvent } from 'react';
import { api } from '../../lib/api';
import type { CaseTemplate } from '../../lib/types';
import { Dialog } from '../../components/Dialog';
import { FormError } from '../../components/States';
import { Severity, SEVERITIES } from '../../components/Badges';
import { LevelSelect, splitTags } from '../../components/CaseDialogs';
import { DeleteButton } from '../../components/DataTable';
import { AdminList, useAdminList } from './common';

/** The editable part of a template; tasks are one title per line (`group: title` sets the group). */
function TemplateForm({
  initial,
  submitLabel,
  onSubmit,
}: {
  initial?: CaseTemplate;
  submitLabel: string;
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
}) {
  const [name, setName] = useState(initial?.name ?? '');
  const [displayName, setDisplayName] = useState(initial?.displayName ?? '');
  const [titlePrefix, setTitlePrefix] = useState(initial?.titlePrefix ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [severity, setSeverity] = useState(initial?.severity ?? 2);
  const [tags, setTags] = useState((initial?.tags ?? []).join(', '));
  const [tasks, setTasks] = useState((initial?.tasks ?? []).map((t) => (t.group && t.group !== 'default' ? `${t.group}: ${t.title}` : t.title)).join('\n'));
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const taskList = tasks
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l, order) => {
        const i = l.indexOf(': ');
        return i > 0 ? { group: l.slice(0, i), title: l.slice(i + 2), order } : { title: l, order };
      });
    try {
      await onSubmit({
        ...(initial ? {} : { name }),
        displayName: displayName || name,
        titlePrefix,
        description,
        severity,
        tags: splitTags(tags),
        tasks: taskList,
      });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      {!initial ? (
        <label>
          Template name
          <input aria-label="Template name" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
      ) : null}
      <label>
        Display name
        <input aria-label="Display name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </label>
      <label>
        Title prefix
        <input aria-label="Title prefix" value={titlePrefix} onChange={(e) => setTitlePrefix(e.target.value)} />
      </label>
      <label>
        Description (markdown)
        <textarea value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <LevelSelect label="Severity" value={severity} onChange={setSeverity} labels={SEVERITIES} />
      <label>
        Tags (comma-separated)
        <input value={tags} onChange={(e) => setTags(e.target.value)} />
      </label>
      <label>
        Tasks (one per line, optionally "group: title")
        <textarea value={tasks} onChange={(e) => setTasks(e.target.value)} />
      </label>
      <FormError error={error} />
      <div className="dialog-actions">
        <button type="submit" className="primary">
          {submitLabel}
        </button>
      </div>
    </form>
  );
}

/**
 * TheHive's custom field map (`{name: value}` or TheHive 4's `{name: {string: value, order: 0}}`)
 * as the list the import takes.
 */
function customFieldList(cf: unknown): unknown {
  if (typeof cf !== 'object' || cf === null || Array.isArray(cf)) return cf;
  return Object.entries(cf).map(([name, v]) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { name, value: v };
    const { order, ...typed } = v as Record<string, unknown>;
    const value = Object.values(typed).find((x) => x !== undefined && x !== null);
    return { name, ...(value !== undefined ? { value } : {}), ...(typeof order === 'number' ? { order } : {}) };
  });
}

/** Waggle exports are imported as they are; a bare template (TheHive's JSON) is wrapped, without its system fields. */
function asExport(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || 'format' in body || !('name' in body)) return body;
  const caseTemplate = Object.fromEntries(
    Object.entries(body)
      .filter(([k]) => !k.startsWith('_') && k !== 'extraData' && k !== 'id')
      .map(([k, v]) => [k, k === 'customFields' ? customFieldList(v) : v]),
  );
  return { format: 'waggle.caseTemplate', version: 1, caseTemplate };
}

function ImportDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error('This is not valid JSON. Paste or load a file made by "Export".');
      }
      await api.post('/api/v1/caseTemplate/_import', asExport(body));
      onDone();
      onClose();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Dialog title="Import case template" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          Template file (JSON)
          <input type="file" accept=".json,application/json" onChange={(e) => void e.target.files?.[0]?.text().then(setText)} />
        </label>
        <label>
          Template JSON
          <textarea aria-label="Template JSON" rows={10} value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <FormError error={error} />
        <div className="dialog-actions">
          <button type="submit" className="primary">
            Import
          </button>
        </div>
      </form>
    </Dialog>
  );
}

async function exportTemplate(t: CaseTemplate): Promise<void> {
  const body = await api.get(`/api/v1/caseTemplate/${encodeURIComponent(t._id)}/export`);
  const url = URL.createObjectURL(new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${t.name}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function CaseTemplates() {
  const templates = useAdminList<CaseTemplate>('listCaseTemplate', 'name', 'CaseTemplate');
  const [dialog, setDialog] = useState<'create' | 'import' | CaseTemplate | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <div>
      <div className="page-head">
        <h1>Case templates</h1>
        <button type="button" className="primary" onClick={() => setDialog('create')}>
          New template
        </button>
        <button type="button" onClick={() => setDialog('import')}>
          Import template
        </button>
      </div>
      <FormError error={error} />
      <AdminList
        r={templates}
        empty="No case templates. Create one, or import a JSON export."
        head={['Name', 'Title prefix', 'Severity', 'Tasks', 'Actions']}
        row={(t) => (
          <tr key={t._id} data-testid="case-template-row">
            <td>
              {t.displayName || t.name} <span className="muted">({t.name})</span>
            </td>
            <td>{t.titlePrefix}</td>
            <td>{t.severity ? <Severity value={t.severity} /> : null}</td>
            <td>{t.tasks?.length ?? 0}</td>
            <td className="actions">
              <button type="button" aria-label={`Edit template ${t.name}`} onClick={() => setDialog(t)}>
                Edit
              </button>
              <button type="button" aria-label={`Export template ${t.name}`} onClick={() => void exportTemplate(t).catch(setError)}>
                Export
              </button>
              <DeleteButton
                what={`template ${t.name}`}
                onDelete={() => void api.del(`/api/v1/caseTemplate/${encodeURIComponent(t._id)}`).then(templates.reload, setError)}
              />
            </td>
          </tr>
        )}
      />
      {dialog === 'create' ? (
        <Dialog title="New case template" onClose={() => setDialog(null)}>
          <TemplateForm
            submitLabel="Create template"
            onSubmit={async (body) => {
              await api.post('/api/v1/caseTemplate', body);
              setDialog(null);
              templates.reload();
            }}
          />
        </Dialog>
      ) : null}
      {dialog === 'import' ? <ImportDialog onClose={() => setDialog(null)} onDone={templates.reload} /> : null}
      {dialog && typeof dialog === 'object' ? (
        <Dialog title={`Edit template ${dialog.name}`} onClose={() => setDialog(null)}>
          <TemplateForm
            initial={dialog}
            submitLabel="Save template"
            onSubmit={async (body) => {
              await api.patch(`/api/v1/caseTemplate/${encodeURIComponent(dialog._id)}`, body);
              setDialog(null);
              templates.reload();
            }}
          />
        </Dialog>
      ) : null}
    </div>
  );
}
