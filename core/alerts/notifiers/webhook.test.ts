import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { DeliveryError } from './notifier.js';
import { httpReceiver, sampleGroup } from './testing.js';
import { webhookNotifier } from './webhook.js';

describe('webhook notifier', () => {
  it('POSTs the documented body with the delivery id, configured headers and a signature receivers can check', async () => {
    const hook = await httpReceiver();
    try {
      const group = sampleGroup();
      const notifier = webhookNotifier('ops', { type: 'webhook', url: hook.url, secret: 'top-secret-value-1', headers: { Authorization: 'Bearer t', 'X-Rtdash-Delivery': 'forged' }, timeoutMs: 5000 });
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

  it('sends no signature without a secret, and fails on a non-2xx answer with its status', async () => {
    const hook = await httpReceiver((_n, res) => {
      res.statusCode = 302;
      res.setHeader('Location', '/elsewhere');
      res.end();
    });
    try {
      const notifier = webhookNotifier('ops', { type: 'webhook', url: hook.url, headers: {}, timeoutMs: 5000 });
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
      const notifier = webhookNotifier('ops', { type: 'webhook', url: hook.url, headers: {}, timeoutMs: 5000 });
      const error = await notifier.send(sampleGroup(), AbortSignal.timeout(100)).catch((err: unknown) => err);
      expect(error).to.have.property('name', 'TimeoutError');
    } finally {
      await hook.close();
    }
  });
});
