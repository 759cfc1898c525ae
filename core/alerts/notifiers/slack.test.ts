import { expect } from 'chai';
import { notificationGroup } from '../notification.js';
import { slackNotifier } from './slack.js';
import { httpReceiver, sampleNotification } from './testing.js';

describe('slack notifier', () => {
  it('posts a readable line per alert, with Slack markup escaped', async () => {
    const hook = await httpReceiver();
    try {
      const group = notificationGroup('cpu-high', [
        sampleNotification({ summary: 'CPU above 90% on <!channel>' }),
        sampleNotification({ labels: { host: 'b' }, status: 'resolved', summary: 'CPU back to normal on b', endsAt: '2024-05-01T10:05:00.000Z', value: 40 }),
      ]);
      await slackNotifier('chat', { url: hook.url }, { timeoutMs: 5000 }).send(group, AbortSignal.timeout(5000));
      const body = JSON.parse(hook.requests[0]?.body ?? '{}');
      expect(body.text).to.equal(
        [
          ':red_circle: *[FIRING] cpu-high*',
          '• [FIRING] CPU above 90% on &lt;!channel&gt; (value 93.2; host=a; severity critical)',
          '• [RESOLVED] CPU back to normal on b (value 40; host=b; severity critical)',
        ].join('\n'),
      );
    } finally {
      await hook.close();
    }
  });
});
