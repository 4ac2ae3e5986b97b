/** Helpers shared by the security regression tests (test/security/*.test.ts). */
import assert from 'node:assert/strict';
import type { TestWaggle } from '../../packages/server/src/test/support.js';

export const basic = (login: string, password: string): string => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

/** What decides a user's rights, as the platform administrator sees it. */
export interface Rights {
  login: string;
  locked: boolean;
  type: string;
  organisations: Array<{ organisation: string; profile: string }>;
}

/** The rights of every given login, read as the platform administrator. */
export async function rightsOf(t: TestWaggle, logins: readonly string[]): Promise<Rights[]> {
  const out: Rights[] = [];
  for (const login of logins) {
    const r = await t.admin.get(`/api/v1/user/${encodeURIComponent(login)}`);
    assert.equal(r.status, 200, `GET user ${login}: ${r.text}`);
    const orgs = (r.body.organisations as Array<{ organisation: string; profile: string }>).map((o) => ({ organisation: o.organisation, profile: o.profile }));
    orgs.sort((a, b) => a.organisation.localeCompare(b.organisation));
    out.push({ login, locked: r.body.locked as boolean, type: r.body.type as string, organisations: orgs });
  }
  return out;
}

/** Asserts a refusal: a 4xx with a JSON `{type, message}` body (never a 2xx, never a 5xx). */
export function assertRefused(r: { status: number; body: unknown; text: string }, what: string, statuses: readonly number[] = [400, 403, 404]): void {
  assert.ok(statuses.includes(r.status), `${what}: expected one of ${statuses.join('/')}, got ${r.status} ${r.text}`);
  const body = r.body as { type?: unknown; message?: unknown };
  assert.equal(typeof body?.type, 'string', `${what}: error body ${r.text}`);
  assert.equal(typeof body?.message, 'string', `${what}: error body ${r.text}`);
}
