/**
 * The live event stream (`GET /api/v1/stream/events`, Server-Sent Events). Read with `fetch` so
 * the current organisation header is sent; reconnects with backoff. Listeners get every audit
 * event the server lets this user see, and refetch what they show.
 */
import { useEffect, useRef } from 'react';
import { baseHeaders } from './api';

export interface AuditEvent {
  _id: string;
  operation: string;
  objectId: string;
  objectType: string;
  rootId?: string;
  _createdBy: string;
  details: Record<string, unknown>;
}

const SILENCE_MS = 70_000;

type Listener = (e: AuditEvent) => void;
const listeners = new Set<Listener>();
/** Called after the stream reconnects: events may have been missed, views refetch. */
const resyncs = new Set<() => void>();
let controller: AbortController | null = null;

function dispatch(block: string): void {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (event !== 'audit' || data.length === 0) return;
  let audit: AuditEvent;
  try {
    audit = JSON.parse(data.join('\n')) as AuditEvent;
  } catch {
    return;
  }
  for (const l of listeners) l(audit);
}

async function run(signal: AbortSignal): Promise<void> {
  let delay = 1000;
  let connectedBefore = false;
  while (!signal.aborted) {
    // the server pings every 25 s: a connection silent for 70 s is dead (dropped by a proxy or NAT)
    const conn = new AbortController();
    const abort = () => conn.abort();
    signal.addEventListener('abort', abort);
    let watchdog = setTimeout(abort, SILENCE_MS);
    try {
      const res = await fetch('/api/v1/stream/events', {
        headers: { ...baseHeaders(), Accept: 'text/event-stream' },
        signal: conn.signal,
        credentials: 'same-origin',
      });
      if (res.status === 401) return;
      if (!res.ok || !res.body) throw new Error(`stream ${res.status}`);
      delay = 1000;
      if (connectedBefore) for (const r of resyncs) r();
      connectedBefore = true;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        clearTimeout(watchdog);
        watchdog = setTimeout(abort, SILENCE_MS);
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          dispatch(buf.slice(0, i));
          buf = buf.slice(i + 2);
        }
      }
    } catch {
      if (signal.aborted) return;
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener('abort', abort);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 30_000);
  }
}

/** (Re)starts the stream, e.g. after login or an organisation switch. */
export function startStream(): void {
  stopStream();
  controller = new AbortController();
  void run(controller.signal);
}

export function stopStream(): void {
  controller?.abort();
  controller = null;
}

/**
 * Calls `onChange` (debounced) when an event matching `match` arrives. Use it to refetch the
 * data a page shows, so a colleague's change appears without a reload.
 */
export function useLiveUpdates(match: (e: AuditEvent) => boolean, onChange: () => void, delayMs = 250): void {
  const ref = useRef({ match, onChange });
  ref.current = { match, onChange };
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const l: Listener = (e) => {
      if (!ref.current.match(e)) return;
      clearTimeout(timer);
      timer = setTimeout(() => ref.current.onChange(), delayMs);
    };
    const resync = () => ref.current.onChange();
    listeners.add(l);
    resyncs.add(resync);
    return () => {
      clearTimeout(timer);
      listeners.delete(l);
      resyncs.delete(resync);
    };
  }, [delayMs]);
}

/** Events about this case or anything inside it (tasks, logs, observables...). */
export const aboutCase = (id: string | undefined) => (e: AuditEvent) => !!id && (e.rootId === id || e.objectId === id);
