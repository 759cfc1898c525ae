/**
 * Discord, Microsoft Teams (Workflows), PagerDuty Events v2, Telegram and ntfy, each against a loopback receiver
 * standing in for the service: the request each documents (method, path, headers, body) for a firing and a
 * resolved alert, and a refusal reported with its status.
 */
import { expect } from 'chai';
import { createNotifier } from './index.js';
import { notificationGroup } from '../notification.js';
import { httpReceiver, sampleNotification, type HttpReceiver } from './testing.js';
import { DeliveryError } from './notifier.js';

const PUBLIC = 'https://dash.example.com';
const firing = sampleNotification({ labels: { host: 'a' }, description: 'for 5 minutes' });
const resolved = sampleNotification({ labels: { host: 'b' }, status: 'resolved', endsAt: '2024-05-01T10:05:00.000Z', summary: 'CPU back to normal on b', value: 40 });
const group = notificationGroup('cpu-high', [firing, resolved]);

describe('chat and paging notifiers', () => {
  let hook: HttpReceiver;
  beforeEach(async () => {
    hook = await httpReceiver((_n, res) => {
      res.statusCode = 202;
      res.end('{"status":"success"}');
    });
  });
  afterEach(() => hook.close());
  const send = async (type: string, options: Record<string, unknown>) => {
    await createNotifier('n', { type, timeoutMs: 5000, options }, { publicUrl: PUBLIC }).send(group, AbortSignal.timeout(5000));
    return hook.requests.map((r) => ({ ...r, json: JSON.parse(r.body) as Record<string, any> }));
  };

  it('discord: an embed per alert, coloured by status, mentions off', async () => {
    const [request] = await send('discord', { url: hook.url });
    expect(request!.method).to.equal('POST');
    expect(request!.headers['content-type']).to.equal('application/json');
    const body = request!.json;
    expect(body.content).to.equal('[FIRING] cpu-high — CPU above 90% on a (+1 more)');
    expect(body.allowed_mentions).to.deep.equal({ parse: [] });
    expect(body.embeds).to.have.length(2);
    expect(body.embeds[0]).to.include({ title: 'CPU above 90% on a', color: 0xd93f0b, url: `${PUBLIC}/d/ops`, timestamp: firing.startsAt });
    expect(body.embeds[0].description).to.equal('for 5 minutes\nvalue 93.2; host=a; severity critical');
    expect(body.embeds[1]).to.include({ title: 'CPU back to normal on b', color: 0x2da44e, timestamp: resolved.endsAt });
  });

  it('teams: a message with one Adaptive Card attachment', async () => {
    const [request] = await send('teams', { url: hook.url });
    const body = request!.json;
    expect(body.type).to.equal('message');
    expect(body.attachments).to.have.length(1);
    const attachment = body.attachments[0];
    expect(attachment.contentType).to.equal('application/vnd.microsoft.card.adaptive');
    expect(attachment.content).to.include({ type: 'AdaptiveCard', version: '1.4', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    const texts = attachment.content.body.filter((b: any) => b.type === 'TextBlock').map((b: any) => b.text);
    expect(texts).to.deep.equal(['[FIRING] cpu-high — CPU above 90% on a (+1 more)', '[FIRING] CPU above 90% on a', 'for 5 minutes', '[RESOLVED] CPU back to normal on b']);
    const facts = attachment.content.body.find((b: any) => b.type === 'FactSet').facts;
    expect(facts).to.deep.include({ title: 'Labels', value: 'host=a' });
    expect(attachment.content.actions).to.deep.equal([{ type: 'Action.OpenUrl', title: 'Open the dashboard', url: `${PUBLIC}/d/ops` }]);
  });

  it('pagerduty: a trigger per firing alert and a resolve with the same dedup_key', async () => {
    const key = 'R0UT1NGK3Y0000000000000000000000';
    await createNotifier('pd', { type: 'pagerduty', timeoutMs: 5000, options: { routing_key: key, url: hook.url } }, { publicUrl: PUBLIC }).send(notificationGroup('cpu-high', [firing]), AbortSignal.timeout(5000));
    const closing = { ...firing, status: 'resolved' as const, endsAt: '2024-05-01T10:05:00.000Z' };
    await createNotifier('pd', { type: 'pagerduty', timeoutMs: 5000, options: { routing_key: key, url: hook.url } }, {}).send(notificationGroup('cpu-high', [closing]), AbortSignal.timeout(5000));
    const [trigger, resolve] = hook.requests.map((r) => JSON.parse(r.body));
    expect(trigger).to.include({ routing_key: key, event_action: 'trigger', client: 'rtdash', client_url: `${PUBLIC}/d/ops` });
    expect(trigger.payload).to.include({ summary: 'CPU above 90% on a', severity: 'critical', source: 'rtdash dashboard ops', timestamp: firing.startsAt, class: 'cpu-high', group: 'ops' });
    expect(trigger.payload.custom_details).to.deep.include({ value: 93.2, labels: { host: 'a' } });
    expect(trigger.dedup_key).to.match(/^rtdash-[0-9a-f]{32}$/);
    expect(resolve).to.deep.equal({ routing_key: key, event_action: 'resolve', dedup_key: trigger.dedup_key });
  });

  it('telegram: sendMessage of the bot, to the chat, in escaped HTML', async () => {
    const evil = notificationGroup('cpu-high', [sampleNotification({ summary: '<b>boom</b> & <a href="x">', labels: { host: '<i>' } })]);
    await createNotifier('tg', { type: 'telegram', timeoutMs: 5000, options: { bot_token: '123456:ABC-def_ghi', chat_id: '-1001234567890', api_url: hook.url.replace(/\/hook$/, '') } }, { publicUrl: PUBLIC }).send(evil, AbortSignal.timeout(5000));
    const [request] = hook.requests;
    expect(request!.url).to.equal('/bot123456:ABC-def_ghi/sendMessage');
    const body = JSON.parse(request!.body);
    expect(body).to.include({ chat_id: '-1001234567890', parse_mode: 'HTML', disable_web_page_preview: true });
    expect(body.text).to.include('&lt;b&gt;boom&lt;/b&gt; &amp; &lt;a href="x"&gt;').and.include('host=&lt;i&gt;').and.include(`<a href="${PUBLIC}/d/ops">Open the dashboard</a>`);
    expect(body.text).not.to.include('<b>boom');
  });

  it('ntfy: JSON to the server with topic, title, priority from the severity, tags and a click link; a token as Bearer', async () => {
    const base = hook.url.replace(/\/hook$/, '');
    await createNotifier('push', { type: 'ntfy', timeoutMs: 5000, options: { url: base, topic: 'rtdash-ops-x7', token: 'tk_abc' } }, { publicUrl: PUBLIC }).send(group, AbortSignal.timeout(5000));
    const [request] = hook.requests;
    expect(request!.url).to.equal('/');
    expect(request!.headers['authorization']).to.equal('Bearer tk_abc');
    expect(JSON.parse(request!.body)).to.deep.equal({
      topic: 'rtdash-ops-x7',
      title: '[FIRING] cpu-high — CPU above 90% on a (+1 more)',
      message: '[FIRING] CPU above 90% on a (value 93.2; host=a; severity critical)\n[RESOLVED] CPU back to normal on b (value 40; host=b; severity critical)',
      priority: 5,
      tags: ['rotating_light', 'cpu-high'],
      click: `${PUBLIC}/d/ops`,
    });
  });

  it('each fails the try with the status the service answered', async () => {
    const refusing = await httpReceiver((_n, res) => {
      res.statusCode = 400;
      res.end('{"message":"Invalid Routing Key"}');
    });
    try {
      const options: Record<string, Record<string, unknown>> = {
        discord: { url: refusing.url },
        teams: { url: refusing.url },
        pagerduty: { routing_key: 'R0UT1NGK3Y0000000000000000000000', url: refusing.url },
        telegram: { bot_token: '1:a', chat_id: '1', api_url: refusing.url },
        ntfy: { url: refusing.url, topic: 't' },
      };
      for (const [type, opts] of Object.entries(options)) {
        const error = await createNotifier('n', { type, timeoutMs: 5000, options: opts }).send(group, AbortSignal.timeout(5000)).then(() => undefined, (err: unknown) => err);
        expect(error, type).to.be.instanceOf(DeliveryError);
        expect((error as DeliveryError).status, type).to.equal(400);
      }
    } finally {
      await refusing.close();
    }
  });
});
