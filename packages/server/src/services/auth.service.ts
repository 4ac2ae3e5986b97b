/**
 * Authentication: credentials (API key, login+password, session token) to an Actor in the
 * requested organisation. Failures look the same whatever the cause, take the same time
 * (unknown logins still run scrypt) and are throttled per login and per client address.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor } from './actor.js';
import type { Doc, EntityStore } from '../storage/entity-store.js';
import type { OrganisationService } from './organisation.service.js';
import type { ProfileService } from './profile.service.js';
import { UserService } from './user.service.js';
import { AuthenticationError, AuthorizationError, RateLimitExceededError } from '../errors/errors.js';
import { hashApiKey, verifyPassword } from '../auth/password.js';
import { ADMIN_ORG, ADMIN_PERMISSIONS, expandPermissions } from '../auth/permissions.js';
import type { EventBus } from './events.js';

export type Credentials = { kind: 'key'; key: string } | { kind: 'basic'; login: string; password: string } | { kind: 'session'; token: string };

const FAIL_WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILS = 10;
const SESSION_TTL_MS = 8 * 3600 * 1000;
/**
 * How long a resolved API key or actor is reused. On this node every change to a user,
 * profile or organisation clears the caches at once (`watch`); in a cluster the other nodes
 * hear of it through the event relay, and this TTL bounds how long they may still use the
 * old rights should a relayed event be late or lost.
 */
export const AUTH_CACHE_TTL_MS = 2000;
const AUTH_CACHE_MAX = 10_000;
/** The audit object types whose changes can change who a credential is or what they may do. */
const AUTH_OBJECTS: ReadonlySet<string> = new Set(['User', 'Profile', 'Organisation']);

type ActorParts = Omit<Actor, 'via' | 'requestId'>;

export interface Session {
  userId: string;
  csrf: string;
  expiresAt: number;
}

export class AuthService {
  private readonly failures = new Map<string, { count: number; first: number }>();
  /** Recently verified login+password pairs (keyed by HMAC), valid while the stored hash is unchanged. */
  private readonly verified = new Map<string, { hash: string; expires: number }>();
  /** API key → its user, and (user, version, organisation header) → actor, each for AUTH_CACHE_TTL_MS. */
  private readonly keyUsers = new Map<string, { user: Doc; at: number }>();
  private readonly actors = new Map<string, { actor: ActorParts; at: number }>();
  /** Bumped by every invalidation: a lookup that started before one does not fill the caches. */
  private generation = 0;

  constructor(
    private readonly store: EntityStore,
    private readonly users: UserService,
    private readonly orgs: OrganisationService,
    private readonly profiles: ProfileService,
    private readonly secret: string,
  ) {}

  /** Forgets every cached key and actor: the next request resolves them from the store. */
  invalidate(): void {
    this.generation++;
    this.keyUsers.clear();
    this.actors.clear();
  }

  /**
   * Clears the caches on every user, profile or organisation change, this node's (at once,
   * before the change's answer is sent: the audit record is published when its batch commits)
   * and, in a cluster, the other nodes' (through the relay). Returns the unsubscribe function.
   */
  watch(bus: EventBus): () => void {
    return bus.subscribe(
      (audit) => {
        if (AUTH_OBJECTS.has(String(audit.objectType))) this.invalidate();
      },
      { scope: 'cluster' },
    );
  }

  private static fresh<T extends { at: number }>(entry: T | undefined): T | undefined {
    return entry && Date.now() - entry.at < AUTH_CACHE_TTL_MS ? entry : undefined;
  }

  private static remember<V>(cache: Map<string, V>, key: string, value: V): void {
    if (cache.size >= AUTH_CACHE_MAX) cache.clear();
    cache.set(key, value);
  }

