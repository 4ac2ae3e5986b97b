/** Who is acting: the authenticated user in their current organisation, with its permissions. */
export interface Actor {
  userId: string;
  login: string;
  name: string;
  orgId: string;
  orgName: string;
  profile: string;
  permissions: ReadonlySet<string>;
  /** Whether the current organisation is the platform `admin` organisation. */
  inAdminOrg: boolean;
  /**
   * The permissions of the user's profile in the `admin` organisation (empty when not a member):
   * platform administration rights, which hold whatever organisation the request is made in.
   */
  platformPermissions: ReadonlySet<string>;
  /** How the request authenticated. */
  via: 'key' | 'basic' | 'session' | 'system';
  requestId: string;
}

/** The actor used for start-up and background jobs. */
export function systemActor(orgId: string, orgName: string): Actor {
  return {
    userId: 'system',
    login: 'system@thehive.local',
    name: 'System',
    orgId,
    orgName,
    profile: 'admin',
    permissions: new Set(),
    inAdminOrg: true,
    platformPermissions: new Set(),
    via: 'system',
    requestId: 'system',
  };
}
