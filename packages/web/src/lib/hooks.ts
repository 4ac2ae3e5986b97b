import { useCallback, useEffect, useRef, useState } from 'react';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Refetches; the current data stays on screen meanwhile (no flicker on live updates). */
  reload: () => void;
}

/** Loads `fn()` when `deps` change; ignores answers that arrive after a newer request. */
export function useResource<T>(fn: () => Promise<T>, deps: unknown[]): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const seq = useRef(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const load = useCallback(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    fnRef.current().then(
      (data) => n === seq.current && setState({ data, loading: false }),
      (error: unknown) => n === seq.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, []);
  useEffect(load, deps);
  return { data: state.data, error: state.error, loading: state.loading, reload: load };
}

/** Sets the browser tab title while the page is shown. */
export function useTitle(title: string | undefined): void {
  useEffect(() => {
    if (!title) return;
    const before = document.title;
    document.title = `${title} · Waggle`;
    return () => {
      document.title = before;
    };
  }, [title]);
}
