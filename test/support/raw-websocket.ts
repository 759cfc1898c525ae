/**
 * A WebSocket client made by hand on a TCP socket, for what the `ws` package will not do: send frames in
 * the same write as the handshake (so the server reads them before it has answered), or never read.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** One masked text frame, as a client must send it. */
export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x81, 0x80 | n]) : Buffer.from([0x81, 0x80 | 126, n >> 8, n & 0xff]);
  if (n >= 65_536) throw new Error('maskedTextFrame: keep test frames under 64 KiB');
  const mask = randomBytes(4);
  const masked = Buffer.alloc(n);
  for (let i = 0; i < n; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([header, mask, masked]);
}

/**
 * Opens `wsUrl` (path and query kept) and writes the upgrade request followed at once by `messages`
 * as text frames. Resolves with the socket once it is connected; what the server sends is not read
 * unless the caller reads it.
 */
export function rawWebSocket(wsUrl: string, messages: string[] = []): Promise<Socket> {
  const url = new URL(wsUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) }, () => {
      const handshake =
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
      socket.write(Buffer.concat([Buffer.from(handshake), ...messages.map(maskedTextFrame)]));
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