  /**
   * Throttle keys, each with its limit of failures per window: the (login, address) pair (10),
   * the login from anywhere (50: distributed guessing of one account) and the address (100:
   * spraying many logins). The address limit spares logins that succeeded from that address
   * within the window, so an attacker behind a shared address (a proxy without `trustProxy`)
   * cannot lock every user out.
   */
  private throttleKeys(login: string, client: string): Array<{ key: string; limit: number }> {
    const l = login.toLowerCase();
    const success = this.failures.get(`s:${l}|${client}`);
    const knownHere = success !== undefined && Date.now() - success.first < FAIL_WINDOW_MS;
    return [
      { key: `p:${l}|${client}`, limit: MAX_FAILS },
      { key: `l:${l}`, limit: MAX_FAILS * 5 },
      ...(knownHere ? [] : [{ key: `c:${client}`, limit: MAX_FAILS * 10 }]),
    ];
  }

  private checkThrottle(keys: Array<{ key: string; limit: number }>): void {
    const now = Date.now();
    for (const { key, limit } of keys) {
      const f = this.failures.get(key);
      if (f && now - f.first < FAIL_WINDOW_MS && f.count >= limit) throw new RateLimitExceededError('Too many failed logins; try again later');
    }
  }

  /** Keeps the table bounded by dropping the oldest entries (never a wholesale reset of every throttle). */
  private trim(): void {
    if (this.failures.size <= 100_000) return;
    let drop = this.failures.size - 90_000;
    for (const k of this.failures.keys()) {
      if (drop-- <= 0) break;
      this.failures.delete(k);
    }
  }

  private recordFailure(keys: Array<{ key: string; limit: number }>): void {
    const now = Date.now();
    for (const { key } of keys) {
      const f = this.failures.get(key);
      if (!f || now - f.first >= FAIL_WINDOW_MS) {
        this.failures.delete(key);
        this.failures.set(key, { count: 1, first: now });
      } else f.count++;
    }
    this.trim();
  }

  private recordSuccess(login: string, client: string): void {
    const l = login.toLowerCase();
    this.failures.delete(`p:${l}|${client}`);
    this.failures.delete(`s:${l}|${client}`);
    this.failures.set(`s:${l}|${client}`, { count: 0, first: Date.now() });
    this.trim();
  }

  /** Verifies credentials and returns the user. Throws AuthenticationError with one message for every failure. */
  async verify(creds: Credentials, client: string): Promise<Doc> {
    const fail = (): never => {
      throw new AuthenticationError('Authentication failure');
    };
    if (creds.kind === 'key') {
      // keyed by the key itself: no hash per request (the key is in memory with the request anyway)
      const cached = AuthService.fresh(this.keyUsers.get(creds.key))?.user;
      if (cached) {
        // the user is read again by id (one read instead of the key's claim and the user): a key
        // removed or renewed, or a user locked, through another cluster node changed the user's
        // version before this node heard of it through the relay (seen through HAProxy)
        const user = await this.store.get('user', cached._id);
        if (user && user._version === cached._version) return user.locked === true ? fail() : user;
      }
      const generation = this.generation;
      const owner = await this.store.uniqueOwner('user.key', hashApiKey(creds.key));
      const user = owner ? await this.store.get('user', owner) : undefined;
      if (!user || user.locked === true) return fail();
      if (generation === this.generation) AuthService.remember(this.keyUsers, creds.key, { user, at: Date.now() });
      return user;
    }
    if (creds.kind === 'session') {
      const s = this.openSession(creds.token);
      const user = s ? await this.store.get('user', s.userId) : undefined;
      if (!user || user.locked === true) return fail();
      return user;
    }
    const keys = this.throttleKeys(creds.login, client);
    this.checkThrottle(keys);
    const user = creds.login ? await this.users.findByLogin(creds.login) : undefined;
    const cacheKey = createHmac('sha256', this.secret).update(`${creds.login.toLowerCase()}\0${creds.password}`).digest('base64url');
    const cached = this.verified.get(cacheKey);
    if (user && cached && cached.expires > Date.now() && cached.hash === user.passwordHash && user.locked !== true && creds.password.length > 0) return user;
    // Empty passwords never authenticate (no "anonymous bind" class of bug), but still cost the same.
    const ok = await verifyPassword(creds.password, user?.passwordHash as string | undefined);
    if (!user || !ok || creds.password.length === 0 || user.locked === true) {
      this.recordFailure(keys);
      return fail();
    }
    this.recordSuccess(creds.login, client);
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(cacheKey, { hash: String(user.passwordHash), expires: Date.now() + 5 * 60_000 });
    return user;
  }

