/**
 * The notifier contract: one required method, `send`, that delivers a group once or throws. Retrying,
 * persistence and time-outs belong to the outbox, so a notifier stays a thin client of its receiver.
 */
import type { AlertNotification, NotificationGroup } from '../notification.js';

/** A channel alerts are sent through (webhook, email, slack, alertmanager). */
export interface Notifier {
  /** The name it has under `notifiers:` in config.yaml. */
  readonly name: string;
  /** Its type, as `type:` in config.yaml names it. */
  readonly type: string;
  /** How long the outbox lets one `send` run before it aborts `signal` and retries later. */
  readonly timeoutMs: number;
  /** Delivers the group, resolving once the receiver has accepted it; must stop when `signal` aborts. */
  send(group: NotificationGroup, signal: AbortSignal): Promise<void>;
  /**
   * The alerts of its rules that are firing as this instance starts to notify (a restart, a takeover, a rule
   * loaded): for a notifier whose receiver forgets what it stops hearing of (Alertmanager). Sends nothing new to
   * anyone else; the outbox never calls it for a notifier without it.
   */
  resume?(firing: AlertNotification[]): void;
  /** This instance stops notifying (another one leads now): whatever it sends of its own accord (resends) stops. */
  pause?(): void;
  /** Releases connections, when the notifier keeps any. */
  close?(): Promise<void>;
}

/** A receiver refused a delivery; `status` is its HTTP status when it answered one. */
export class DeliveryError extends Error {
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.status = options.status;
  }
}
