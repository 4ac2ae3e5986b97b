/**
 * The "Add widget" / "Edit widget" dialog: type, title, entity, filter rows (field, operator,
 * value: the Query API operators), aggregation (count, top values with size, histogram with
 * interval, sum/avg/min/max, an optional "split by" terms level), period (last 7/30/90 days, all
 * or custom dates) and, for text widgets, markdown. "Preview" and "Apply" ask the stats endpoint,
 * so a bad field comes back from the server, and its message shows next to the field it names.
 * Widgets the form cannot show (nested filters, deeper aggregations) are edited as JSON.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../lib/api';
import { Dialog } from '../components/Dialog';
import { Markdown } from '../components/Markdown';
import { FormError } from '../components/States';
import { Select } from './controls';
import { WidgetBody, chartHeight, type DefScope } from './WidgetView';
import {
  AGG_KINDS,
  ENTITIES,
  errorTarget,
  FIELDS,
  fieldType,
  FormInputError,
  formToWidget,
  INTERVALS,
  OPERATORS,
  PERIODS,
  statsBody,
  widgetToForm,
  WIDGET_TYPES,
  type FilterRow,
  type Widget,
  type WidgetForm,
  type WidgetType,
} from './model';

const TIME_TYPES = new Set<WidgetType>(['line', 'area', 'multiline']);
const METRICS = new Set(['sum', 'avg', 'min', 'max']);

/** Defaults that make a type change give a working widget. */
function retype(f: WidgetForm, type: WidgetType): WidgetForm {
  const next = { ...f, type };
  if (TIME_TYPES.has(type) && f.kind !== 'histogram') Object.assign(next, { kind: 'histogram', field: '_createdAt', interval: 'day' });
  if ((type === 'donut' || type === 'pie') && f.kind !== 'terms') Object.assign(next, { kind: 'terms', field: 'status', splitField: '' });
  if (type === 'bar' && !['terms', 'histogram'].includes(f.kind)) Object.assign(next, { kind: 'terms', field: 'status' });
  if (type === 'counter' && !['count', ...METRICS].includes(f.kind)) Object.assign(next, { kind: 'count', field: '', splitField: '' });
  if (type === 'multiline' && !next.splitField) next.splitField = 'status';
  return next;
}

/** Another entity: an aggregation field it lacks becomes its first field of the right kind. */
function reentity(f: WidgetForm, entity: string): WidgetForm {
  const fields = FIELDS[entity] ?? [];
  const has = (x: string) => x === '' || fields.includes(x) || x.startsWith('customFields.');
  const next = { ...f, entity };
  if (!has(f.field)) {
    const fit = f.kind === 'histogram' ? '_createdAt' : METRICS.has(f.kind) ? fields.find((x) => fieldType(x) === 'number') : fields[0];
    next.field = fit ?? '';
  }
  if (!has(f.splitField)) next.splitField = '';
  if (f.dateField && !has(f.dateField)) next.dateField = '';
  return next;
}

function rekind(f: WidgetForm, kind: string): WidgetForm {
  const field = kind === 'terms' ? 'status' : kind === 'histogram' ? '_createdAt' : kind === 'count' ? '' : METRICS.has(f.kind) ? f.field : '';
  return { ...f, kind, field, ...(kind === 'terms' || kind === 'histogram' ? {} : { splitField: '' }) };
}

/** Server messages by the field path they name (`aggregation.field`, `filter`...); `''` for the rest. */
function errorsOf(e: unknown): Record<string, string> {
  if (e instanceof FormInputError) return { [e.field]: e.message };
  if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
    const t = errorTarget(e.message);
    return { [t.field ?? '']: t.field ? e.message : t.text };
  }
  return { '': e instanceof Error ? e.message : String(e) };
}

const under = (k: string, p: string): boolean => k === p || k.startsWith(`${p}.`) || k.startsWith(`${p}[`);

/** The message of the error under one of the paths `at` (and none of `except`), next to its field. */
function FieldError({ errors, at, except = [] }: { errors: Record<string, string>; at: string[]; except?: string[] }) {
  const hit = Object.entries(errors).find(([k]) => at.some((p) => under(k, p)) && !except.some((p) => under(k, p)));
  if (!hit) return null;
  return (
    <span className="field-error" role="alert" data-testid="field-error">
      {hit[1]}
    </span>
  );
}

/** Fields no other FieldError shows. */
const SHOWN = ['entity', 'filter', 'period', 'dateField', 'aggregation', 'title', 'type', 'markdown', 'stacked', 'layout', 'timeZone'];

