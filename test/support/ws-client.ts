/** A WebSocket client for tests that records every message and waits for the ones it needs. */
import WebSocket from 'ws';
import { WireDecoder } from './wire-decoder.js';

/** A parsed protocol message. */
export type Message = { type: string; [key: string]: unknown };

/**
 * Records messages; `next` waits for the first unread one that matches. Update entries are spelt out
 * (wire-decoder.ts: seq, time, status, op, frame and the state after each); `raw` has them as sent.
 */
export class TestClient {
  readonly ws: WebSocket;
  readonly messages: Message[] = [];
  /** The messages as they came over the wire. */
  readonly raw: Message[] = [];
  readonly #decoder = new WireDecoder();
  /** Wall-clock receipt time of each message, same index as `messages`. */
  readonly received: number[] = [];
  closeCode: number | undefined;
  /** The reason text of the server's close frame. */
  closeReason: string | undefined;
  #read = 0;
  #waiters: (() => void)[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, options);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.#wake();
      resolve(code);
    }));
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Message;
      this.raw.push(message);
      this.messages.push(this.#decoder.decode(message));
      this.received.push(Date.now());
      this.#wake();
    });
  }

  /** Sends a message (an object is JSON-encoded); a resuming subscribe tells the decoder where the client stands. */
  send(message: object | string): void {
    const m = message as { type?: unknown; dashboard?: unknown; resume?: unknown };
    if (typeof message === 'object' && m.type === 'subscribe' && typeof m.dashboard === 'string' && typeof m.resume === 'object' && m.resume !== null) {
      this.#decoder.resume(m.dashboard, m.resume as Record<string, number>);
    }
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits for the next unread message that matches, skipping others. */
  async next(match: (m: Message) => boolean = () => true, timeoutMs = 5000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#read < this.messages.length) {
        const m = this.messages[this.#read++]!;
        if (match(m)) return m;
      }
      if (this.closeCode !== undefined) throw new Error(`closed with ${this.closeCode} while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; last: ${JSON.stringify(this.messages.at(-1))?.slice(0, 300)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for a message of a type. */
  nextOf(type: string, timeoutMs?: number): Promise<Message> {
    return this.next((m) => m.type === type, timeoutMs);
  }

  /**
   * Stops (or restarts) reading from the socket while sending goes on: the kernel buffers fill, then the
   * server's queue for this client, as with a browser tab that hangs.
   */
  pauseReading(paused = true): void {
    const socket = (this.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    if (paused) socket.pause();
    else socket.resume();
  }

  /** Closes and waits. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    await this.closed;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/** Opens a client, waits for `hello`. */
export async function connect(url: string, options?: WebSocket.ClientOptions): Promise<TestClient> {
  const client = new TestClient(url, options);
  await client.opened;
  await client.nextOf('hello');
  return client;
}

/** Opens a client, subscribes it to `dashboard` and waits for the snapshot. */
export async function connectSubscribed(url: string, dashboard: string): Promise<TestClient> {
  const client = await connect(url);
  client.send({ type: 'subscribe', dashboard });
  await client.nextOf('snapshot');
  return client;
}

/** The status and body of a refused WebSocket upgrade; fails if the upgrade is accepted. */
export function refusedUpgrade(url: string, options: WebSocket.ClientOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
}
