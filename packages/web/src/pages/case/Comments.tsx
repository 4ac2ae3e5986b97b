import { useState, type FormEvent } from 'react';
import { api, query } from '../../lib/api';
import { sortStep } from '../../lib/filters';
import { useResource } from '../../lib/hooks';
import { aboutCase, useLiveUpdates } from '../../lib/stream';
import type { Case } from '../../lib/types';
import { ErrorBox, FormError, Loading } from '../../components/States';
import { Markdown } from '../../components/Markdown';
import { formatDate } from '../../components/Badges';

interface Comment {
  _id: string;
  createdBy: string;
  createdAt: number;
  message: string;
  isEdited?: boolean;
}

/** The case's discussion: markdown comments, newest first, live. */
export function Comments({ kase }: { kase: Case }) {
  const r = useResource(
    () =>
      query<Comment[]>(
        [{ _name: 'getCase', idOrName: kase._id }, { _name: 'comments' }, sortStep('_createdAt', 'desc'), { _name: 'page', from: 0, to: 100 }],
        'case-comments',
      ),
    [kase._id],
  );
  useLiveUpdates((e) => aboutCase(kase._id)(e) && e.objectType === 'Comment', r.reload);
  const [message, setMessage] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    try {
      await api.post(`/api/v1/case/${encodeURIComponent(kase._id)}/comment`, { message });
      setMessage('');
      setError(null);
      r.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="card" aria-label="Comments">
      <h2>Comments</h2>
      <form onSubmit={(e) => void submit(e)} aria-label="Add a comment">
        <label>
          New comment (markdown)
          <textarea
            required
            rows={3}
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit();
            }}
          />
        </label>
        <button type="submit" className="primary">
          Add comment
        </button>
        <FormError error={error} />
      </form>
      {r.error ? <ErrorBox error={r.error} retry={r.reload} /> : null}
      {!r.data ? (
        <Loading what="Loading comments" />
      ) : r.data.length === 0 ? (
        <p className="muted">No comments yet.</p>
      ) : (
        r.data.map((c) => (
          <article key={c._id} className="log-entry" data-testid="comment">
            <div className="meta">
              {formatDate(c.createdAt)} — {c.createdBy}
              {c.isEdited ? ' (edited)' : ''}
            </div>
            <Markdown text={c.message} />
          </article>
        ))
      )}
    </section>
  );
}
