/**
 * The dashboard editor (`/dashboards/:id/edit`): title, description, visibility, the default
 * period and time zone of the widgets, and the widgets on the 12-column grid, each with a live preview. A
 * widget is added or edited in `WidgetDialog`; it is moved and resized with its layout buttons,
 * with the arrow keys on its "Layout" handle (Shift + arrows resize), or by dragging that handle
 * to another grid cell with the mouse; widgets it lands on
 * move down. "Save" sends the whole definition (`PATCH /api/v1/dashboard/{id}`); a validation
 * error names the bad field (`widgets[2].aggregation.field: ...`) and shows on that widget.
 */
import { useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, ApiError } from '../lib/api';
import { useSession } from '../lib/session';
import { useResource, useTitle } from '../lib/hooks';
import { Empty, ErrorBox, FormError, Loading } from '../components/States';
import { DashboardFields } from './actions';
import { Select } from './controls';
import { WidgetDialog } from './WidgetDialog';
import { GAP_PX, ROW_PX, WidgetPanel, widgetTitle } from './WidgetView';
import {
  changeLayout,
  COLUMNS,
  errorTarget,
  newWidget,
  WIDGET_TYPES,
  type Dashboard,
  type Definition,
  type Period,
  type Widget,
  type WidgetType,
} from './model';

const DEFAULT_PERIODS: Array<[string, string]> = [
  ['', 'None (each widget: all time unless it says)'],
  ['last7Days', 'Last 7 days'],
  ['last30Days', 'Last 30 days'],
  ['last90Days', 'Last 90 days'],
  ['all', 'All time'],
];

/** The browser's time zone (days of histograms start at its midnight when chosen). */
const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

const KEYS: Record<string, { dx?: number; dy?: number; dw?: number; dh?: number }> = {
  ArrowLeft: { dx: -1 },
  ArrowRight: { dx: 1 },
  ArrowUp: { dy: -1 },
  ArrowDown: { dy: 1 },
};
const SHIFT_KEYS: Record<string, { dw?: number; dh?: number }> = {
  ArrowLeft: { dw: -1 },
  ArrowRight: { dw: 1 },
  ArrowUp: { dh: -1 },
  ArrowDown: { dh: 1 },
};

function LayoutTools({
  w,
  onLayout,
  onEdit,
  onRemove,
  onDragStart,
}: {
  w: Widget;
  onLayout: (d: (typeof KEYS)[string]) => void;
  onEdit: () => void;
  onRemove: () => void;
  onDragStart: (e: DragEvent) => void;
}) {
  const t = widgetTitle(w);
  const onKey = (e: KeyboardEvent) => {
    const d = (e.shiftKey ? SHIFT_KEYS : KEYS)[e.key];
    if (!d) return;
    e.preventDefault();
    onLayout(d);
  };
  const b = (label: string, text: string, d: (typeof KEYS)[string]) => (
    <button type="button" className="icon small" aria-label={`${label} ${t}`} title={label} onClick={() => onLayout(d)}>
      {text}
    </button>
  );
  return (
    <div className="widget-tools" role="toolbar" aria-label={`Tools of ${t}`}>
      <button
        type="button"
        className="icon small handle"
        aria-label={`Layout of ${t}`}
        title="Drag to move; arrow keys move, Shift + arrow keys resize"
        onKeyDown={onKey}
        draggable
        onDragStart={onDragStart}
      >
        ✥
      </button>
      {b('Move left', '←', { dx: -1 })}
      {b('Move right', '→', { dx: 1 })}
      {b('Move up', '↑', { dy: -1 })}
      {b('Move down', '↓', { dy: 1 })}
      {b('Narrower', '⇤', { dw: -1 })}
      {b('Wider', '⇥', { dw: 1 })}
      {b('Shorter', '⤒', { dh: -1 })}
      {b('Taller', '⤓', { dh: 1 })}
      <button type="button" className="small" aria-label={`Edit widget ${t}`} onClick={onEdit}>
        Edit
      </button>
      <button type="button" className="small danger" aria-label={`Remove widget ${t}`} onClick={onRemove}>
        Remove
      </button>
    </div>
  );
}

