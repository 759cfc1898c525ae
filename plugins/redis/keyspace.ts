/**
 * Keyspace notifications are off by default on a Redis server (`notify-keyspace-events ""`), and turning them
 * on costs the server some work on every write, so the source changes that setting only when its options say
 * `enable_keyspace_events: true`; otherwise it tells the operator once, in the log, what to set.
 */
import type { Logger } from '../../core/plugin.js';
import type { Exec } from './commands.js';

// Event classes of notify-keyspace-events: one of them must be on besides K for any key event to be sent.
const EVENT_CLASSES = /[g$lshzxetdmnA]/;

/**
 * The notify-keyspace-events value to set so that keyspace events flow, or undefined when they already do.
 * Flags already set are kept.
 * @example keyspaceFlagsNeeded('') // 'KA'; keyspaceFlagsNeeded('Ex') // 'ExK'; keyspaceFlagsNeeded('KEA') // undefined
 */
export function keyspaceFlagsNeeded(current: string): string | undefined {
  const hasK = current.includes('K');
  const hasClass = EVENT_CLASSES.test(current);
  if (hasK && hasClass) return undefined;
  return `${current}${hasK ? '' : 'K'}${hasClass ? '' : 'A'}`;
}

/**
 * Checks the server's notify-keyspace-events and, when `enable` is set, adds what keyspace events need.
 * Never throws: a server that refuses CONFIG (managed Redis, ACLs) leaves the widgets on their schedule.
 */
export async function checkKeyspaceEvents(exec: Exec, enable: boolean, logger: Logger): Promise<void> {
  let current: string;
  try {
    const reply = await exec('CONFIG', ['GET', 'notify-keyspace-events']);
    current = Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : '';
  } catch (err) {
    logger.warn({ err: messageOf(err) }, 'cannot read notify-keyspace-events; widgets with listen: { keys } get pushes only if it includes K and event classes (e.g. KEA)');
    return;
  }
  const wanted = keyspaceFlagsNeeded(current);
  if (wanted === undefined) return;
  if (!enable) {
    logger.warn(
      { notifyKeyspaceEvents: current },
      'keyspace notifications are off on the server, so widgets with listen: { keys } update on their schedule only; set notify-keyspace-events to KEA (or K plus the event classes you need), or enable_keyspace_events: true on the source',
    );
    return;
  }
  try {
    await exec('CONFIG', ['SET', 'notify-keyspace-events', wanted]);
    logger.info({ from: current, to: wanted }, 'turned on keyspace notifications (enable_keyspace_events)');
  } catch (err) {
    logger.warn({ err: messageOf(err) }, 'cannot turn on keyspace notifications (CONFIG SET refused); widgets with listen: { keys } update on their schedule only');
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
