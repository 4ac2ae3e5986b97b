import type { ReactNode } from 'react';

/** A list table: one header row, one `<tr>` per item from `row`. */
export function DataTable<T>({ label, head, items, row }: { label?: string; head: string[]; items: T[]; row: (item: T) => ReactNode }) {
  return (
    <table className="list" aria-label={label || undefined}>
      <thead>
        <tr>
          {head.map((h) => (
            <th key={h}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>{items.map(row)}</tbody>
    </table>
  );
}

/** A "Delete" button named after what it deletes (`aria-label`), for list rows. */
export function DeleteButton({ what, onDelete, text = 'Delete' }: { what: string; onDelete: () => void; text?: string }) {
  return (
    <button type="button" className="danger" aria-label={`Delete ${what}`} onClick={onDelete}>
      {text}
    </button>
  );
}
