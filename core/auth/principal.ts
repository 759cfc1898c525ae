/**
 * Who a signed-in viewer is: a name, the groups the identity provider (or the proxy, or the users file) puts them
 * in, and the role those groups give. Roles: `viewer` watches, `editor` may also reload and acknowledge or silence
 * alerts, `admin` may do everything and sees every dashboard.
 */

export type Role = 'viewer' | 'editor' | 'admin';

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

/** A signed-in viewer. */
export interface Principal {
  readonly name: string;
  readonly groups: readonly string[];
  readonly role: Role;
  /** How they signed in. */
  readonly via: 'local' | 'proxy' | 'oidc';
}

/** `auth.roles`: the groups that make a user an editor or an admin (everyone signed in is at least a viewer). */
export interface RoleMap {
  admin: readonly string[];
  editor: readonly string[];
}

/**
 * The role `groups` give.
 * @example roleOf(['ops'], { admin: ['sre'], editor: ['ops'] }) // 'editor'
 */
export function roleOf(groups: readonly string[], roles: RoleMap): Role {
  if (groups.some((g) => roles.admin.includes(g))) return 'admin';
  if (groups.some((g) => roles.editor.includes(g))) return 'editor';
  return 'viewer';
}

/** Whether `principal` has at least `role`. */
export function hasRole(principal: Principal | undefined, role: Role): boolean {
  return principal !== undefined && RANK[principal.role] >= RANK[role];
}
