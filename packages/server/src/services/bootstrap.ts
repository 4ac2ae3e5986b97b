/**
 * First-start initialisation, idempotent: the `admin` organisation, the built-in profiles,
 * the bootstrap administrator, the default observable types and the MITRE ATT&CK patterns.
 */
import type { EntityStore } from '../storage/entity-store.js';
import type { OrganisationService } from './organisation.service.js';
import type { UserService } from './user.service.js';
import { systemActor } from './actor.js';
import { BUILTIN_PROFILES, ADMIN_ORG } from '../auth/permissions.js';
import { ALL_ORGS } from '../entities/registry.js';
import { hashPassword } from '../auth/password.js';
import { loadAttackCatalog } from './attack-catalog.js';

export const DEFAULT_OBSERVABLE_TYPES: Array<{ name: string; isAttachment: boolean }> = [
  'autonomous-system',
  'domain',
  'file',
  'filename',
  'fqdn',
  'hash',
  'hostname',
  'ip',
  'mail',
  'mail-subject',
  'other',
  'regexp',
  'registry',
  'uri_path',
  'url',
  'user-agent',
  'cidr',
  'mail_subject',
].map((name) => ({ name, isAttachment: name === 'file' }));

export interface BootstrapResult {
  adminCreated: boolean;
  adminLogin: string;
}

export async function bootstrap(
  store: EntityStore,
  orgs: OrganisationService,
  users: UserService,
  admin: { login: string; password: string | undefined },
): Promise<BootstrapResult> {
  const sys = systemActor('', ADMIN_ORG);
  const now = Date.now();
  for (const p of BUILTIN_PROFILES) {
    const id = store.newId();
    if (await store.claimUnique('profile.name', p.name, id)) {
      await store.insert({
        _id: id,
        _type: 'profile',
        _createdAt: now,
        _createdBy: sys.login,
        _orgs: [ALL_ORGS],
        _parents: {},
        name: p.name,
        permissions: p.permissions,
        editable: false,
        isAdmin: p.isAdmin,
      });
    }
  }
  for (const t of DEFAULT_OBSERVABLE_TYPES) {
    const id = store.newId();
    if (await store.claimUnique('observableType.name', t.name, id)) {
      await store.insert({
        _id: id,
        _type: 'observableType',
        _createdAt: now,
        _createdBy: sys.login,
        _orgs: [ALL_ORGS],
        _parents: {},
        name: t.name,
        isAttachment: t.isAttachment,
      });
    }
  }
  await loadAttackCatalog(store);
  let adminOrg = await orgs.findByName(ADMIN_ORG);
  if (!adminOrg) adminOrg = await orgs.createUnchecked(sys, { name: ADMIN_ORG, description: 'Organisation of the platform administrators' });
  const login = admin.login.toLowerCase();
  const existing = await users.findByLogin(login);
  if (existing) return { adminCreated: false, adminLogin: login };
  const id = store.newId();
  if (!(await store.claimUnique('user.login', login, id))) return { adminCreated: false, adminLogin: login };
  await store.insert({
    _id: id,
    _type: 'user',
    _createdAt: now,
    _createdBy: sys.login,
    _orgs: [adminOrg._id],
    _parents: {},
    login,
    name: 'Administrator',
    locked: false,
    type: 'Normal',
    organisations: [{ orgId: adminOrg._id, profile: 'admin' }],
    orgIds: [adminOrg._id],
    defaultOrganisation: adminOrg._id,
    ...(admin.password ? { passwordHash: await hashPassword(admin.password) } : {}),
  });
  return { adminCreated: true, adminLogin: login };
}
