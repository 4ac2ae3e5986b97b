/**
 * Extracts credentials from a request and resolves the Actor. Accepts `Authorization:
 * Bearer <key>`, `Authorization: Basic ...` and the session cookie. Cookie-authenticated
 * unsafe requests must carry the CSRF token; any cookie- or basic-authenticated unsafe
 * request from another site is refused (the CSRF-with-basic-auth class of bug).
 */
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../services/actor.js';
import type { AuthService, Credentials } from '../services/auth.service.js';
import { AuthenticationError, AuthorizationError } from '../errors/errors.js';

export const SESSION_COOKIE = 'WAGGLE-SESSION';
export const CSRF_COOKIE = 'WAGGLE-XSRF-TOKEN';
export const CSRF_HEADER = 'x-waggle-xsrf-token';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}

function credentialsOf(req: FastifyRequest): Credentials | undefined {
  const h = req.headers.authorization;
  if (h) {
    const [scheme, value] = [h.slice(0, h.indexOf(' ')).toLowerCase(), h.slice(h.indexOf(' ') + 1).trim()];
    if (scheme === 'bearer' && value) return { kind: 'key', key: value };
    if (scheme === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i < 0) throw new AuthenticationError('Authentication failure');
      return { kind: 'basic', login: decoded.slice(0, i), password: decoded.slice(i + 1) };
    }
    throw new AuthenticationError('Unsupported authorization scheme');
  }
  const token = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (token) return { kind: 'session', token };
  return undefined;
}

/** Refuses unsafe requests coming from another site when the browser sent the credentials by itself. */
function checkSameSite(req: FastifyRequest): void {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site') throw new AuthorizationError('Cross-site request refused');
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new AuthorizationError('Cross-site request refused');
    }
    if (host !== req.headers.host) throw new AuthorizationError('Cross-site request refused');
  } else if (origin === 'null') throw new AuthorizationError('Cross-site request refused');
}

export async function authenticate(req: FastifyRequest, auth: AuthService): Promise<Actor> {
  const creds = credentialsOf(req);
  if (!creds) throw new AuthenticationError('Authentication required');
  const unsafe = !SAFE.has(req.method);
  if (unsafe && (creds.kind === 'session' || creds.kind === 'basic')) checkSameSite(req);
  const user = await auth.verify(creds, req.ip);
  if (creds.kind === 'session' && unsafe) {
    const session = auth.openSession(creds.token);
    const given = req.headers[CSRF_HEADER];
    if (!session || typeof given !== 'string' || given !== session.csrf) throw new AuthorizationError('Missing or wrong CSRF token');
  }
  const orgHeader = req.headers['x-organisation'];
  const org = typeof orgHeader === 'string' && orgHeader.trim() ? orgHeader.trim() : undefined;
  return auth.actorFor(user, org, creds.kind, String(req.id));
}