function FieldInput({
  label,
  value,
  entity,
  onChange,
  numeric,
}: {
  label: string;
  value: string;
  entity: string;
  onChange: (v: string) => void;
  numeric?: boolean;
}) {
  const list = `fields-${entity}${numeric ? '-n' : ''}`;
  return (
    <>
      <input aria-label={label} list={list} value={value} onChange={(e) => onChange(e.target.value)} placeholder="field (or customFields.name)" />
      <datalist id={list}>
        {(FIELDS[entity] ?? [])
          .filter((x) => !numeric || fieldType(x) === 'number')
          .map((x) => (
            <option key={x} value={x} />
          ))}
      </datalist>
    </>
  );
}

function FilterRows({ rows, entity, onChange }: { rows: FilterRow[]; entity: string; onChange: (rows: FilterRow[]) => void }) {
  const set = (i: number, c: Partial<FilterRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...c } : r)));
  return (
    <div className="filter-rows">
      {rows.map((r, i) => (
        <div className="row filter-row" key={i} data-testid="filter-row">
          <FieldInput label={`Filter field ${i + 1}`} value={r.field} entity={entity} onChange={(field) => set(i, { field })} />
          <Select inline hideLabel label={`Operator ${i + 1}`} value={r.op} options={OPERATORS} onChange={(op) => set(i, { op })} />
          {r.op === '_has' || r.op === 'missing' ? null : (
            <input
              aria-label={`Value ${i + 1}`}
              value={r.value}
              onChange={(e) => set(i, { value: e.target.value })}
              placeholder={r.op === '_in' ? 'a, b, c' : r.op === '_between' ? 'from, to' : 'value'}
            />
          )}
          <button type="button" className="icon" aria-label={`Remove condition ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, { field: '', op: '_eq', value: '' }])}>
        Add condition
      </button>
    </div>
  );
}

function TheForm({ f, set, errors }: { f: WidgetForm; set: (c: Partial<WidgetForm>) => void; errors: Record<string, string> }) {
  const grouped = f.kind === 'terms' || f.kind === 'histogram';
  let aggFields: ReactNode = null;
  if (f.kind !== 'count') {
    aggFields = (
      <label>
        {METRICS.has(f.kind) ? 'Numeric field' : f.kind === 'histogram' ? 'Date field' : 'Group by field'}
        <FieldInput label="Aggregation field" value={f.field} entity={f.entity} numeric={METRICS.has(f.kind)} onChange={(field) => set({ field })} />
        <FieldError errors={errors} at={['aggregation.field']} />
      </label>
    );
  }
  return (
    <>
      <div className="form-grid">
        <Select label="Widget type" value={f.type} options={WIDGET_TYPES} onChange={(v) => set(retype(f, v as WidgetType))} />
        <label>
          Widget title
          <input aria-label="Widget title" value={f.title} maxLength={512} onChange={(e) => set({ title: e.target.value })} />
          <FieldError errors={errors} at={['title']} />
        </label>
      </div>
      {f.type === 'text' ? (
        <>
          <label>
            Markdown
            <textarea aria-label="Markdown" rows={8} value={f.markdown} onChange={(e) => set({ markdown: e.target.value })} />
            <FieldError errors={errors} at={['markdown']} />
          </label>
          <div className="widget-preview">
            <Markdown text={f.markdown} />
          </div>
        </>
      ) : (
        <>
          <div className="form-grid">
            <Select label="Entity" value={f.entity} options={ENTITIES} onChange={(entity) => set(reentity(f, entity))}>
              <FieldError errors={errors} at={['entity']} />
            </Select>
            <Select label="Period" value={f.period} options={PERIODS} onChange={(v) => set({ period: v as WidgetForm['period'] })}>
              <FieldError errors={errors} at={['period']} />
            </Select>
            {f.period === 'custom' ? (
              <>
                <label>
                  From
                  <input aria-label="From" type="date" value={f.from} onChange={(e) => set({ from: e.target.value })} />
                </label>
                <label>
                  To (included)
                  <input aria-label="To" type="date" value={f.to} onChange={(e) => set({ to: e.target.value })} />
                </label>
              </>
            ) : null}
            {f.period !== 'all' ? (
              <label>
                Period applies to
                <FieldInput label="Period date field" value={f.dateField} entity={f.entity} onChange={(dateField) => set({ dateField })} />
                <FieldError errors={errors} at={['dateField']} />
              </label>
            ) : null}
          </div>
          <fieldset>
            <legend>Filter (all conditions hold)</legend>
            {f.filterRows ? (
              <FilterRows rows={f.filterRows} entity={f.entity} onChange={(filterRows) => set({ filterRows })} />
            ) : (
              <label>
                Filter JSON (Query API)
                <textarea aria-label="Filter JSON" rows={5} value={f.filterJson} onChange={(e) => set({ filterJson: e.target.value })} />
              </label>
            )}
            <FieldError errors={errors} at={['filter']} />
          </fieldset>
          <fieldset>
            <legend>Aggregation</legend>
            <div className="form-grid">
              <Select label="Aggregation" value={f.kind} options={AGG_KINDS} onChange={(v) => set(rekind(f, v))} />
              {aggFields}
              {f.kind === 'terms' ? (
                <label>
                  Top N
                  <input aria-label="Top N" type="number" min={1} max={1000} value={f.size} placeholder="10" onChange={(e) => set({ size: e.target.value })} />
                  <FieldError errors={errors} at={['aggregation.size']} />
                </label>
              ) : null}
              {f.kind === 'histogram' ? (
                <Select label="Interval" value={f.interval} options={INTERVALS.map((i) => [i, i] as const)} onChange={(interval) => set({ interval })}>
                  <FieldError errors={errors} at={['aggregation.interval']} />
                </Select>
              ) : null}
              {grouped ? (
                <label>
                  Split by (series)
                  <FieldInput label="Split by" value={f.splitField} entity={f.entity} onChange={(splitField) => set({ splitField })} />
                  <FieldError errors={errors} at={['aggregation.aggs']} />
                </label>
              ) : null}
              {f.type === 'bar' && grouped ? (
                <label className="inline">
                  <input type="checkbox" aria-label="Stacked" checked={f.stacked} onChange={(e) => set({ stacked: e.target.checked })} /> Stacked
                </label>
              ) : null}
            </div>
            <FieldError errors={errors} at={['aggregation']} except={['aggregation.field', 'aggregation.size', 'aggregation.interval', 'aggregation.aggs']} />
          </fieldset>
        </>
      )}
    </>
  );
}

export function WidgetDialog({
  widget,
  def,
  isNew,
  onClose,
  onApply,
}: {
  widget: Widget;
  def: DefScope;
  isNew: boolean;
  onClose: () => void;
  onApply: (w: Widget) => void;
}) {
  const initial = widgetToForm(widget);
  const [form, setForm] = useState<WidgetForm | undefined>(initial);
  const [json, setJson] = useState(() => JSON.stringify(widget, null, 2));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<{ w: Widget; result: unknown } | undefined>();
  const [busy, setBusy] = useState(false);

  const current = (): Widget => {
    if (form) return formToWidget(form);
    try {
      return { ...(JSON.parse(json) as Widget), id: widget.id, layout: widget.layout };
    } catch {
      throw new FormInputError('widget', 'is not valid JSON');
    }
  };
  /** Runs the widget's query on the server: its errors name the bad field. */
  const check = async (): Promise<Widget | undefined> => {
    setErrors({});
    setBusy(true);
    try {
      const w = current();
      const stats = w.type === 'text' ? { result: null } : await api.post<{ result: unknown }>('/api/v1/dashboard/stats', statsBody(w, def));
      setPreview({ w, result: stats.result });
      return w;
    } catch (e) {
      setErrors(errorsOf(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const w = await check();
    if (w) onApply(w);
  };
  const unshown = Object.entries(errors).filter(([k]) => form === undefined || !SHOWN.some((p) => under(k, p)));
  const title = isNew ? 'Add widget' : `Edit widget ${widget.title || widget.id}`;
  return (
    <Dialog title={title} onClose={onClose} wide>
      <form aria-label={title} onSubmit={(e) => void submit(e)} className="widget-form">
        {form ? (
          <TheForm f={form} set={(c) => setForm({ ...form, ...c })} errors={errors} />
        ) : (
          <label>
            Widget JSON
            {initial ? null : <span className="hint">This widget uses options the form cannot show (nested filters or aggregations): edit it as JSON.</span>}
            <textarea aria-label="Widget JSON" rows={16} value={json} onChange={(e) => setJson(e.target.value)} />
          </label>
        )}
        {unshown.length ? <FormError error={new Error(unshown.map(([, m]) => m).join('; '))} /> : null}
        {preview && preview.w.type !== 'text' ? (
          <div className="widget-preview" aria-label="Preview" role="region" data-testid="widget-preview">
            <WidgetBody w={preview.w} stats={{ result: preview.result }} height={chartHeight(3)} {...(def.timeZone ? { timeZone: def.timeZone } : {})} />
          </div>
        ) : null}
        <div className="dialog-actions">
          <button
            type="button"
            onClick={() => {
              setErrors({});
              if (form) {
                try {
                  setJson(JSON.stringify(formToWidget(form), null, 2));
                  setForm(undefined);
                } catch (e) {
                  setErrors(errorsOf(e));
                }
              } else {
                try {
                  const f = widgetToForm(current());
                  if (f) setForm(f);
                  else setErrors({ '': 'The form cannot show this widget (nested filters or aggregations); keep editing it as JSON.' });
                } catch (e) {
                  setErrors(errorsOf(e));
                }
              }
            }}
          >
            {form ? 'Edit as JSON' : 'Edit with the form'}
          </button>
          <button type="button" disabled={busy} onClick={() => void check()}>
            Preview
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {isNew ? 'Add to dashboard' : 'Apply'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
