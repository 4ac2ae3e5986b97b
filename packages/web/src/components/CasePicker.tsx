import { useState } from 'react';
import { queryPage } from '../lib/api';
import { f, filterStep, sortStep } from '../lib/filters';
import { useResource } from '../lib/hooks';
import type { Case } from '../lib/types';
import { Dialog } from './Dialog';
import { FormError, Loading } from './States';
import { Status } from './Badges';

/** Finds an open case by number or title and hands it to `onPick` (merge targets). */
export function CasePickerDialog({
  title,
  action,
  onClose,
  onPick,
}: {
  title: string;
  action: string;
  onClose: () => void;
  onPick: (c: Case) => Promise<void>;
}) {
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const q = text.trim();
  const found = useResource(() => {
    const conds = [f.in('stage', ['New', 'InProgress'])];
    if (/^#?\d+$/.test(q)) conds.push(f.eq('number', Number(q.replace('#', ''))));
    else if (q) conds.push(f.contains('title', q));
    return queryPage<Case>([{ _name: 'listCase' }, ...filterStep(conds), sortStep('_createdAt', 'desc')], 0, 10, [], 'cases');
  }, [q]);
  return (
    <Dialog title={title} onClose={onClose}>
      <label>
        Find a case (number or title)
        <input type="search" autoFocus value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      {!found.data ? (
        <Loading what="Searching" />
      ) : found.data.items.length === 0 ? (
        <p className="muted">No open case matches.</p>
      ) : (
        <ul className="plain picker">
          {found.data.items.map((c) => (
            <li key={c._id} className="row">
              <button type="button" onClick={() => void onPick(c).then(onClose, setError)} aria-label={`${action} #${c.number}`}>
                {action}
              </button>
              <span>
                #{c.number} {c.title}
              </span>
              <Status value={c.status} stage={c.stage} />
            </li>
          ))}
        </ul>
      )}
      <FormError error={error} />
    </Dialog>
  );
}
