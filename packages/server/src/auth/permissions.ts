/**
 * TheHive's permission names and the built-in profiles. A profile is a named set of
 * permissions; a user has one profile per organisation they belong to.
 */

/** Permissions that only make sense in the `admin` organisation (platform administration). */
export const ADMIN_PERMISSIONS = [
  'manageOrganisation',
  'manageProfile',
  'manageCustomField',
  'manageConfig',
  'manageObservableTemplate',
  'manageTaxonomy',
  'managePattern',
  'manageAnalyzerTemplate',
  'manageTag',
  'manageUser',
  'manageCaseTemplate',
  'managePlatform',
] as const;

/** Permissions that act on an organisation's data. */
export const ORG_PERMISSIONS = [
  'manageCase/create',
  'manageCase/update',
  'manageCase/delete',
  'manageCase/merge',
  'manageCase/reopen',
  'manageCase/changeOwnership',
  'manageAlert/create',
  'manageAlert/update',
  'manageAlert/delete',
  'manageAlert/import',
  'manageAlert/reopen',
  'manageTask',
  'manageObservable',
  'manageProcedure',
  'managePage',
  'manageComment',
  'manageShare',
  'manageAnalyse',
  'manageAction',
  'manageUser',
  'manageCaseTemplate',
  'manageConfig',
  'manageTag',
  'manageKnowledgeBase',
  'manageDashboard',
  'manageCustomEvent',
  'accessTheHiveFS',
] as const;

export type Permission = (typeof ADMIN_PERMISSIONS)[number] | (typeof ORG_PERMISSIONS)[number];

/**
 * TheHive 4 permission names that TheHive 5 still accepts in profiles; each stands for the
 * finer permissions it was split into. Profiles keep the name given; actors get the expansion.
 */
export const LEGACY_PERMISSIONS: Readonly<Record<string, readonly Permission[]>> = {
  manageCase: ['manageCase/create', 'manageCase/update', 'manageCase/delete', 'manageCase/merge', 'manageCase/reopen', 'manageCase/changeOwnership'],
  manageAlert: ['manageAlert/create', 'manageAlert/update', 'manageAlert/delete', 'manageAlert/import', 'manageAlert/reopen'],
};

export const ALL_PERMISSIONS: ReadonlySet<string> = new Set<string>([...ADMIN_PERMISSIONS, ...ORG_PERMISSIONS, ...Object.keys(LEGACY_PERMISSIONS)]);

/** The permission set of a profile, with legacy names expanded. */
export function expandPermissions(perms: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const p of perms) {
    out.add(p);
    for (const x of LEGACY_PERMISSIONS[p] ?? []) out.add(x);
  }
  return out;
}

const ANALYST: Permission[] = [
  'manageCase/create',
  'manageCase/update',
  'manageCase/merge',
  'manageCase/reopen',
  'manageAlert/create',
  'manageAlert/update',
  'manageAlert/import',
  'manageAlert/reopen',
  'manageTask',
  'manageObservable',
  'manageProcedure',
  'managePage',
  'manageComment',
  'manageShare',
  'manageAnalyse',
  'manageAction',
  'manageDashboard',
  'manageCustomEvent',
  'accessTheHiveFS',
];

export interface BuiltinProfile {
  name: string;
  permissions: Permission[];
  isAdmin: boolean;
}

export const BUILTIN_PROFILES: BuiltinProfile[] = [
  { name: 'admin', permissions: [...ADMIN_PERMISSIONS], isAdmin: true },
  {
    name: 'org-admin',
    permissions: [
      ...ANALYST,
      'manageCase/delete',
      'manageCase/changeOwnership',
      'manageAlert/delete',
      'manageUser',
      'manageCaseTemplate',
      'manageConfig',
      'manageTag',
      'manageKnowledgeBase',
    ],
    isAdmin: false,
  },
  { name: 'analyst', permissions: ANALYST, isAdmin: false },
  { name: 'read-only', permissions: [], isAdmin: false },
];

export const BUILTIN_PROFILE_NAMES: ReadonlySet<string> = new Set(BUILTIN_PROFILES.map((p) => p.name));

/** The name of the organisation that holds platform administrators. */
export const ADMIN_ORG = 'admin';
