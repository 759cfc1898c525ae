/**
 * Moving a viewer to the view its variable values lead to after something changed under it: the dashboard's
 * file (a new definition) or the options of a query variable. Values no longer valid fall back rather than
 * end the subscription; a viewer the new state refuses outright gets an `error`.
 */
import { RtdashError, errorBody } from '../errors.js';
import type { EmbedAccess, Grant } from '../embed-access.js';
import type { Dashboard } from '../model.js';
import type { RangeSpec } from '../time-range.js';
import { OptionsPending } from '../variables.js';
import { errorMessage } from './protocol.js';
import type { Peer } from './peer.js';
import type { View } from './view.js';

/** What re-admitting needs from the hub. */
export interface Rooms {
  access: EmbedAccess;
  /** Whether the hub still serves the peer. */
  has(peer: Peer): boolean;
  /** The view of (dashboard, values, range) for a viewer holding `grant` (or none), made when there is none. */
  viewFor(dashboard: Dashboard, variables: Record<string, string>, range: RangeSpec | undefined, grant: Grant | undefined): View;
  /** Takes the peer off the view (which ends when nobody is left). */
  leave(peer: Peer, view: View): void;
}

/**
 * Moves a peer of `old` to the view its values lead to on `dashboard`: a query variable's value no longer
 * among its options falls back to its default; any other invalid value sends all of them back to the defaults
 * (and the token's fixed ones). `always`: it gets a snapshot even when it stays on `old`. While options are
 * read for the first time, the move waits for them.
 */
export function readmit(rooms: Rooms, peer: Peer, old: View, dashboard: Dashboard, always: boolean): void {
  const id = dashboard.id;
  const admit = (vars: unknown) => {
    const { variables } = rooms.access.admit(id, peer.grant, () => dashboard, vars, true, peer.identity?.principal);
    for (const [name, value] of Object.entries(peer.grant?.vars ?? {})) {
      if (variables[name] !== value) throw new RtdashError('RTDASH_VARIABLE_INVALID', `variable "${name}" is fixed to ${JSON.stringify(value)} by the embed token, and that is not one of its options now`);
    }
    return variables;
  };
  let variables: Record<string, string>;
  try {
    try {
      variables = admit(old.variables);
    } catch (err) {
      if (err instanceof OptionsPending) throw err;
      variables = admit({});
    }
  } catch (err) {
    if (err instanceof OptionsPending) {
      void err.wait.then(() => {
        if (rooms.has(peer) && peer.views.get(id) === old) readmit(rooms, peer, old, dashboard, always);
      });
      return;
    }
    peer.views.delete(id);
    rooms.leave(peer, old);
    const body = errorBody(err);
    peer.send(errorMessage(body.code, body.message, id));
    return;
  }
  const view = rooms.viewFor(dashboard, variables, keptRange(rooms.access, peer, dashboard, old.range), peer.grant);
  if (view === old) {
    if (always) peer.send(view.snapshot('reload'));
    return;
  }
  view.join(peer);
  peer.views.set(id, view);
  rooms.leave(peer, old);
  peer.send(view.snapshot('reload'));
}

/** The range the viewer chose, when the new definition (and its token) still accepts it; else the new default (none without `time:`). */
function keptRange(access: EmbedAccess, peer: Peer, dashboard: Dashboard, old: RangeSpec | undefined): RangeSpec | undefined {
  try {
    return access.range(peer.grant, dashboard, old === undefined ? undefined : { from: old.from, to: old.to });
  } catch {
    return access.range(peer.grant, dashboard, undefined);
  }
}
