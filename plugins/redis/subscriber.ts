/**
 * Push for widgets with `listen:`: one subscriber connection per source, shared by all its widgets. A channel
 * or pattern is subscribed while at least one widget listens to it and unsubscribed when the last one leaves.
 */
import type { Logger } from '../../core/plugin.js';
import type { RedisConnection } from './connection.js';
import { escapeGlob, fillPattern, fillText, type TextArg } from './query.js';

/** A widget's `listen:` for a redis source: a pub/sub channel, or a key pattern for keyspace notifications. */
export type RedisListen = { channel: TextArg } | { keys: TextArg };

/** What one `listen:` subscribes to on the server. */
export interface ListenTarget {
  /** `channel` → SUBSCRIBE, `pattern` → PSUBSCRIBE. */
  kind: 'channel' | 'pattern';
  name: string;
  /** True for keyspace notifications, which the server sends only when notify-keyspace-events allows it. */
  keyspace: boolean;
}

/**
 * Resolves a `listen:` with the widget's variables. A key pattern keeps its own `*`, `?` and `[…]`, while the
 * key prefix and variable values are escaped and match only themselves.
 * @example resolveListen({ keys: 'cart:*' }, {}, '', 0) // { kind: 'pattern', name: '__keyspace@0__:cart:*', keyspace: true }
 */
export function resolveListen(listen: unknown, variables: Readonly<Record<string, string>>, keyPrefix: string, db: number): ListenTarget {
  const spec = typeof listen === 'object' && listen !== null && !Array.isArray(listen) ? (listen as Record<string, unknown>) : {};
  const keys = Object.keys(spec);
  if (keys.length === 1 && spec['channel'] !== undefined) {
    return { kind: 'channel', name: fillText(spec['channel'], variables, 'listen "channel"'), keyspace: false };
  }
  if (keys.length === 1 && spec['keys'] !== undefined) {
    const pattern = fillPattern(spec['keys'], variables, 'listen "keys"');
    return { kind: 'pattern', name: `__keyspace@${db}__:${escapeGlob(keyPrefix)}${pattern}`, keyspace: true };
  }
  throw new Error('a redis "listen" must be { channel: NAME } (pub/sub) or { keys: PATTERN } (keyspace notifications)');
}

type SubscriptionCommand = 'SUBSCRIBE' | 'PSUBSCRIBE' | 'UNSUBSCRIBE' | 'PUNSUBSCRIBE';

interface Listener {
  onChange: () => void;
}

/** The shared subscriber connection of one source and the listeners of each channel and pattern. */
export class Subscriber {
  readonly #conn: RedisConnection;
  readonly #logger: Logger;
  readonly #channels = new Map<string, Set<Listener>>();
  readonly #patterns = new Map<string, Set<Listener>>();

  constructor(conn: RedisConnection, logger: Logger) {
    this.#conn = conn;
    this.#logger = logger;
    conn.client.on('message', (channel: string) => this.#fire(this.#channels.get(channel)));
    conn.client.on('pmessage', (pattern: string) => this.#fire(this.#patterns.get(pattern)));
    conn.onReady((again) => {
      this.#subscribeAll();
      // Messages sent while the connection was down are lost: the data behind every widget may have changed.
      if (again) for (const set of [...this.#channels.values(), ...this.#patterns.values()]) this.#fire(set);
    });
    conn.start();
  }

  /** Why the subscriber cannot receive now, or undefined. */
  get down(): string | undefined {
    return this.#conn.down;
  }

  /** Whether any widget listens for keyspace notifications. */
  get wantsKeyspace(): boolean {
    return this.#patterns.size > 0;
  }

  /** Starts calling `onChange` for messages to `target`; returns the function that stops it. */
  add(target: ListenTarget, onChange: () => void): () => void {
    const map = target.kind === 'channel' ? this.#channels : this.#patterns;
    const listener: Listener = { onChange };
    let set = map.get(target.name);
    if (set === undefined) {
      set = new Set();
      map.set(target.name, set);
      // While not ready, the next `ready` subscribes everything that is wanted then.
      if (this.#conn.ready) this.#send(target.kind === 'channel' ? 'SUBSCRIBE' : 'PSUBSCRIBE', [target.name]);
    }
    set.add(listener);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const current = map.get(target.name);
      current?.delete(listener);
      if (current === undefined || current.size > 0) return;
      map.delete(target.name);
      if (this.#conn.ready) this.#send(target.kind === 'channel' ? 'UNSUBSCRIBE' : 'PUNSUBSCRIBE', [target.name]);
    };
  }

  /** Closes the subscriber connection; listeners hear nothing more. */
  async close(): Promise<void> {
    this.#channels.clear();
    this.#patterns.clear();
    await this.#conn.close();
  }

  #subscribeAll(): void {
    if (this.#channels.size > 0) this.#send('SUBSCRIBE', [...this.#channels.keys()]);
    if (this.#patterns.size > 0) this.#send('PSUBSCRIBE', [...this.#patterns.keys()]);
  }

  #send(command: SubscriptionCommand, names: string[]): void {
    const client = this.#conn.client;
    const sent =
      command === 'SUBSCRIBE' ? client.subscribe(...names) : command === 'PSUBSCRIBE' ? client.psubscribe(...names) : command === 'UNSUBSCRIBE' ? client.unsubscribe(...names) : client.punsubscribe(...names);
    // Commands on one connection run in order, so a quick subscribe-unsubscribe-subscribe ends subscribed.
    // A failure means the connection dropped; the next `ready` subscribes again.
    sent.catch((err: unknown) => {
      this.#logger.debug({ command, err: err instanceof Error ? err.message : String(err) }, 'redis subscription command failed; retried on reconnect');
    });
  }

  #fire(listeners: Set<Listener> | undefined): void {
    if (listeners === undefined) return;
    for (const listener of [...listeners]) {
      try {
        listener.onChange();
      } catch (err) {
        this.#logger.error({ err: err instanceof Error ? err.message : String(err) }, 'redis listener failed');
      }
    }
  }
}
