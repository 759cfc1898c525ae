/**
 * HTTP requests as a browser on another site makes them: node:http sends an Origin header exactly as
 * given (fetch may not). Streams (SSE, a waiting poll) are read for a while, or to their end, then dropped.
 */
import { WireDecoder } from './wire-decoder.js';
import http, { type IncomingHttpHeaders } from 'node:http';

/** What came back. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the server ended the response (as opposed to the client dropping it after `readMs`). */
  ended: boolean;
}

/** Options of `request`. */
export interface RequestOptions {
  method?: string;
  /** Stop reading after this long (for streams that do not end); by default, read to the end. */
  readMs?: number;
  /** A request body, sent as it is (set its Content-Type in `headers`). */
  body?: string;
  /** The local address to connect from (127.0.0.2, say: another visitor on loopback). */
  localAddress?: string;
  /** Hang up after this long if the answer has not begun (status 0), as an impatient client does. */
  giveUpMs?: number;
}

/** Sends one request with exactly these headers. */
export function request(url: string, headers: Record<string, string> = {}, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers, ...(options.localAddress !== undefined && { localAddress: options.localAddress }) }, (res) => {
      let body = '';
      let done = false;
      const finish = (ended: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ended });
        if (!ended) req.destroy();
      };
      clearTimeout(giveUp);
      const timer = options.readMs === undefined ? undefined : setTimeout(() => finish(false), options.readMs);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => finish(true));
      res.on('error', () => finish(false));
    });
    let gaveUp = false;
    const giveUp = options.giveUpMs === undefined ? undefined : setTimeout(() => {
      gaveUp = true;
      req.destroy();
      resolve({ status: 0, headers: {}, body: '', ended: false });
    }, options.giveUpMs);
    req.on('error', (err) => (gaveUp ? undefined : reject(err)));
    req.end(options.body);
  });
}

/** The JSON error of an answer: `{ code, message }`. */
export function errorOf(answer: Answer): { code: string; message: string } {
  return (JSON.parse(answer.body) as { error: { code: string; message: string } }).error;
}

/** One Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: { type?: string; code?: string | number; [key: string]: unknown };
}

/** The events of an SSE body, in order (comments and `retry:` lines left out), update entries spelt out (wire-decoder.ts). */
export function sseEvents(body: string): SseEvent[] {
  const events: SseEvent[] = [];
  const decoder = new WireDecoder();
  for (const block of body.split('\n\n')) {
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (data === undefined) continue;
    events.push({ event: /^event: (.*)$/m.exec(block)?.[1] ?? 'message', data: decoder.decode(JSON.parse(data) as { type: string }) as SseEvent['data'] });
  }
  return events;
}
