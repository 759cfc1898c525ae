/** What the embedding tests share: the secret, a token dashboard, and tokens good and bad. */
import { signEmbedToken } from '../../core/embed-token.js';

/** What `auth.embed_secret` holds in these tests. */
export const SECRET = 'embed-secret-for-tests-0123456789abcdef';

/** A token dashboard with a `region` variable its widget's job depends on. */
export const LOCKED = `id: locked
title: Locked sales
access: token
variables:
  region: { type: select, options: [eu, us], default: eu }
widgets:
  - { id: w, title: W, type: line, source: test, query: { behave: counter, tag: "tok-:region" }, every: 100ms }
`;

/** A token signed with SECRET, valid for a minute unless said otherwise. */
export function token(dashboard: string, vars?: Record<string, string>, ttlMs = 60_000, now?: number): string {
  return signEmbedToken(SECRET, { dashboard, ttlMs, ...(vars && { vars }), ...(now !== undefined && { now }) });
}

/** A token whose signature was changed. */
export function tampered(good: string): string {
  const i = good.length - 5;
  return good.slice(0, i) + (good[i] === 'A' ? 'B' : 'A') + good.slice(i + 1);
}
