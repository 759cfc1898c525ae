/**
 * Real receivers on loopback for the notifier and outbox tests: an HTTP server that records every request
 * it gets, and an SMTP server that records every mail, with just enough MIME decoding to read them.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Logger } from '../../plugin.js';
import type { AlertNotification, NotificationGroup } from '../notification.js';
import { notificationGroup, notificationId } from '../notification.js';

/** One request an HTTP receiver got. */
export interface ReceivedRequest {
  method: string;
  /** The path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the receiver does with request number `n` (from 1): answer it, or return 'hang' to never answer. */
export type Answer = (n: number, res: ServerResponse) => void | 'hang';

/** An HTTP receiver on 127.0.0.1. */
export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts an HTTP receiver; by default every request gets 200. */
export async function httpReceiver(answer: Answer = (_n, res) => void res.end('ok')): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(requests.length, res);
      for (const w of waiters.filter((w) => requests.length >= w.count)) w.resolve();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    waitFor: (count) => (requests.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    async close() {
      // Hanging requests would keep server.close() waiting forever.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A mail an SMTP receiver got, decoded. */
export interface ReceivedMail {
  from: string;
  to: string[];
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
}

/** An SMTP receiver on 127.0.0.1, without TLS or authentication. */
export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts an SMTP receiver. */
export async function smtpReceiver(): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        mails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), ...parseMail(Buffer.concat(chunks).toString('utf8')) });
        callback();
        for (const w of waiters.filter((w) => mails.length >= w.count)) w.resolve();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    mails,
    waitFor: (count) => (mails.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Splits a MIME entity into its (unfolded, lower-cased) headers and body. */
function splitEntity(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  const head = at < 0 ? raw : raw.slice(0, at);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: at < 0 ? '' : raw.slice(at + 4) };
}

function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => `%${hex}`);
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
  }
  return body;
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`) in a header. */
function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, kind: string, text: string) =>
      kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeBody(text.replace(/_/g, ' '), 'quoted-printable'),
    );
}

function parseMail(raw: string): Omit<ReceivedMail, 'from' | 'to'> {
  const { headers, body } = splitEntity(raw);
  const parts: Record<string, string> = {};
  const boundary = /boundary="?([^";]+)"?/.exec(headers['content-type'] ?? '')?.[1];
  const entities = boundary === undefined ? [raw] : body.split(`--${boundary}`).slice(1, -1).map((p) => p.replace(/^\r\n/, ''));
  for (const entity of entities) {
    const part = boundary === undefined ? { headers, body } : splitEntity(entity);
    const type = (part.headers['content-type'] ?? 'text/plain').split(';')[0] as string;
    parts[type] = decodeBody(part.body.replace(/\r\n$/, ''), part.headers['content-transfer-encoding']);
  }
  return { headers, subject: decodeHeader(headers['subject'] ?? ''), text: parts['text/plain'] ?? '', html: parts['text/html'] ?? '' };
}

/** A logger that records what it is asked to log. */
export function recordingLogger(lines: { level: string; obj: unknown; msg?: string }[] = []): Logger & { lines: typeof lines } {
  const at = (level: string) => (obj: object | string, msg?: string) => void lines.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
  const logger = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

/** A firing (or, with `status`, resolved) notification for tests. */
export function sampleNotification(over: Partial<AlertNotification> = {}): AlertNotification {
  const base = { rule: 'cpu-high', labels: { host: 'a' }, status: 'firing' as const, startsAt: '2024-05-01T10:00:00.000Z', repeat: 0, ...over };
  const id = notificationId({ rule: base.rule, labels: base.labels, status: base.status, at: base.endsAt ?? base.startsAt, repeat: base.repeat });
  return { id, summary: 'CPU above 90% on a', value: 93.2, dashboard: 'ops', severity: 'critical', ...base };
}

/** A group of one sample notification; `over` tells groups apart. */
export function sampleGroup(over: Partial<AlertNotification> = {}): NotificationGroup {
  const n = sampleNotification(over);
  return notificationGroup(n.rule, [n]);
}
