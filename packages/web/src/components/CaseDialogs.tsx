import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../lib/api';
import { useResource } from '../lib/hooks';
import { CLOSED_STATUSES, IMPACT_STATUSES, listTemplates } from '../lib/options';
import type { Case, CaseTemplate } from '../lib/types';
import { Dialog } from './Dialog';
import { FormError } from './States';
import { PAPS, SEVERITIES, TLPS } from './Badges';

export function splitTags(s: string): string[] {
  return s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

export function LevelSelect({
  label,
  value,
  onChange,
  labels,
}: {
  label: string;
  value: number;
  onChange: (v: number) => void;
  labels: Record<number, string>;
}) {
  return (
    <label>
      {label}
      <select aria-label={label} value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {Object.entries(labels).map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The "Case template" picker ("No template" first). */
export function TemplateSelect({ templates, value, onChange }: { templates: CaseTemplate[] | undefined; value: string; onChange: (name: string) => void }) {
  return (
    <label>
      Case template
      <select aria-label="Case template" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">No template</option>
        {(templates ?? []).map((t) => (
          <option key={t._id} value={t.name}>
            {t.displayName || t.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Creates a case, optionally from a case template, then opens it. */
export function NewCaseDialog({ onClose }: { onClose: () => void }) {
  const templates = useResource(listTemplates, []);
  const navigate = useNavigate();
  const [template, setTemplate] = useState('');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [levels, setLevels] = useState({ severity: 2, tlp: 2, pap: 2 });
  // fields the analyst changed: the others are left to the template (or the server's defaults)
  const [touched, setTouched] = useState<Set<'severity' | 'tlp' | 'pap'>>(new Set());
  const [tags, setTags] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const chosen = templates.data?.find((t) => t.name === template);
  const setLevel = (k: 'severity' | 'tlp' | 'pap') => (v: number) => {
    setLevels((l) => ({ ...l, [k]: v }));
    setTouched((t) => new Set(t).add(k));
  };
  const pickTemplate = (name: string) => {
    setTemplate(name);
    const t = templates.data?.find((x) => x.name === name);
    setLevels((l) => ({
      severity: touched.has('severity') ? l.severity : (t?.severity ?? 2),
      tlp: touched.has('tlp') ? l.tlp : (t?.tlp ?? 2),
      pap: touched.has('pap') ? l.pap : (t?.pap ?? 2),
    }));
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const explicit = Object.fromEntries([...touched].map((k) => [k, levels[k]]));
    try {
      const c = await api.post<Case>('/api/v1/case', {
        title,
        description: description || chosen?.description || title,
        ...(template ? explicit : levels),
        ...(splitTags(tags).length ? { tags: splitTags(tags) } : {}),
        ...(template ? { caseTemplate: template } : {}),
      });
      onClose();
      void navigate(`/cases/${encodeURIComponent(c._id)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog title="New case" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <TemplateSelect templates={templates.data} value={template} onChange={pickTemplate} />
        <label>
          Title
          <input aria-label="Title" required autoFocus value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          Description (markdown)
          <textarea
            placeholder={chosen?.description ? 'Leave empty to use the template description' : undefined}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </label>
        <div className="row">
          <LevelSelect label="Severity" value={levels.severity} onChange={setLevel('severity')} labels={SEVERITIES} />
          <LevelSelect label="TLP" value={levels.tlp} onChange={setLevel('tlp')} labels={TLPS} />
          <LevelSelect label="PAP" value={levels.pap} onChange={setLevel('pap')} labels={PAPS} />
        </div>
        <label>
          Tags (comma-separated)
          <input value={tags} onChange={(e) => setTags(e.target.value)} />
        </label>
        <FormError error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Create case
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Close dialog: resolution status, impact and summary; `apply` does the PATCH (one case or bulk). */
export function CloseCaseDialog({
  count,
  onClose,
  apply,
}: {
  count: number;
  onClose: () => void;
  apply: (body: { status: string; impactStatus: string; summary: string }) => Promise<void>;
}) {
  const [status, setStatus] = useState('TruePositive');
  const [impactStatus, setImpact] = useState('NotApplicable');
  const [summary, setSummary] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await apply({ status, impactStatus, summary });
      onClose();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Dialog title={count > 1 ? `Close ${count} cases` : 'Close case'} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          Resolution status
          <select aria-label="Resolution status" value={status} onChange={(e) => setStatus(e.target.value)}>
            {CLOSED_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Impact
          <select aria-label="Impact" value={impactStatus} onChange={(e) => setImpact(e.target.value)}>
            {IMPACT_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Summary
          <textarea aria-label="Summary" required value={summary} onChange={(e) => setSummary(e.target.value)} />
        </label>
        <FormError error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Close case{count > 1 ? 's' : ''}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Asks before an irreversible action. */
export function ConfirmDialog({
  title,
  message,
  confirm,
  onClose,
  onConfirm,
}: {
  title: string;
  message: string;
  confirm: string;
  onClose: () => void;
  onConfirm: () => Promise<void>;
}) {
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog title={title} onClose={onClose}>
      <p>{message}</p>
      <FormError error={error} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className="danger primary"
          onClick={() =>
            void onConfirm().then(onClose, (e: unknown) => {
              setError(e);
            })
          }
        >
          {confirm}
        </button>
      </div>
    </Dialog>
  );
}
