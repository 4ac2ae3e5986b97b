import { useState, type FormEvent, type ReactNode } from 'react';
import { FormError } from './States';

/** Shows a value with an Edit button; editing submits on Enter (Ctrl+Enter in text areas), cancels on Escape. */
export function Editable({
  label,
  value,
  multiline,
  display,
  onSave,
}: {
  label: string;
  value: string;
  multiline?: boolean;
  display?: ReactNode;
  onSave: (v: string) => Promise<void>;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    try {
      await onSave(draft);
      setEditing(false);
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  if (!editing) {
    return (
      <div className="editable">
        {display ?? (value || <span className="muted">none</span>)}{' '}
        <button
          type="button"
          className="link"
          aria-label={`Edit ${label.toLowerCase()}`}
          onClick={() => {
            setDraft(value);
            setEditing(true);
          }}
        >
          Edit
        </button>
      </div>
    );
  }
  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      setEditing(false);
    }
    if (multiline && e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit();
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="editing">
      <label>
        <span className="sr-only">{label}</span>
        {multiline ? (
          <textarea aria-label={label} autoFocus value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={onKey} rows={8} />
        ) : (
          <input aria-label={label} autoFocus value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={onKey} />
        )}
      </label>
      <FormError error={error} />
      <div className="row">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
