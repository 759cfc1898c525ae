/**
 * The email notifier: one mail per group over SMTP (nodemailer), with a plain-text part and an HTML
 * part. Every value in the HTML is escaped: summaries and labels come from data sources.
 */
import { hostname } from 'node:os';
import nodemailer from 'nodemailer';
import { defineNotifier, notifierSchema, type NotifierContext } from './define.js';
import type { AlertNotification, NotificationGroup } from '../notification.js';
import { detailText, groupTitle, labelText, statusTag, valueText } from './format.js';
import { abortable } from './abortable.js';
import type { Notifier } from './notifier.js';

/**
 * Escapes text for HTML element content and attribute values.
 * @example escapeHtml('<b>&') // '&lt;b&gt;&amp;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The subject, text and HTML of the mail for a group. */
export function emailContent(group: NotificationGroup): { subject: string; text: string; html: string } {
  const text = group.notifications.map(textOf).join('\n\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<h2>${escapeHtml(`${statusTag(group.status)} ${group.rule}`)}</h2>
${group.notifications.map(htmlOf).join('\n')}
</body></html>`;
  return { subject: groupTitle(group), text, html };
}

function textOf(n: AlertNotification): string {
  const lines = [`${statusTag(n.status)} ${n.summary}`, `  ${detailText(n)}`];
  if (n.description !== undefined) lines.push(`  ${n.description}`);
  lines.push(`  since ${n.startsAt}${n.endsAt === undefined ? '' : `, until ${n.endsAt}`}${n.dashboard === undefined ? '' : `, dashboard ${n.dashboard}`}`);
  return lines.join('\n');
}

function htmlOf(n: AlertNotification): string {
  const rows: [string, string][] = [
    ['Status', n.status],
    ['Value', valueText(n.value)],
    ...(labelText(n.labels) === '' ? [] : [['Labels', labelText(n.labels)] as [string, string]]),
    ...(n.severity === undefined ? [] : [['Severity', n.severity] as [string, string]]),
    ...(n.dashboard === undefined ? [] : [['Dashboard', n.dashboard] as [string, string]]),
    ['Since', n.startsAt],
    ...(n.endsAt === undefined ? [] : [['Until', n.endsAt] as [string, string]]),
  ];
  const table = rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  const description = n.description === undefined ? '' : `<p>${escapeHtml(n.description)}</p>`;
  return `<h3>${escapeHtml(n.summary)}</h3>${description}<table>${table}</table>`;
}

/** An email notifier's options (core/schemas/notifiers/email.schema.json). */
export interface EmailOptions {
  smtp: { host: string; port: number; secure?: boolean; user?: string; password?: string };
  from: string;
  to: string[];
}

/** Creates an email notifier; it opens one SMTP connection per mail, so there is nothing to keep alive. */
export function emailNotifier(name: string, config: EmailOptions, ctx: NotifierContext): Notifier {
  const { smtp } = config;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure ?? false,
    ...(smtp.user === undefined || smtp.password === undefined ? {} : { auth: { user: smtp.user, pass: smtp.password } }),
    // nodemailer takes no AbortSignal: its own time-outs make sure a hung server's socket is closed too.
    connectionTimeout: ctx.timeoutMs,
    greetingTimeout: ctx.timeoutMs,
    socketTimeout: ctx.timeoutMs,
  });
  const domain = senderDomain(config.from);
  return {
    name,
    type: 'email',
    timeoutMs: ctx.timeoutMs,
    async send(group, signal) {
      signal.throwIfAborted();
      const { subject, text, html } = emailContent(group);
      const sending = transport.sendMail({
        from: config.from,
        to: config.to,
        subject,
        text,
        html,
        // The same id on every retry and after a restart: mail systems that dedupe by Message-ID drop repeats. Its
        // domain is the sender's, as RFC 5322 asks (a made-up one counts against the mail in spam filters).
        messageId: `<${group.id}.${name}@${domain}>`,
        // RFC 3834: an automatic message, so vacation responders and mailing lists do not answer it.
        headers: { 'X-Rtdash-Delivery': group.id, 'Auto-Submitted': 'auto-generated' },
      });
      await abortable(sending, signal);
    },
    async close() {
      transport.close();
    },
  };
}

/**
 * The domain of the sender's address (`"Alerts" <alerts@shop.example>` → `shop.example`), else this host's name.
 * @example senderDomain('rtdash <alerts@shop.example>') // 'shop.example'
 */
export function senderDomain(from: string): string {
  const address = /<([^>]*)>\s*$/.exec(from)?.[1] ?? from;
  const domain = address.slice(address.lastIndexOf('@') + 1).trim().toLowerCase();
  return address.includes('@') && /^[a-z0-9.-]+$/.test(domain) ? domain : hostname();
}

/** The `email` notifier type. */
export const email = defineNotifier<EmailOptions>({ type: 'email', optionsSchema: notifierSchema('email'), create: emailNotifier });
