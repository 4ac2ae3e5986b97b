import { useState, type FormEvent, type ReactNode } from 'react';
import { query } from '../../lib/api';
import { sortStep } from '../../lib/filters';
import { useResource, type Resource } from '../../lib/hooks';
import { useLiveUpdates } from '../../lib/stream';
import { Empty, ErrorBox, FormError, Loading } from '../../components/States';
import { DataTable } from '../../components/DataTable';

/** A whole (small, administrative) list through the Query API, kept live. */
export function useAdminList<T>(source: string, sortField: string, liveType: string, extra: unknown[] = []): Resource<T[]> {
  const r = useResource(() => query<T[]>([{ _name: source }, ...extra, sortStep(sortField, 'asc'), { _name: 'page', from: 0, to: 1000 }], source), [source]);
  useLiveUpdates((e) => e.objectType === liveType, r.reload);
  return r;
}

export function AdminList<T>({ r, empty, head, row }: { r: Resource<T[]>; empty: string; head: string[]; row: (item: T) => ReactNode }) {
  if (r.error && !r.data) return <ErrorBox error={r.error} retry={r.reload} />;
  if (!r.data) return <Loading />;
  if (r.data.length === 0) return <Empty title={empty} />;
  return (
    <>
      {r.error ? <ErrorBox error={r.error} retry={r.reload} /> : null}
      <DataTable head={head} items={r.data} row={row} />
    </>
  );
}

/** A create form in a card: submits on Enter, shows the API's error message, resets on success. */
export function CreateForm({ title, submit, children }: { title: string; submit: () => Promise<void>; children: ReactNode }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await submit();
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card filters" onSubmit={(e) => void onSubmit(e)} aria-label={title}>
      <h2 style={{ width: '100%' }}>{title}</h2>
      {children}
      <button type="submit" className="primary" disabled={busy}>
        {title}
      </button>
      <FormError error={error} />
      {done ? (
        <span role="status" className="hint">
          Saved.
        </span>
      ) : null}
    </form>
  );
}

export function Field({
  label,
  value,
  onChange,
  required,
  type,
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  required?: boolean;
  type?: string;
  placeholder?: string;
}) {
  return (
    <label>
      {label}
      <input aria-label={label} required={required} type={type} placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}
