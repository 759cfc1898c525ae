import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { DeliveryError } from './notifier.js';
import { notificationGroup } from '../notification.js';
import { httpReceiver, sampleGroup, sampleNotification } from './testing.js';
import { webhookNotifier } from './webhook.js';

describe('webhook notifier', () => {
  it('POSTs the documented body with the delivery id, configured headers and a signature receivers can check', async () => {
    const hook = await httpReceiver();
    try {
      const group = sampleGroup();
      const notifier = webhookNotifier('ops', { url: hook.url, secret: 'top-secret-value-1', headers: { Authorization: 'Bearer t', 'X-Rtdash-Delivery': 'forged' } }, { timeoutMs: 5000 });
      await notifier.send(group, AbortSignal.timeout(5000));
      const [request] = hook.requests as [(typeof hook.requests)[0]];
      expect(request.method).to.equal('POST');
      expect(request.headers['authorization']).to.equal('Bearer t');
      expect(request.headers['x-rtdash-delivery']).to.equal(group.id);
      // What a receiver does: HMAC the raw body with the shared secret.
      const expected = createHmac('sha256', 'top-secret-value-1').update(request.body).digest('hex');
      expect(request.headers['x-rtdash-signature']).to.equal(`sha256=${expected}`);
      const body = JSON.parse(request.body);
      expect(body.version).to.equal(1);
      expect(body.group).to.deep.equal({ id: group.id, rule: 'cpu-high', status: 'firing' });
      expect(body.notifications[0]).to.include({ status: 'firing', rule: 'cpu-high', summary: 'CPU above 90% on a', value: 93.2, repeat: 0 });
    } finally {
      await hook.close();
    }
  });

  it('sends Alertmanager\'s webhook payload with format: alertmanager, so receivers written for it work unchanged', async () => {
    const hook = await httpReceiver();
    try {
      const firing = sampleNotification({ labels: { host: 'a', team: 'infra' } });
      const resolved = sampleNotification({ labels: { host: 'b', team: 'infra' }, status: 'resolved', endsAt: '2024-05-01T10:05:00.000Z', summary: 'CPU back to normal on b' });
      const group = notificationGroup('cpu-high', [firing, resolved]);
      await webhookNotifier('ops', { url: hook.url, format: 'alertmanager' }, { timeoutMs: 5000, publicUrl: 'https://dash.example.com' }).send(group, AbortSignal.timeout(5000));
      const [request] = hook.requests as [(typeof hook.requests)[0]];
      expect(request.headers['x-rtdash-delivery']).to.equal(group.id);
      const body = JSON.parse(request.body);
      expect(body).to.include({ version: '4', status: 'firing', receiver: 'ops', externalURL: 'https://dash.example.com', truncatedAlerts: 0, groupKey: '{}:{alertname="cpu-high"}' });
      expect(body.groupLabels).to.deep.equal({ alertname: 'cpu-high' });
      expect(body.commonLabels).to.deep.equal({ team: 'infra', alertname: 'cpu-high', severity: 'critical', dashboard: 'ops' });
      expect(body.alerts).to.have.length(2);
      expect(body.alerts[0]).to.include({ status: 'firing', startsAt: '2024-05-01T10:00:00.000Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'https://dash.example.com/d/ops' });
      expect(body.alerts[0].labels).to.deep.equal({ host: 'a', team: 'infra', alertname: 'cpu-high', severity: 'critical', dashboard: 'ops' });
      expect(body.alerts[0].annotations).to.deep.equal({ summary: 'CPU above 90% on a', value: '93.2' });
      expect(body.alerts[1]).to.include({ status: 'resolved', endsAt: '2024-05-01T10:05:00.000Z' });
      expect(body.alerts[0].fingerprint).to.match(/^[0-9a-f]{16}$/).and.not.equal(body.alerts[1].fingerprint);
    } finally {
      await hook.close();
    }
  });

  it('sends no signature without a secret, and fails on a non-2xx answer with its status', async () => {
    const hook = await httpReceiver((_n, res) => {
      res.statusCode = 302;
      res.setHeader('Location', '/elsewhere');
      res.end();
    });
    try {
      const notifier = webhookNotifier('ops', { url: hook.url }, { timeoutMs: 5000 });
      const error = await notifier.send(sampleGroup(), AbortSignal.timeout(5000)).catch((err: unknown) => err);
      expect(error).to.be.instanceOf(DeliveryError).with.property('status', 302);
      expect(String(error)).to.include('HTTP 302');
      expect(hook.requests).to.have.length(1);
      expect(hook.requests[0]?.headers).to.not.have.property('x-rtdash-signature');
    } finally {
      await hook.close();
    }
  });

  it('stops when its signal aborts', async () => {
    const hook = await httpReceiver(() => 'hang');
    try {
      const notifier = webhookNotifier('ops', { url: hook.url }, { timeoutMs: 5000 });
      const error = await notifier.send(sampleGroup(), AbortSignal.timeout(100)).catch((err: unknown) => err);
      expect(error).to.have.property('name', 'TimeoutError');
    } finally {
      await hook.close();
    }
  });
});
