/**
 * The one rule for who may watch a dashboard. Every door asks it (through EmbedAccess.admit and listed): the list
 * page, the API, `/ws`, `/sse` and `/api/poll`, so they cannot drift apart.
 *
 * - an embed token for the dashboard opens it, whatever its `access` (tokens keep working as before);
 * - `public`: anyone who may reach the server;
 * - `token`: only an embed token;
 * - `signed-in`: an admin, or a signed-in user in one of its `groups` (any signed-in user when it names none).
 */
import { RtdashError } from '../errors.js';
import type { Dashboard } from '../model.js';
import type { Principal } from './principal.js';

/** Why `principal` (or an anonymous viewer) may not watch `dashboard`; undefined when they may. Embed tokens are checked before. */
export function dashboardRefusal(dashboard: Pick<Dashboard, 'id' | 'access' | 'groups'>, principal: Principal | undefined): RtdashError | undefined {
  if (dashboard.access !== 'signed-in') return undefined;
  if (principal === undefined) {
    return new RtdashError('RTDASH_SIGN_IN_REQUIRED', `dashboard "${dashboard.id}" is shown only to signed-in users: sign in at /login`);
  }
  const groups = dashboard.groups ?? [];
  if (principal.role === 'admin' || groups.length === 0 || groups.some((g) => principal.groups.includes(g))) return undefined;
  const theirs = principal.groups.length === 0 ? 'no group' : `groups ${principal.groups.join(', ')}`;
  return new RtdashError('RTDASH_FORBIDDEN', `dashboard "${dashboard.id}" is shown only to the groups ${groups.join(', ')}; ${principal.name} is in ${theirs}`);
}

/** Whether a dashboard appears in `principal`'s list: token dashboards never do, the others when the rule lets them watch. */
export function dashboardListed(dashboard: Pick<Dashboard, 'id' | 'access' | 'groups'>, principal: Principal | undefined): boolean {
  return dashboard.access !== 'token' && dashboardRefusal(dashboard, principal) === undefined;
}