function Editor({ dash }: { dash: Dashboard }) {
  const navigate = useNavigate();
  const { can } = useSession();
  const [meta, setMeta] = useState({ title: dash.title, description: dash.description, status: dash.status });
  const [period, setPeriod] = useState<Period | undefined>(dash.definition.period);
  const [widgets, setWidgets] = useState<Widget[]>(dash.definition.widgets ?? []);
  const [dialog, setDialog] = useState<{ w: Widget; isNew: boolean } | null>(null);
  const [addType, setAddType] = useState<WidgetType>('bar');
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [widgetErrors, setWidgetErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  useTitle(`Edit ${dash.title}`);
  const [timeZone, setTimeZone] = useState(dash.definition.timeZone ?? '');
  const def: Definition = { ...dash.definition, widgets };
  if (period === undefined) delete def.period;
  else def.period = period;
  if (timeZone.trim()) def.timeZone = timeZone.trim();
  else delete def.timeZone;

  const save = async () => {
    setError(null);
    setFieldErrors({});
    setWidgetErrors({});
    setSaving(true);
    try {
      await api.patch(`/api/v1/dashboard/${encodeURIComponent(dash._id)}`, {
        title: meta.title,
        description: meta.description,
        ...(meta.status !== dash.status ? { status: meta.status } : {}),
        definition: def,
      });
      void navigate(`/dashboards/${dash._id}`);
    } catch (e) {
      setSaving(false);
      if (!(e instanceof ApiError) || e.status >= 500 || e.status === 0) return setError(e);
      const t = errorTarget(e.message);
      const w = t.widget !== undefined ? widgets[t.widget] : undefined;
      if (w) setWidgetErrors({ [w.id]: e.message });
      else if (t.field === 'title' || t.field === 'description' || t.field === 'status' || t.field === 'timeZone') setFieldErrors({ [t.field]: t.text });
      else setError(e);
    }
  };
  const apply = (w: Widget) => {
    setWidgets((ws) => (ws.some((x) => x.id === w.id) ? ws.map((x) => (x.id === w.id ? w : x)) : [...ws, w]));
    setWidgetErrors(({ [w.id]: _gone, ...rest }) => rest);
    setDialog(null);
  };
  const canShare = can('manageDashboard');
  // drag and drop: the widget keeps the cell offset under the pointer where it was grabbed
  const grid = useRef<HTMLDivElement>(null);
  const dragging = useRef<{ id: string; dx: number; dy: number } | null>(null);
  const cellAt = (clientX: number, clientY: number): { x: number; y: number } | undefined => {
    const r = grid.current?.getBoundingClientRect();
    if (!r) return undefined;
    return { x: Math.floor(((clientX - r.left) * COLUMNS) / (r.width + GAP_PX)), y: Math.floor((clientY - r.top) / (ROW_PX + GAP_PX)) };
  };
  const dragStart = (e: DragEvent, w: Widget) => {
    const c = cellAt(e.clientX, e.clientY);
    if (!c) return;
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', w.id);
    dragging.current = { id: w.id, dx: c.x - w.layout.x, dy: c.y - w.layout.y };
  };
  const drop = (e: DragEvent) => {
    const d = dragging.current;
    dragging.current = null;
    const c = cellAt(e.clientX, e.clientY);
    if (!d || !c) return;
    e.preventDefault();
    setWidgets((ws) => {
      const l = ws.find((x) => x.id === d.id)?.layout;
      return l ? changeLayout(ws, d.id, { dx: c.x - d.dx - l.x, dy: c.y - d.dy - l.y }) : ws;
    });
  };
  return (
    <div className="page dashboard-editor">
      <p>
        <Link to={`/dashboards/${dash._id}`}>Back to the dashboard (discard changes)</Link>
      </p>
      <div className="page-head">
        <h1>Edit dashboard</h1>
        <button type="button" className="primary" disabled={saving} onClick={() => void save()}>
          Save dashboard
        </button>
      </div>
      <form className="card dashboard-meta" aria-label="Dashboard settings" onSubmit={(e) => e.preventDefault()}>
        <DashboardFields {...meta} onChange={(c) => setMeta({ ...meta, ...c })} errors={fieldErrors} />
        {!canShare && meta.status === 'Shared' ? (
          <p className="hint">Your profile may not share dashboards (manageDashboard); saving will be refused.</p>
        ) : null}
        <Select
          label="Default period of the widgets"
          value={typeof period === 'string' ? period : ''}
          options={DEFAULT_PERIODS}
          onChange={(v) => setPeriod(v ? (v as Period) : undefined)}
        />
        <label>
          Time zone of the histograms
          <input aria-label="Time zone of the histograms" list="time-zones" value={timeZone} placeholder="UTC" onChange={(e) => setTimeZone(e.target.value)} />
          <datalist id="time-zones">
            {Intl.supportedValuesOf('timeZone').map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          {timeZone !== LOCAL_ZONE ? (
            <button type="button" className="link" onClick={() => setTimeZone(LOCAL_ZONE)}>
              Use mine ({LOCAL_ZONE})
            </button>
          ) : null}
          {fieldErrors.timeZone ? <span className="field-error" data-testid="field-error">{`timeZone: ${fieldErrors.timeZone}`}</span> : null}
        </label>
      </form>
      <FormError error={error} />
      <div className="row add-widget" role="group" aria-label="Add a widget">
        <Select inline label="New widget type" value={addType} options={WIDGET_TYPES} onChange={(v) => setAddType(v as WidgetType)} />
        <button type="button" onClick={() => setDialog({ w: newWidget(addType, widgets), isNew: true })}>
          Add widget
        </button>
        <span className="hint">Drag a widget's ✥ handle to move it, or use the arrow keys on it (Shift + arrow keys resize).</span>
      </div>
      {widgets.length === 0 ? (
        <Empty title="No widgets yet.">Choose a type and click "Add widget".</Empty>
      ) : (
        <div className="dashboard-grid editing" ref={grid} onDragOver={(e) => dragging.current && e.preventDefault()} onDrop={drop}>
          {widgets.map((w) => (
            <WidgetPanel
              key={w.id}
              w={w}
              def={def}
              tick={0}
              tools={
                <LayoutTools
                  w={w}
                  onLayout={(d) => setWidgets((ws) => changeLayout(ws, w.id, d))}
                  onDragStart={(e) => dragStart(e, w)}
                  onEdit={() => setDialog({ w, isNew: false })}
                  onRemove={() => setWidgets((ws) => ws.filter((x) => x.id !== w.id))}
                />
              }
            >
              {widgetErrors[w.id] ? (
                <p className="field-error" role="alert" data-testid="widget-save-error">
                  {widgetErrors[w.id]}
                </p>
              ) : null}
            </WidgetPanel>
          ))}
        </div>
      )}
      {dialog ? <WidgetDialog widget={dialog.w} def={def} isNew={dialog.isNew} onClose={() => setDialog(null)} onApply={apply} /> : null}
    </div>
  );
}

export function DashboardEditor({ id }: { id: string }) {
  const d = useResource(() => api.get<Dashboard>(`/api/v1/dashboard/${encodeURIComponent(id)}`), [id]);
  if (d.error) return <ErrorBox error={d.error} retry={d.reload} />;
  if (!d.data) return <Loading what="Loading dashboard" />;
  if (!d.data.writable) {
    return (
      <Empty title="You cannot edit this dashboard.">
        Shared dashboards are changed by holders of the manageDashboard permission, private ones by their owner. <Link to={`/dashboards/${id}`}>View it</Link>,
        or duplicate it to make your own copy.
      </Empty>
    );
  }
  return <Editor key={d.data._id} dash={d.data} />;
}
