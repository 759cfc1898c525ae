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
  // A public URL or a trusted proxy on a loopback bind means a reverse proxy: visitors arrive from this machine.
  const proxied = publicUrl !== undefined || trustedProxies.length > 0;
  if (config.auth.adminTokens.length === 0 && (!local || proxied)) {
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
