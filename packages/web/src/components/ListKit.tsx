/** What the case and alert lists share: URL-held filters, sort and page, sortable headers, row selection. */
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { whereOf } from '../lib/filters';

export interface ListParams {
  params: URLSearchParams;
  page: number;
  size: number;
  sort: string;
  dir: 'asc' | 'desc';
  /** Sets URL parameters (empty or null removes one); back to the first page unless `keepPage`. */
  set: (changes: Record<string, string | null>, keepPage?: boolean) => void;
  clear: () => void;
  hasFilter: boolean;
  selected: Set<string>;
  setSelected: (s: Set<string>) => void;
}

export function useListParams(defaultSort: string, filterKeys: string[]): ListParams {
  const [params, setParams] = useSearchParams();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const set = (changes: Record<string, string | null>, keepPage = false) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    if (!keepPage) next.delete('page');
    setParams(next);
    setSelected(new Set());
  };
  return {
    params,
    page: Number(params.get('page') ?? 0),
    size: Number(params.get('size') ?? 15),
    sort: params.get('sort') ?? defaultSort,
    dir: params.get('dir') === 'asc' ? 'asc' : 'desc',
    set,
    clear: () => {
      setParams(new URLSearchParams());
      setSelected(new Set());
    },
    hasFilter: [...filterKeys, 'where'].some((k) => params.get(k)),
    selected,
    setSelected,
  };
}

/** The selection checkbox header and the sortable column headers of a list. */
export function ListHeader({
  list,
  ids,
  what,
  columns,
  extra,
}: {
  list: ListParams;
  ids: string[];
  what: string;
  columns: Array<[string, string]>;
  extra: string[];
}) {
  const { selected, setSelected, sort, dir, set } = list;
  const all = ids.length > 0 && ids.every((id) => selected.has(id));
  return (
    <thead>
      <tr>
        <th>
          <input type="checkbox" aria-label={`Select all ${what} on this page`} checked={all} onChange={() => setSelected(all ? new Set() : new Set(ids))} />
        </th>
        {columns.map(([field, label]) => (
          <th key={field} aria-sort={sort === field ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}>
            <button type="button" onClick={() => set({ sort: field, dir: sort === field && dir === 'desc' ? 'asc' : 'desc' })}>
              {label}
              {sort === field ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
            </button>
          </th>
        ))}
        {extra.map((h) => (
          <th key={h}>{h}</th>
        ))}
      </tr>
    </thead>
  );
}

/** A filter select bound to one URL parameter; the first option ("Any") clears it. */
export function ParamSelect({
  list,
  name,
  label,
  options,
  any = 'Any',
}: {
  list: ListParams;
  name: string;
  label: string;
  options: Array<[string, string]>;
  any?: string;
}) {
  return (
    <label>
      {label}
      <select aria-label={label} value={list.params.get(name) ?? ''} onChange={(e) => list.set({ [name]: e.target.value })}>
        <option value="">{any}</option>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The note above a list whose URL carries extra conditions (`where`, e.g. from a dashboard
 * click-through: the widget's period, a time bucket): where they come from, and a button that
 * removes them. Shown as text, never as markup.
 */
export function WhereNote({ list }: { list: ListParams }) {
  const { params, set } = list;
  if (!params.get('where')) return null;
  const { conds, error } = whereOf(params);
  const from = params.get('whereLabel');
  return (
    <p className={error ? 'notice error' : 'notice'} role="status" data-testid="list-where">
      {error ??
        `Also filtered by ${conds.length} condition${conds.length === 1 ? '' : 's'}${from ? ` from the dashboard widget "${from}"` : ''} (its period, time bucket or other conditions).`}{' '}
      <button type="button" className="link" onClick={() => set({ where: null, whereLabel: null })}>
        Remove
      </button>
    </p>
  );
}
