/**
 * The variables an embed token fixes, as the page can read them: a token's payload is readable (only its
 * signature is secret), so the elements can show those pickers as fixed and, when the page asks for other
 * values of them, go on with the token's values instead of showing nothing.
 */
import type { Refusal } from './protocol.js';

/** The variables `token` fixes, by name; none for no token or one the page cannot read. */
export function fixedVars(token: string | undefined): Record<string, string> {
  const payload = token?.split('.')[1];
  if (!payload) return {};
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { v?: Record<string, string> };
    return json.v !== null && typeof json.v === 'object' ? json.v : {};
  } catch {
    return {};
  }
}

/**
 * `vars` without the values that differ from the `fixed` ones (the server fills those in), and the refusal the
 * server gives for them, in its words; undefined when nothing differs.
 * @example withoutFixed({ region: 'eu', host: 'a' }, { region: 'us' })?.vars // { host: 'a' }
 */
export function withoutFixed(vars: Readonly<Record<string, string>>, fixed: Readonly<Record<string, string>>): { vars: Record<string, string>; problem: Refusal } | undefined {
  const clash = Object.keys(vars).filter((name) => Object.hasOwn(fixed, name) && fixed[name] !== vars[name]);
  if (clash.length === 0) return undefined;
  const name = clash[0]!;
  const message = `variable "${name}" is fixed to ${JSON.stringify(fixed[name])} by the embed token; leave it out or send that value`;
  return {
    vars: Object.fromEntries(Object.entries(vars).filter(([k]) => !clash.includes(k))),
    problem: { code: 'RTDASH_VARIABLE_FIXED', message },
  };
}
