/**
 * An HTTP proxy that forwards plain requests (streamed, so Server-Sent Events pass) and refuses every
 * WebSocket upgrade with 403, as some corporate proxies do: the setting the elements' fallback exists for.
 * The Host header passes unchanged, as a reverse proxy that keeps it, so the page is same-origin to rtdash.
 */
import { createServer, request, type Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A proxy on a free loopback port in front of `target` (http://host:port). Requests whose path matches
 * `refuse` are answered 403 too (a proxy that also breaks event streams, say). With `forwardedFor`, it adds
 * the address it saw to X-Forwarded-For, as nginx's `$proxy_add_x_forwarded_for` does.
 */
export async function startNoUpgradeProxy(target: string, refuse?: RegExp, options: { forwardedFor?: boolean } = {}): Promise<{ url: string; upgradesRefused(): number; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  let refused = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    if (refuse?.test(req.url ?? '')) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('refused by the proxy');
      return;
    }
    const headers = { ...req.headers };
    if (options.forwardedFor) headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = request({ hostname, port, path: req.url, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    // A visitor that goes away ends the upstream request too, as nginx does: an event stream is let go.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (_req, socket: Socket) => {
    refused++;
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    upgradesRefused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
