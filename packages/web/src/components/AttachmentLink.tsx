import type { Attachment } from '../lib/types';

export function formatSize(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * A file is always a download link to the API (served as an attachment by the server), never
 * shown inline: no `<img>`, `<iframe>` or `<object>` for user files.
 */
export function AttachmentLink({ a, href }: { a: Attachment; href?: string }) {
  const url = href ?? `/api/v1/attachment/${encodeURIComponent(a._id)}/download`;
  return (
    <span className="attachment">
      <a href={url} download={a.name} rel="noopener noreferrer" aria-label={`Download ${a.name}`}>
        {a.name}
      </a>{' '}
      <span className="muted">
        {formatSize(a.size)} {a.contentType}
      </span>
    </span>
  );
}
