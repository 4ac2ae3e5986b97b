/**
 * Test support: an in-process Waggle with a temporary data directory, and helpers to set
 * up tenants. Use `app.inject()`; nothing listens on a port unless a test asks for it.
 *
 *   const t = await testWaggle();
 *   const org = await t.org('org-a');                 // organisation + org-admin user "admin@org-a"
 *   const res = await t.as(org.admin).post('/api/v1/case', { title: 'x', description: 'y' });
 *   await t.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type WaggleConfig } from '../config/config.js';
import { createWaggle, type Running } from '../server.js';

export const ADMIN = { login: 'admin@thehive.local', password: 'secret' };

export interface Creds {
  login: string;
  password: string;
  org?: string;
}

export interface Client {
  get(url: string, headers?: Record<string, string>): Promise<Res>;
  post(url: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
  patch(url: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
  put(url: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
  delete(url: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
  /** Runs a Query API chain and returns the parsed result. */
  query(query: unknown[]): Promise<Res>;
}

export interface Res {
  status: number;
  body: any;
  text: string;
  headers: Record<string, unknown>;
  raw: LightMyRequestResponse;
}

export interface TestOrg {
  name: string;
  id: string;
  /** org-admin of this organisation */
  admin: Creds;
  analyst: Creds;
  readonly: Creds;
}

export interface TestWaggle {
  running: Running;
  config: WaggleConfig;
  dataDir: string;
  admin: Client;
  as(creds: Creds): Client;
  /** Creates an organisation with an org-admin, an analyst and a read-only user (password "secret"). */
  org(name: string): Promise<TestOrg>;
  /** Creates a case as `creds` (title "case", description "d", then `fields`); asserts the 201 and returns the case. */
  newCase(creds: Creds, fields?: Record<string, unknown>): Promise<{ _id: string; number: number } & Record<string, any>>;
  close(): Promise<void>;
}

function toRes(r: LightMyRequestResponse): Res {
  let body: unknown = undefined;
  try {
    body = r.body ? JSON.parse(r.body) : undefined;
  } catch {
    body = r.body;
  }
  return { status: r.statusCode, body, text: r.body, headers: r.headers, raw: r };
}

export async function testWaggle(env: Record<string, string> = {}): Promise<TestWaggle> {
  const dataDir = mkdtempSync(join(tmpdir(), 'waggle-test-'));
  const config = loadConfig(
    {
      WAGGLE_MODE: 'test',
      WAGGLE_DATA_DIR: dataDir,
      WAGGLE_ADMIN_PASSWORD: ADMIN.password,
      WAGGLE_LOG_LEVEL: 'error',
      WAGGLE_SQLITE_SYNCHRONOUS: 'NORMAL',
      ...env,
    },
    dataDir,
  );
  const running = await createWaggle(config, { logger: false });
  const app = running.app;

  const as = (creds: Creds): Client => {
    const auth = `Basic ${Buffer.from(`${creds.login}:${creds.password}`).toString('base64')}`;
    const send = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}) => {
      const h: Record<string, string> = { authorization: auth, ...(creds.org ? { 'x-organisation': creds.org } : {}), ...headers };
      let payload: string | undefined;
      if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
      return toRes(await app.inject({ method, url, headers: h, ...(payload !== undefined ? { payload } : {}) }));
    };
    return {
      get: (url, headers) => send('GET', url, undefined, headers),
      post: (url, body, headers) => send('POST', url, body, headers),
      patch: (url, body, headers) => send('PATCH', url, body, headers),
      put: (url, body, headers) => send('PUT', url, body, headers),
      delete: (url, body, headers) => send('DELETE', url, body, headers),
      query: (query) => send('POST', '/api/v1/query', { query }),
    };
  };
  const admin = as(ADMIN);

  const org = async (name: string): Promise<TestOrg> => {
    const r = await admin.post('/api/v1/organisation', { name, description: `test organisation ${name}` });
    if (r.status !== 201) throw new Error(`org ${name}: ${r.status} ${r.text}`);
    const mk = async (profile: string, login: string): Promise<Creds> => {
      const u = await admin.post('/api/v1/user', { login, name: login, profile, organisation: name, password: 'secret' });
      if (u.status !== 201) throw new Error(`user ${login}: ${u.status} ${u.text}`);
      return { login, password: 'secret', org: name };
    };
    return {
      name,
      id: r.body._id,
      admin: await mk('org-admin', `admin@${name}`),
      analyst: await mk('analyst', `analyst@${name}`),
      readonly: await mk('read-only', `readonly@${name}`),
    };
  };

  return {
    running,
    config,
    dataDir,
    admin,
    as,
    org,
    newCase: async (creds, fields = {}) => {
      const r = await as(creds).post('/api/v1/case', { title: 'case', description: 'd', ...fields });
      if (r.status !== 201) throw new Error(`case creation answered ${r.status}: ${r.text}`);
      return r.body;
    },
    close: async () => {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
