/**
 * The only door to the server: the public TheHive API v1. Session cookie authentication (set by
 * `POST /api/v1/login`), the CSRF header on unsafe requests, the current organisation in
 * `X-Organisation`, and errors as `ApiError` carrying the API's `{type, message}`.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const ORG_KEY = 'waggle.organisation';
const CSRF_COOKIE = 'WAGGLE-XSRF-TOKEN';
const CSRF_HEADER = 'X-Waggle-XSRF-Token';

let organisation: string | null = sessionStorage.getItem(ORG_KEY);

export function currentOrganisation(): string | null {
  return organisation;
}

export function setOrganisation(org: string | null): void {
  organisation = org;
  if (org) sessionStorage.setItem(ORG_KEY, org);
  else sessionStorage.removeItem(ORG_KEY);
}

function cookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** Headers every request carries: organisation and, for unsafe methods, the CSRF token. */
export function baseHeaders(method = 'GET'): Record<string, string> {
  const h: Record<string, string> = { Accept: 'application/json' };
  if (organisation) h['X-Organisation'] = organisation;
  if (!['GET', 'HEAD'].includes(method)) {
    const token = cookie(CSRF_COOKIE);
    if (token) h[CSRF_HEADER] = token;
  }
  return h;
}

/** Fired on a 401: the session is gone, the app shows the login page. */
export const UNAUTHENTICATED_EVENT = 'waggle:unauthenticated';

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { type?: unknown; message?: unknown };
    if (typeof body.type === 'string' && typeof body.message === 'string') return new ApiError(res.status, body.type, body.message);
  } catch {
    // not JSON
  }
  return new ApiError(res.status, `HTTP ${res.status}`, text.slice(0, 300) || res.statusText || 'The server did not answer');
}

export interface RequestOptions {
  /** Multipart body (uploads); the browser sets the content type. */
  form?: FormData;
  /** Return the body as text (API keys are plain text). */
  text?: boolean;
  /** Don't announce a 401 (the login page probes the session). */
  quiet401?: boolean;
}

export interface ApiResponse<T> {
  body: T;
  headers: Headers;
}

export async function request<T = unknown>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers = baseHeaders(method);
  let payload: BodyInit | undefined;
  if (opts.form) payload = opts.form;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'NetworkError', 'The server cannot be reached. Check your connection and that Waggle is running, then retry.');
  }
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !opts.quiet401) window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT));
    throw err;
  }
  if (opts.text) return { body: (await res.text()) as T, headers: res.headers };
  const text = await res.text();
  return { body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

export const api = {
  get: async <T = unknown>(path: string, opts?: RequestOptions) => (await request<T>('GET', path, undefined, opts)).body,
  post: async <T = unknown>(path: string, body?: unknown, opts?: RequestOptions) => (await request<T>('POST', path, body, opts)).body,
  patch: async <T = unknown>(path: string, body?: unknown) => (await request<T>('PATCH', path, body)).body,
  put: async <T = unknown>(path: string, body?: unknown) => (await request<T>('PUT', path, body)).body,
  del: async <T = unknown>(path: string, body?: unknown) => (await request<T>('DELETE', path, body)).body,
};

/** A Query API chain (`POST /api/v1/query`). */
export async function query<T>(chain: unknown[], name?: string): Promise<T> {
  return api.post<T>(`/api/v1/query${name ? `?name=${encodeURIComponent(name)}` : ''}`, { query: chain });
}

/** One page of a Query API chain plus the total (`X-Total`): only that page travels. */
export async function queryPage<T>(
  chain: unknown[],
  from: number,
  to: number,
  extraData: string[] = [],
  name?: string,
): Promise<{ items: T[]; total: number; from: number }> {
  const res = await request<T[]>('POST', `/api/v1/query${name ? `?name=${encodeURIComponent(name)}` : ''}`, {
    query: [...chain, { _name: 'page', from, to, extraData: [...extraData, 'total'] }],
  });
  const total = Number(res.headers.get('X-Total') ?? res.body.length);
  return { items: res.body, total, from };
}

/** The message to show for any error, saying what to do when we know. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 403) return `${e.message}. Your profile does not allow this; ask an organisation administrator.`;
    if (e.status === 404) return `${e.message}. It may have been deleted, or it belongs to another organisation.`;
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
