import { useState, type FormEvent } from 'react';
import { api, query, request } from '../../lib/api';
import { sortStep } from '../../lib/filters';
import { useResource } from '../../lib/hooks';
import { aboutCase, useLiveUpdates } from '../../lib/stream';
import { TASK_STATUSES, listUsers } from '../../lib/options';
import type { Case, Log, Task } from '../../lib/types';
import { Empty, ErrorBox, FormError, Loading } from '../../components/States';
import { Markdown } from '../../components/Markdown';
import { AttachmentLink } from '../../components/AttachmentLink';
import { formatDate } from '../../components/Badges';
import { Editable } from '../../components/Editable';

function AddLog({ task, onAdded }: { task: Task; onAdded: () => void }) {
  const [message, setMessage] = useState('');
  const [files, setFiles] = useState<FileList | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [inputKey, setInputKey] = useState(0);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const url = `/api/v1/task/${encodeURIComponent(task._id)}/log`;
      if (files && files.length > 0) {
        const form = new FormData();
        form.append('_json', JSON.stringify({ message }));
        for (const file of files) form.append('attachments', file, file.name);
        await request('POST', url, undefined, { form });
      } else await api.post(url, { message });
      setMessage('');
      setFiles(null);
      setInputKey((k) => k + 1);
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label={`Add a log to ${task.title}`}>
      <label>
        New log (markdown)
        <textarea
          required
          value={message}
          onChange={(e) => setMessage(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit();
          }}
        />
      </label>
      <div className="row">
        <label className="inline">
          Attach files
          <input key={inputKey} type="file" multiple onChange={(e) => setFiles(e.target.files)} />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          Add log
        </button>
      </div>
      <FormError error={error} />
    </form>
  );
}

function TaskLogs({ task, caseId }: { task: Task; caseId: string }) {
  const logs = useResource(
    () =>
      query<Log[]>(
        [{ _name: 'getTask', idOrName: task._id }, { _name: 'logs' }, sortStep('_createdAt', 'desc'), { _name: 'page', from: 0, to: 100 }],
        'case-task-logs',
      ),
    [task._id],
  );
  useLiveUpdates((e) => e.rootId === caseId && e.objectType === 'Log', logs.reload);
  return (
    <div>
      <AddLog task={task} onAdded={logs.reload} />
      {logs.error ? <ErrorBox error={logs.error} retry={logs.reload} /> : null}
      {!logs.data ? (
        <Loading what="Loading logs" />
      ) : logs.data.length === 0 ? (
        <p className="muted">No log yet. Write what you did and found above.</p>
      ) : (
        logs.data.map((l) => (
          <article key={l._id} className="log-entry" data-testid="log-entry">
            <div className="meta">
              {formatDate(l.date ?? l._createdAt)} — {l.owner ?? l._createdBy}
            </div>
            <Markdown text={l.message} />
            {(l.attachments ?? []).map((a) => (
              <div key={a._id}>
                <AttachmentLink a={a} />
              </div>
            ))}
          </article>
        ))
      )}
    </div>
  );
}

function AddTask({ caseId, onAdded }: { caseId: string; onAdded: () => void }) {
  const [title, setTitle] = useState('');
  const [group, setGroup] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post(`/api/v1/case/${encodeURIComponent(caseId)}/task`, { title, ...(group ? { group } : {}) });
      setTitle('');
      setError(null);
      onAdded();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="filters" onSubmit={(e) => void submit(e)} aria-label="Add a task">
      <label>
        Task title
        <input aria-label="Task title" required value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        Group
        <input aria-label="Group" placeholder="default" value={group} onChange={(e) => setGroup(e.target.value)} />
      </label>
      <button type="submit" className="primary">
        Add task
      </button>
      <FormError error={error} />
    </form>
  );
}

export function Tasks({ kase }: { kase: Case }) {
  const tasks = useResource(
    () =>
      query<Task[]>(
        [
          { _name: 'getCase', idOrName: kase._id },
          { _name: 'tasks' },
          { _name: 'sort', _fields: [{ order: 'asc' }, { _createdAt: 'asc' }] },
          { _name: 'page', from: 0, to: 200 },
        ],
        'case-tasks',
      ),
    [kase._id],
  );
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const users = useResource(listUsers, []);
  useLiveUpdates((e) => aboutCase(kase._id)(e) && e.objectType === 'Task', tasks.reload);
  const patch = (t: Task, body: Record<string, unknown>) =>
    api
      .patch(`/api/v1/task/${encodeURIComponent(t._id)}`, body)
      .then(tasks.reload)
      .catch(setError);

  return (
    <section aria-label="Tasks">
      <AddTask caseId={kase._id} onAdded={tasks.reload} />
      <FormError error={error} />
      {tasks.error ? <ErrorBox error={tasks.error} retry={tasks.reload} /> : null}
      {!tasks.data ? (
        <Loading what="Loading tasks" />
      ) : tasks.data.length === 0 ? (
        <Empty title="No tasks in this case.">Add one above, or create the case from a template that has tasks.</Empty>
      ) : (
        <table className="list" aria-label="Tasks">
          <thead>
            <tr>
              <th>Task</th>
              <th>Group</th>
              <th>Status</th>
              <th>Assignee</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {tasks.data.map((t) => (
              <TaskRow
                key={t._id}
                t={t}
                open={open === t._id}
                toggle={() => setOpen(open === t._id ? null : t._id)}
                patch={(b) => void patch(t, b)}
                caseId={kase._id}
                logins={(users.data ?? []).map((u) => u.login)}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function TaskRow({
  t,
  open,
  toggle,
  patch,
  caseId,
  logins,
}: {
  t: Task;
  open: boolean;
  toggle: () => void;
  patch: (b: Record<string, unknown>) => void;
  caseId: string;
  logins: string[];
}) {
  return (
    <>
      <tr data-testid="task-row" data-task-id={t._id}>
        <td>
          {t.flag ? <span className="flag">⚑ </span> : null}
          <button type="button" className="link" aria-expanded={open} onClick={toggle}>
            {t.title}
          </button>
        </td>
        <td>{t.group}</td>
        <td>
          <select aria-label={`Status of ${t.title}`} value={t.status} onChange={(e) => patch({ status: e.target.value })}>
            {TASK_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </td>
        <td>
          <select aria-label={`Assignee of ${t.title}`} value={t.assignee ?? ''} onChange={(e) => patch({ assignee: e.target.value || null })}>
            <option value="">unassigned</option>
            {[...new Set([...(t.assignee ? [t.assignee] : []), ...logins])].map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </td>
        <td>
          <button type="button" onClick={() => patch({ flag: !t.flag })}>
            {t.flag ? 'Unflag' : 'Flag'}
          </button>{' '}
          <button type="button" onClick={toggle}>
            {open ? 'Hide logs' : 'Logs'}
          </button>
        </td>
      </tr>
      {open ? (
        <tr className="task-detail">
          <td colSpan={5}>
            <Editable
              label={`Description of ${t.title}`}
              multiline
              value={t.description ?? ''}
              display={<Markdown text={t.description} />}
              onSave={async (description) => patch({ description })}
            />
            <TaskLogs task={t} caseId={caseId} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