  /** The actor for `user` in `orgHeader` (name or id), or in their default organisation. */
  async actorFor(user: Doc, orgHeader: string | undefined, via: Actor['via'], requestId: string): Promise<Actor> {
    const key = `${user._id}\0${user._version}\0${orgHeader ?? ''}`;
    const cached = AuthService.fresh(this.actors.get(key))?.actor;
    if (cached) return { ...cached, via, requestId };
    const generation = this.generation;
    const actor = await this.resolveActor(user, orgHeader);
    if (generation === this.generation) AuthService.remember(this.actors, key, { actor, at: Date.now() });
    return { ...actor, via, requestId };
  }

  private async resolveActor(user: Doc, orgHeader: string | undefined): Promise<ActorParts> {
    const ms = UserService.memberships(user);
    let membership;
    if (orgHeader) {
      const org = await this.orgs.resolve(orgHeader);
      membership = org ? ms.find((m) => m.orgId === org._id) : undefined;
      if (!membership) throw new AuthorizationError(`You are not a member of organisation ${orgHeader}`);
    } else {
      membership = ms.find((m) => m.orgId === user.defaultOrganisation) ?? ms[0];
      if (!membership) throw new AuthorizationError('You belong to no organisation');
    }
    const org = await this.store.get('organisation', membership.orgId);
    if (!org) throw new AuthorizationError('Your organisation no longer exists');
    if (org.locked === true) throw new AuthorizationError(`Organisation ${String(org.name)} is locked`);
    const profile = await this.profiles.findByName(membership.profile);
    const adminOrg = org.name === ADMIN_ORG ? org : await this.orgs.findByName(ADMIN_ORG);
    const adminMembership = adminOrg ? ms.find((m) => m.orgId === adminOrg._id) : undefined;
    const adminProfile = adminMembership
      ? adminMembership.profile === membership.profile
        ? profile
        : await this.profiles.findByName(adminMembership.profile)
      : undefined;
    return {
      userId: user._id,
      login: String(user.login),
      name: String(user.name ?? user.login),
      orgId: org._id,
      orgName: String(org.name),
      profile: membership.profile,
      permissions: expandPermissions((profile?.permissions as string[]) ?? []),
      platformPermissions: adminProfile
        ? expandPermissions(((adminProfile.permissions as string[]) ?? []).filter((p) => (ADMIN_PERMISSIONS as readonly string[]).includes(p)))
        : new Set<string>(),
      inAdminOrg: org.name === ADMIN_ORG,
    };
  }

  // ---- sessions: stateless tokens signed with the server secret ----

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }

  /** A session token for `userId`, and the CSRF token bound to it. */
  newSession(userId: string): { token: string; session: Session } {
    const session: Session = { userId, csrf: randomBytes(18).toString('base64url'), expiresAt: Date.now() + SESSION_TTL_MS };
    const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
    return { token: `${payload}.${this.sign(payload)}`, session };
  }

  /** The session in a token, or undefined when forged or expired. */
  openSession(token: string): Session | undefined {
    const [payload, sig] = token.split('.');
    if (!payload || !sig) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const s = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Session;
      if (typeof s.userId !== 'string' || typeof s.csrf !== 'string' || typeof s.expiresAt !== 'number' || s.expiresAt < Date.now()) return undefined;
      return s;
    } catch {
      return undefined;
    }
  }
}
