import { useState } from 'react';
import { useResource } from '../../lib/hooks';
import { CASE_STATUSES, customFieldValue, listCustomFields, listUsers } from '../../lib/options';
import type { Case } from '../../lib/types';
import { Markdown } from '../../components/Markdown';
import { Editable } from '../../components/Editable';
import { FormError } from '../../components/States';
import { formatDate, PAPS, SEVERITIES, TLPS } from '../../components/Badges';
import { splitTags } from '../../components/CaseDialogs';
import { Comments } from './Comments';

type Update = (body: Record<string, unknown>) => Promise<void>;

function InlineSelect({ label, value, options, onChange }: { label: string; value: string; options: Array<[string, string]>; onChange: (v: string) => void }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      {options.map(([v, l]) => (
        <option key={v} value={v}>
          {l}
        </option>
      ))}
    </select>
  );
}

const entries = (labels: Record<number, string>): Array<[string, string]> => Object.entries(labels);

function CustomFields({ kase, update }: { kase: Case; update: Update }) {
  const defs = useResource(listCustomFields, []);
  const [adding, setAdding] = useState('');
  const [error, setError] = useState<unknown>(null);
  const values = [...(kase.customFields ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const save = (name: string, raw: string) =>
    update({
      customFields: {
        [name]: customFieldValue(
          defs.data?.find((d) => d.name === name),
          raw,
        ),
      },
    }).catch((e: unknown) => {
      setError(e);
      throw e;
    });
  const missing = (defs.data ?? []).filter((d) => !values.some((v) => v.name === d.name));
  return (
    <section className="card" aria-label="Custom fields">
      <h2>Custom fields</h2>
      {values.length === 0 ? <p className="muted">No custom field set.</p> : null}
      <dl className="facts">
        {values.map((v) => {
          const def = defs.data?.find((d) => d.name === v.name);
          return (
            <div key={v.name} className="contents">
              <dt>{def?.displayName || v.name}</dt>
              <dd>
                <Editable
                  label={`Custom field ${v.name}`}
                  value={v.value === null || v.value === undefined ? '' : String(v.value)}
                  onSave={(raw) => save(v.name, raw)}
                />
              </dd>
            </div>
          );
        })}
      </dl>
      {missing.length ? (
        <div className="row" style={{ marginTop: 10 }}>
          <select aria-label="Add custom field" value={adding} onChange={(e) => setAdding(e.target.value)}>
            <option value="">Add a custom field…</option>
            {missing.map((d) => (
              <option key={d.name} value={d.name}>
                {d.displayName || d.name}
              </option>
            ))}
          </select>
          {adding ? <Editable label={`Custom field ${adding}`} value="" onSave={(raw) => save(adding, raw).then(() => setAdding(''))} /> : null}
        </div>
      ) : null}
      <FormError error={error} />
    </section>
  );
}

export function Summary({ kase, update }: { kase: Case; update: Update }) {
  const users = useResource(listUsers, []);
  const [error, setError] = useState<unknown>(null);
  const set = (body: Record<string, unknown>) => update(body).catch(setError);
  return (
    <div className="grid2">
      <div>
        <section className="card" aria-label="Title and description">
          <h2>Title</h2>
          <Editable label="Title" value={kase.title} onSave={(title) => update({ title })} />
          <h2 style={{ marginTop: 16 }}>Description</h2>
          <Editable
            label="Description"
            multiline
            value={kase.description}
            display={<Markdown text={kase.description} />}
            onSave={(description) => update({ description })}
          />
        </section>
        {kase.stage === 'Closed' ? (
          <section className="card" aria-label="Resolution">
            <h2>Resolution</h2>
            <dl className="facts">
              <dt>Status</dt>
              <dd>{kase.status}</dd>
              <dt>Impact</dt>
              <dd>{kase.impactStatus ?? 'NotApplicable'}</dd>
            </dl>
            <Markdown text={kase.summary} />
          </section>
        ) : null}
        <CustomFields kase={kase} update={update} />
        <Comments kase={kase} />
      </div>
      <section className="card" aria-label="Details">
        <h2>Details</h2>
        <FormError error={error} />
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <InlineSelect label="Status" value={kase.status} options={CASE_STATUSES.map((s) => [s, s])} onChange={(status) => void set({ status })} />
          </dd>
          <dt>Severity</dt>
          <dd>
            <InlineSelect label="Severity" value={String(kase.severity)} options={entries(SEVERITIES)} onChange={(v) => void set({ severity: Number(v) })} />
          </dd>
          <dt>TLP</dt>
          <dd>
            <InlineSelect label="TLP" value={String(kase.tlp)} options={entries(TLPS)} onChange={(v) => void set({ tlp: Number(v) })} />
          </dd>
          <dt>PAP</dt>
          <dd>
            <InlineSelect label="PAP" value={String(kase.pap)} options={entries(PAPS)} onChange={(v) => void set({ pap: Number(v) })} />
          </dd>
          <dt>Assignee</dt>
          <dd>
            <InlineSelect
              label="Assignee"
              value={kase.assignee ?? ''}
              options={[
                ['', 'Unassigned'],
                ...(users.data ?? []).map((u): [string, string] => [u.login, `${u.name} (${u.login})`]),
                ...(kase.assignee && !users.data?.some((u) => u.login === kase.assignee) ? [[kase.assignee, kase.assignee] as [string, string]] : []),
              ]}
              onChange={(v) => void set({ assignee: v || null })}
            />
          </dd>
          <dt>Tags</dt>
          <dd>
            <Editable label="Tags" value={(kase.tags ?? []).join(', ')} onSave={(v) => update({ tags: splitTags(v) })} />
          </dd>
          <dt>Created</dt>
          <dd>
            {formatDate(kase._createdAt)} by {kase._createdBy}
          </dd>
          <dt>Start date</dt>
          <dd>{formatDate(kase.startDate)}</dd>
          {kase._updatedAt ? (
            <>
              <dt>Updated</dt>
              <dd>
                {formatDate(kase._updatedAt)} by {kase._updatedBy}
              </dd>
            </>
          ) : null}
        </dl>
      </section>
    </div>
  );
}
