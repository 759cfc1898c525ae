/**
 * A real HTTP server on 127.0.0.1 at an ephemeral port, for the http source's tests: routes by path, records
 * what arrived (method, URL, headers, body) and when each request's socket closed.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the server saw it. */
export interface Received {
  method: string;
  /** The raw request target, exactly as sent: path and query string. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Resolves when the request's connection is closed (by either side). */
  socketClosed: Promise<void>;
}

/** Answers one request; `body` is the whole request body. */
export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A running loopback server. */
export interface LoopbackServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  port: number;
  received: Received[];
  /** Adds or replaces the handler of a path (query strings are ignored when routing). */
  route(path: string, handler: Handler): void;
  /** Closes every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 at a port the OS picks. Unknown paths answer 404.
 * @example const server = await startLoopback({ '/data': (_req, res) => res.end('{}') });
 */
export async function startLoopback(routes: Record<string, Handler> = {}): Promise<LoopbackServer> {
  const handlers = new Map(Object.entries(routes));
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const socket = req.socket;
    const socketClosed = socket.destroyed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, socketClosed });
      const handler = handlers.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (handler === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no such path');
        return;
      }
      handler(req, res, body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    // A client that gives up mid-response resets the socket; that is what several tests provoke.
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    route(path, handler) {
      handlers.set(path, handler);
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Rejects after `ms` unless `promise` settles first: keeps a test bounded when what it waits for never happens.
 * @example await within(received.socketClosed, 2000, 'the socket to close');
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
