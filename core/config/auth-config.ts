/**
 * The `auth:` block of config.yaml: admin tokens, the embed-token secret, and sign-in (sessions, local users,
 * the trusted proxy header, and the groups that make editors and admins). docs/auth.md describes each mode.
 */
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { MAX_TOKEN_TTL_MS } from '../embed-token.js';
import type { AuthConfig } from '../model.js';
import { proxyEntryProblem } from '../trusted-proxies.js';
import { durationAt, objectAt, stringAt, stringsAt, type Plain } from './fields.js';
import type { Problem } from './problem.js';
import type { YamlFile } from './yaml-file.js';

/** How long a session lasts by default. */
export const DEFAULT_SESSION_TTL_MS = 12 * 3_600_000;

/** Reads `auth:` (the schema has checked the shapes); file paths are relative to the config's folder. */
export function authOf(auth: Plain, source: YamlFile, problems: Problem[], baseDir: string): AuthConfig {
  const embedSecret = stringAt(auth, 'embed_secret');
  const embedTokenMaxTtlMs = durationAt(auth, 'embed_token_max_ttl', ['auth'], source, problems, { minMs: 1000, maxMs: MAX_TOKEN_TTL_MS });
  const sessionSecret = stringAt(auth, 'session_secret');
  const sessionTtlMs = durationAt(auth, 'session_ttl', ['auth'], source, problems, { minMs: 60_000 });
  const usersFile = stringAt(auth, 'users_file');
  const proxyBlock = auth['proxy'] === undefined ? undefined : objectAt(auth, 'proxy');
  const roles = auth['roles'] === undefined ? undefined : objectAt(auth, 'roles');
  let proxy: AuthConfig['proxy'];
  if (proxyBlock !== undefined) {
    const trusted = stringsAt(proxyBlock, 'trusted') ?? [];
    trusted.forEach((entry, i) => {
      const why = proxyEntryProblem(entry);
      if (why !== undefined) problems.push(source.problem(['auth', 'proxy', 'trusted', i], `${JSON.stringify(entry)} is not a proxy address: ${why}`));
    });
    const groupsHeader = stringAt(proxyBlock, 'groups_header');
    proxy = { header: (stringAt(proxyBlock, 'header') ?? 'X-Forwarded-User').toLowerCase(), ...(groupsHeader === undefined ? {} : { groupsHeader: groupsHeader.toLowerCase() }), trusted };
  }
  if (usersFile !== undefined && sessionSecret === undefined) {
    problems.push(source.problem(['auth', 'users_file'], 'local users sign in with a session cookie, which needs auth.session_secret (at least 32 characters, e.g. from `openssl rand -hex 32`)'));
  }
  const oidcBlock = auth['oidc'] === undefined ? undefined : objectAt(auth, 'oidc');
  let oidc: AuthConfig['oidc'];
  if (oidcBlock !== undefined) {
    const issuer = stringAt(oidcBlock, 'issuer') ?? '';
    if (!URL.canParse(issuer)) problems.push(source.problem(['auth', 'oidc', 'issuer'], `"issuer" is not a URL: ${JSON.stringify(issuer)}`));
    else if (!issuerAllowed(new URL(issuer))) problems.push(source.problem(['auth', 'oidc', 'issuer'], `"issuer" must be https (plain http only to this machine: 127.0.0.1, ::1, localhost); got ${JSON.stringify(issuer)}`));
    if (sessionSecret === undefined) problems.push(source.problem(['auth', 'oidc'], 'OpenID Connect sign-in keeps a session cookie, which needs auth.session_secret (at least 32 characters, e.g. from `openssl rand -hex 32`)'));
    const clientSecret = stringAt(oidcBlock, 'client_secret');
    const label = stringAt(oidcBlock, 'label');
    oidc = {
      issuer,
      clientId: stringAt(oidcBlock, 'client_id') ?? '',
      ...(clientSecret === undefined ? {} : { clientSecret }),
      scopes: stringsAt(oidcBlock, 'scopes') ?? ['openid', 'profile', 'email'],
      groupsClaim: stringAt(oidcBlock, 'groups_claim') ?? 'groups',
      nameClaim: stringAt(oidcBlock, 'name_claim') ?? 'preferred_username',
      ...(label === undefined ? {} : { label }),
    };
  }
  return {
    adminTokens: stringsAt(auth, 'admin_tokens') ?? [],
    ...(embedSecret === undefined ? {} : { embedSecret }),
    ...(embedTokenMaxTtlMs === undefined ? {} : { embedTokenMaxTtlMs }),
    ...(sessionSecret === undefined ? {} : { sessionSecret }),
    ...(sessionTtlMs === undefined ? {} : { sessionTtlMs }),
    ...(usersFile === undefined ? {} : { usersFile: isAbsolute(usersFile) ? usersFile : resolve(baseDir, usersFile) }),
    ...(proxy === undefined ? {} : { proxy }),
    ...(oidc === undefined ? {} : { oidc }),
    ...(roles === undefined ? {} : { roles: { admin: stringsAt(roles, 'admin') ?? [], editor: stringsAt(roles, 'editor') ?? [] } }),
  };
}


/** The ways of signing in `auth` sets: a provider, a users file, the proxy header (none: nobody signs in). */
export function signInModes(auth: AuthConfig): ('oidc' | 'local' | 'proxy')[] {
  const modes: ('oidc' | 'local' | 'proxy')[] = [];
  if (auth.oidc !== undefined) modes.push('oidc');
  if (auth.usersFile !== undefined) modes.push('local');
  if (auth.proxy !== undefined) modes.push('proxy');
  return modes;
}

/** Whether an OpenID Connect issuer may be used: https, or plain http to this machine only (a provider on loopback). */
export function issuerAllowed(issuer: URL): boolean {
  if (issuer.protocol === 'https:') return true;
  const host = issuer.hostname.replace(/^\[|\]$/g, '');
  return issuer.protocol === 'http:' && (host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.')));
}
