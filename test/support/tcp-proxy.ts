/**
 * A loopback TCP proxy in front of a real server, for outage tests: closed, its port refuses
 * connections; open, it forwards them; stalled, requests wait in it so a command stays in flight.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Forwards a fixed loopback port to `target` while open. */
export class TcpProxy {
  readonly port: number;
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  readonly #clients = new Set<Socket>();
  #server: Server | undefined;
  #stalled = false;

  constructor(target: { host: string; port: number }, port: number) {
    this.#target = target;
    this.port = port;
  }

  /** A proxy on a free port, closed until `open()`. */
  static async onFreePort(target: { host: string; port: number }): Promise<TcpProxy> {
    return new TcpProxy(target, await freePort());
  }

  /** Starts accepting connections on the port. */
  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.#target);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      this.#clients.add(client);
      client.on('close', () => this.#clients.delete(client));
      if (this.#stalled) client.pause();
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
  }

  /** Stops accepting and cuts every connection through it, like a server that went away. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** While stalled, requests from clients wait in the proxy: commands stay in flight. */
  stall(on: boolean): void {
    this.#stalled = on;
    for (const client of this.#clients) {
      if (on) client.pause();
      else client.resume();
    }
  }
}
