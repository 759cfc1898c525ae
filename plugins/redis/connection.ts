/**
 * One ioredis connection and what it means to the source: whether it can run commands now, why not, and an
 * outage logged once when it starts and once when it ends, however many reconnection attempts lie between.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../../core/plugin.js';

/** What a connection is for, in log lines. */
export type ConnectionRole = 'commands' | 'subscriber';

/** A connection that heals itself and fails fast while it cannot. */
export class RedisConnection {
  /** The ioredis client; only this class connects or closes it. */
  readonly client: Redis;
  /** `redis source "NAME"`, the start of every error message. */
  readonly label: string;
  readonly #role: ConnectionRole;
  readonly #logger: Logger;
  readonly #address: string;
  readonly #connectTimeoutMs: number;
  #down: string | undefined;
  /** What started the outage; the cause of every "not connected" error, so the core can tell it is one. */
  #downError: Error | undefined;
  #downSince = 0;
  #closed = false;
  #readyCount = 0;
  readonly #changes = new Set<() => void>();
  readonly #onReady = new Set<(again: boolean) => void>();

  constructor(opts: { label: string; role: ConnectionRole; options: RedisOptions; logger: Logger; address: string; connectTimeoutMs: number }) {
    this.label = opts.label;
    this.#role = opts.role;
    this.#logger = opts.logger;
    this.#address = opts.address;
    this.#connectTimeoutMs = opts.connectTimeoutMs;
    this.client = new Redis(opts.options);
    // Without an 'error' listener ioredis prints every failed attempt to stderr.
    this.client.on('error', (err: Error) => {
      // An error on a connection that still works (a failed background command) is no outage.
      if (this.client.status === 'ready') this.#logger.debug({ role: this.#role, err: err.message }, 'redis connection error');
      else this.#markDown(reasonOf(err), err);
    });
    // A close without an error (the server shut down cleanly) starts an outage too; a known reason is kept.
    this.client.on('close', () => {
      if (this.#down === undefined) this.#markDown('connection closed');
    });
    this.client.on('ready', () => this.#markReady());
  }

  /** Starts connecting in the background; failures are reported through the connection's state, never thrown. */
  start(): void {
    this.client.connect().catch(() => undefined);
  }

  /** True when commands can be sent now. */
  get ready(): boolean {
    return !this.#closed && this.client.status === 'ready';
  }

  /** Why commands cannot be sent now, or undefined when they can (or the first attempt is still under way). */
  get down(): string | undefined {
    if (this.#closed) return `${this.label} is closed`;
    if (this.#down === undefined) return undefined;
    return `${this.label} is not connected (${this.#down}); it reconnects by itself, and commands fail at once until then`;
  }

  /** Calls `listener(again)` on every `ready`; `again` is false for the first connection. Returns a remover. */
  onReady(listener: (again: boolean) => void): () => void {
    this.#onReady.add(listener);
    return () => this.#onReady.delete(listener);
  }

  /**
   * Resolves when commands can be sent. While the very first connection attempt is under way it waits for it
   * (at most the connect timeout); during an outage it throws at once, so a query fails fast.
   */
  async whenReady(signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.#connectTimeoutMs + 250;
    for (;;) {
      signal.throwIfAborted();
      if (this.ready) return;
      const down = this.down;
      if (down !== undefined) throw this.#notConnected(down);
      const left = deadline - Date.now();
      if (left <= 0) throw networkError(`${this.label} could not connect within ${this.#connectTimeoutMs} ms; it keeps trying`, 'ETIMEDOUT');
      await this.#nextChange(signal, left);
    }
  }

  /**
   * Sends one command and resolves its reply. An abort rejects at once with the signal's reason; the command
   * itself cannot be recalled from Redis, so its reply is dropped when it comes.
   */
  async call(signal: AbortSignal, what: string, command: string, args: readonly (string | number)[]): Promise<unknown> {
    signal.throwIfAborted();
    if (!this.ready) throw this.#notConnected(this.down ?? `${this.label} is not connected yet`);
    const reply = this.client.call(command, [...args]);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([reply, aborted]);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw this.#explain(err, what);
    } finally {
      signal.removeEventListener('abort', onAbort as () => void);
      reply.catch(() => undefined); // a reply that arrives after an abort must not become an unhandled rejection
    }
  }

  /** Closes the connection for good; later calls do nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#notify();
    // disconnect() closes at once, also mid-reconnect; quit() would wait for a server that may be gone.
    this.client.disconnect();
  }

  /** A command failure as a message a dashboard author can act on, starting with the source's name. */
  #explain(err: unknown, what: string): Error {
    if (err instanceof Error && err.name === 'ReplyError') {
      // Redis's own reply (WRONGTYPE, NOPERM…): say it as it is, but only its first line, and without the
      // argument echo of "unknown command" replies, which may hold variable values.
      const message = err.message.split('\n', 1)[0]?.replace(/, with args beginning with:.*$/, '') ?? err.message;
      return new Error(`${this.label}: ${what} failed: ${message}`, { cause: err });
    }
    if (this.#closed) return new Error(`${this.label} is closed`, { cause: err });
    return networkError(`${this.label} lost its connection while running ${what}; it reconnects by itself`, 'ECONNRESET', err);
  }

  /** The error of a command refused because the connection is down: caused by what brought it down. */
  #notConnected(message: string): Error {
    if (this.#closed) return new Error(message);
    return networkError(message, 'ECONNRESET', this.#downError);
  }

  #markDown(reason: string, err?: Error): void {
    if (this.#closed) return;
    if (this.#down === undefined) {
      this.#downSince = Date.now();
      this.#logger.warn({ role: this.#role, address: this.#address, err: err?.message ?? reason }, 'redis connection lost or refused; reconnecting in the background');
    }
    this.#down = reason;
    this.#downError = err;
    this.#notify();
  }

  #markReady(): void {
    if (this.#closed) return;
    const again = this.#readyCount > 0;
    this.#readyCount++;
    if (this.#down !== undefined) {
      this.#logger.info({ role: this.#role, address: this.#address, downMs: Date.now() - this.#downSince }, 'redis connection restored');
    }
    this.#down = undefined;
    this.#downError = undefined;
    this.#notify();
    for (const listener of this.#onReady) {
      try {
        listener(again);
      } catch (err) {
        this.#logger.error({ role: this.#role, err: err instanceof Error ? err.message : String(err) }, 'redis ready listener failed');
      }
    }
  }

  #notify(): void {
    for (const wake of [...this.#changes]) wake();
  }

  #nextChange(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#changes.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.#changes.add(done);
    });
  }
}

/** A short reason for an outage: the error code when there is one (ECONNREFUSED), else the message. */
function reasonOf(err: Error): string {
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : err.message.split('\n', 1)[0] ?? 'error';
}

/**
 * An error that says the server cannot be reached now (refused, gone, or refusing our login): `code` is the
 * socket error the core's failure code reads, since ioredis's own errors mostly have none; the driver's
 * error, when there is one, stays as the cause for the log.
 */
function networkError(message: string, code: 'ECONNRESET' | 'ETIMEDOUT', cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}
