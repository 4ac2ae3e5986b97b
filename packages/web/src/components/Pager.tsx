export const PAGE_SIZES = [15, 30, 50, 100];

/** "1–15 of 100,000" with previous/next and page size; only the shown page is ever fetched. */
export function Pager({
  page,
  size,
  total,
  onPage,
  onSize,
}: {
  page: number;
  size: number;
  total: number;
  onPage: (p: number) => void;
  onSize: (s: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(total / size));
  const from = total === 0 ? 0 : page * size + 1;
  const to = Math.min(total, (page + 1) * size);
  return (
    <nav className="pager" aria-label="Pagination">
      <span aria-live="polite" data-testid="pager-range">
        {from.toLocaleString()}–{to.toLocaleString()} of {total.toLocaleString()}
      </span>
      <button type="button" onClick={() => onPage(0)} disabled={page === 0} aria-label="First page">
        «
      </button>
      <button type="button" onClick={() => onPage(page - 1)} disabled={page === 0} aria-label="Previous page">
        ‹ Previous
      </button>
      <span>
        Page {page + 1} of {pages.toLocaleString()}
      </span>
      <button type="button" onClick={() => onPage(page + 1)} disabled={page + 1 >= pages} aria-label="Next page">
        Next ›
      </button>
      <button type="button" onClick={() => onPage(pages - 1)} disabled={page + 1 >= pages} aria-label="Last page">
        »
      </button>
      <label className="inline">
        Per page
        <select aria-label="Per page" value={size} onChange={(e) => onSize(Number(e.target.value))}>
          {PAGE_SIZES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
    </nav>
  );
}

/** Selection of rows by id, for bulk actions. */
export function toggle(set: Set<string>, id: string): Set<string> {
  const next = new Set(set);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}
