/**
 * What an operator is told at start about a server open to more than this machine: settings that are fine
 * on a laptop and dangerous on the internet. Each warning names the risk and the fix.
 */
import type { ServerConfig } from './model.js';
import { isLoopbackAddress } from './trusted-proxies.js';

/** One warning: a message and the settings it is about, for the log line. */
export interface ExposureWarning {
  message: string;
  fields: Record<string, unknown>;
}

/** An admin token copied from an example config (`change-me-admin-token`): known to anyone who read the docs. */
const PLACEHOLDER_TOKEN = /change-?me/i;

/** Whether `host` (server.host or --host) accepts connections from this machine only. */
export function listensLocally(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host.replace(/^\[|\]$/g, ''));
}

/**
 * The warnings for a server listening on `host` with `config`.
 * @example exposureWarnings(config, '0.0.0.0')[0].message // 'no auth.admin_tokens while listening on 0.0.0.0: …'
 */
export function exposureWarnings(config: ServerConfig, host: string): ExposureWarning[] {
  const warnings: ExposureWarning[] = [];
  const { publicUrl, hostnames = [], trustedProxies = [] } = config.server;
  const local = listensLocally(host);
  if (config.auth.adminTokens.some((t) => PLACEHOLDER_TOKEN.test(t))) {
    warnings.push({
      message: `auth.admin_tokens holds an example token ("change-me"): anyone who read the docs knows it. Fine on this machine alone; set RTDASH_ADMIN_TOKEN (openssl rand -hex 24) before others can reach the server, which refuses to start with it otherwise`,
      fields: { host },
    });
  }
  if (config.auth.adminTokens.length === 0 && reachedFromOutside(config, host)) {
    const where = local ? `behind a reverse proxy (server.public_url ${publicUrl ?? 'unset'}, server.trusted_proxies ${trustedProxies.join(', ') || 'none'})` : `while listening on ${host}`;
    warnings.push({
      message: `no auth.admin_tokens ${where}: the admin routes (reload, alerts, silences) then rely on telling callers on this machine from everyone else. A reverse proxy on this host that adds no X-Forwarded-For and is not in server.trusted_proxies makes every visitor such a caller. Set auth.admin_tokens: ["\${RTDASH_ADMIN_TOKEN}"] and list the proxy in server.trusted_proxies (docs/security.md)`,
      fields: { host, adminTokens: 0, trustedProxies },
    });
  }
  if (!local && publicUrl === undefined && hostnames.length === 0) {
    warnings.push({
      message: `listening on ${host} with neither server.public_url nor server.hostnames: requests are answered only when addressed to an IP address or localhost, and a request for any other name gets 421 RTDASH_HOST_NOT_ALLOWED (this stops DNS rebinding). Add the names visitors use to server.hostnames (docs/security.md)`,
      fields: { host },
    });
  }
  return warnings;
}

/** Whether visitors from other machines reach a server on `host`: a non-loopback bind, or a reverse proxy in front of a loopback one. */
function reachedFromOutside(config: ServerConfig, host: string): boolean {
  // A public URL or a trusted proxy on a loopback bind means a reverse proxy: visitors arrive from this machine.
  return !listensLocally(host) || config.server.publicUrl !== undefined || (config.server.trustedProxies ?? []).length > 0;
}

/**
 * Why the server must not start as configured, or undefined: an example admin token on a server others reach.
 * @example placeholderTokenRefusal(config, '0.0.0.0') // 'auth.admin_tokens holds the example token …'
 */
export function placeholderTokenRefusal(config: ServerConfig, host: string): string | undefined {
  if (!reachedFromOutside(config, host) || !config.auth.adminTokens.some((t) => PLACEHOLDER_TOKEN.test(t))) return undefined;
  return `auth.admin_tokens holds the example token ("change-me"), and this server is reachable from other machines (${listensLocally(host) ? 'behind a reverse proxy' : `listening on ${host}`}): anyone who read the docs could reload it and silence its alerts. Set RTDASH_ADMIN_TOKEN to a secret of your own (openssl rand -hex 24), or put one in auth.admin_tokens`;
}
