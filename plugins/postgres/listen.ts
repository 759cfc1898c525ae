/**
 * Push for one source: ONE connection that LISTENs on every channel its widgets name (not one per widget), opened
 * at the first subscription, reconnecting by itself, and turning NOTIFY bursts into a few calls.
 */
import { Client, escapeIdentifier, type ClientConfig } from 'pg';
import type { Logger } from '../../core/plugin.js';
import { describeError } from './pool.js';

/** A NOTIFY burst on one channel is delivered at once and then at most once per this many ms while it lasts. */
export const COALESCE_MS = 25;
/** First and longest wait before reconnecting the listener after it lost its connection. */
export const RECONNECT_MS = { first: 100, max: 2000 } as const;

/** The channels a widget may name: what an unquoted SQL identifier folds to (listen.schema.json says the same). */
export const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

interface Burst {
  again: boolean;
  timer: NodeJS.Timeout;
}

/** The LISTEN connection of one source. */
export class Listener {
  readonly #config: ClientConfig;
  readonly #logger: Logger;
  readonly #label: string;
  readonly #channels = new Map<string, Set<() => void>>();
  readonly #bursts = new Map<string, Burst>();
  /** The connected client, and the channels it listens on. */
  #client: Client | undefined;
  #listening = new Set<string>();
  /** The client still connecting, if any. */
  #pending: Client | undefined;
  #retry: NodeJS.Timeout | undefined;
  #retryMs: number = RECONNECT_MS.first;
  /** Set once a connection was lost: the next one tells every channel, since NOTIFYs in between were missed. */
  #missed = false;
  #closed = false;

  /** `label` prefixes log lines, e.g. `postgres "shopdb"`. */
  constructor(config: ClientConfig, logger: Logger, label: string) {
    this.#config = config;
    this.#logger = logger;
    this.#label = label;
  }

  /** Whether the listener holds a live connection (for tests and health). */
  get connected(): boolean {
    return this.#client !== undefined;
  }

  /**
   * Calls `onChange` when `channel` is notified (and once after a reconnect). Never throws for an unreachable
   * server: it keeps trying. Returns the function that stops it.
   */
  subscribe(channel: string, onChange: () => void): () => void {
    if (this.#closed) throw new Error(`${this.#label} is closed`);
    if (!CHANNEL.test(channel)) throw new Error(`${this.#label}: listen: expected a lower-case channel name such as orders_changed; got ${JSON.stringify(channel)}`);
    let callbacks = this.#channels.get(channel);
    if (callbacks === undefined) this.#channels.set(channel, (callbacks = new Set()));
    // A wrapper per subscription, so the same function subscribed twice is unsubscribed once each.
    const entry = (): void => onChange();
    callbacks.add(entry);
    this.#sync();
    this.#connect();
    return () => {
      const current = this.#channels.get(channel);
      if (current?.delete(entry) !== true) return;
      if (current.size === 0) this.#channels.delete(channel);
      this.#sync();
    };
  }

  /** Stops listening and closes the connection; safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    for (const burst of this.#bursts.values()) clearTimeout(burst.timer);
    this.#bursts.clear();
    this.#channels.clear();
    const clients = [this.#client, this.#pending];
    this.#client = undefined;
    // Ending a client that is still connecting destroys its socket; its connect() then fails into #lost, which stops there.
    await Promise.all(clients.map((client) => client?.end().catch(() => undefined)));
  }

  #connect(): void {
    if (this.#closed || this.#client !== undefined || this.#pending !== undefined || this.#retry !== undefined || this.#channels.size === 0) return;
    const client = new Client(this.#config);
    this.#pending = client;
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client, new Error('connection ended')));
    client.on('notification', (message) => this.#notified(message.channel));
    void (async () => {
      try {
        await client.connect();
        const channels = [...this.#channels.keys()];
        if (channels.length > 0) await client.query(channels.map((c) => `LISTEN ${escapeIdentifier(c)}`).join('; '));
        if (this.#closed) {
          await client.end();
          return;
        }
        this.#client = client;
        this.#listening = new Set(channels);
        this.#retryMs = RECONNECT_MS.first;
        this.#sync(); // channels added or dropped while connecting
        if (this.#missed) {
          this.#missed = false;
          this.#logger.info({}, `${this.#label}: listening again`);
          for (const channel of this.#channels.keys()) this.#notified(channel);
        }
      } catch (err) {
        this.#lost(client, err);
      } finally {
        if (this.#pending === client) this.#pending = undefined;
      }
    })();
  }

  /** Brings the connection's LISTENs in line with the subscribed channels. */
  #sync(): void {
    const client = this.#client;
    if (client === undefined) return;
    const send = (sql: string): void => void client.query(sql).catch((err: unknown) => this.#lost(client, err));
    for (const channel of this.#channels.keys()) {
      if (this.#listening.has(channel)) continue;
      this.#listening.add(channel);
      send(`LISTEN ${escapeIdentifier(channel)}`);
    }
    for (const channel of [...this.#listening]) {
      if (this.#channels.has(channel)) continue;
      this.#listening.delete(channel);
      send(`UNLISTEN ${escapeIdentifier(channel)}`);
    }
  }

  #lost(client: Client, err: unknown): void {
    const mine = this.#client === client || this.#pending === client;
    if (this.#client === client) this.#client = undefined;
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    // Late events of a client already given up (its 'end' after an 'error', say) change nothing.
    if (this.#closed || !mine) return;
    this.#missed = true;
    if (this.#retry !== undefined) return;
    this.#logger.warn({ err: describeError(err), retryMs: this.#retryMs }, `${this.#label}: the LISTEN connection failed; reconnecting`);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connect();
    }, this.#retryMs);
    this.#retry.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, RECONNECT_MS.max);
  }

  // Leading edge at once, then one trailing call per window while the burst goes on: the first change shows
  // within milliseconds and fifty NOTIFYs in a row cost a couple of re-runs, not fifty.
  #notified(channel: string): void {
    const burst = this.#bursts.get(channel);
    if (burst !== undefined) {
      burst.again = true;
      return;
    }
    const timer = setTimeout(() => {
      const ended = this.#bursts.get(channel);
      this.#bursts.delete(channel);
      if (ended?.again === true) this.#notified(channel);
    }, COALESCE_MS);
    timer.unref();
    this.#bursts.set(channel, { again: false, timer });
    for (const callback of [...(this.#channels.get(channel) ?? [])]) {
      try {
        callback();
      } catch (err) {
        this.#logger.error({ err: describeError(err), channel }, `${this.#label}: a change listener failed`);
      }
    }
  }
}
