/**
 * Sign-in as a running server has it: the session store, the local users, the authenticator every door asks, and
 * the watch that closes sockets whose session ended (at once on sign-out or expiry; a local user removed or
 * regrouped at the next check, within RECHECK_MS).
 */
import type { AuthConfig } from '../model.js';
import type { Logger } from '../plugin.js';
import type { IncomingMessage } from 'node:http';
import type { Hub } from '../stream/hub.js';
import { Authenticator } from './authenticator.js';
import { LocalUsers } from './local-users.js';
import { SessionStore } from './sessions.js';
import { SharedSessions } from './shared-sessions.js';
import { DEFAULT_SESSION_TTL_MS } from '../config/auth-config.js';

/** How often the sessions of open sockets are looked at again. */
export const RECHECK_MS = 30_000;

/** Sign-in for one server; `close` stops its timers. */
export interface SignIn {
  auth: Authenticator;
  close(): void;
}

/** Starts sign-in for `config` (sessions exist even with no mode on: the store is then never written). */
export function startSignIn(config: AuthConfig, hub: Hub, logger: Logger, own: (req: IncomingMessage) => boolean, cluster?: { redis: string; prefix: string }): SignIn {
  // With cluster.redis, sessions are shared by the instances (only when there is a way of signing in that makes them).
  const makesSessions = config.usersFile !== undefined || config.oidc !== undefined;
  const shared = cluster === undefined || !makesSessions ? undefined : new SharedSessions(cluster.redis, cluster.prefix, logger);
  const sessions = new SessionStore(config.sessionSecret, config.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS, shared);
  const users = config.usersFile === undefined ? undefined : new LocalUsers(config.usersFile);
  const auth = new Authenticator(config, sessions, users, own);
  const stopEnd = sessions.onEnd((session) => hub.endSession(session.id));
  const recheck = setInterval(() => {
    for (const session of hub.sessions()) {
      void auth.recheck(session).then((principal) => {
        if (principal === undefined) hub.endSession(session.id);
      });
    }
  }, RECHECK_MS).unref();
  if (auth.enabled) logger.info({ modes: auth.modes }, `sign-in: ${auth.modes.join(' and ')}`);
  return {
    auth,
    close() {
      clearInterval(recheck);
      stopEnd();
      sessions.close();
    },
  };
}
