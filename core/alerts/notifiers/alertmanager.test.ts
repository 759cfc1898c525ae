/** The alertmanager notifier against a real Alertmanager (Debian's prometheus-alertmanager), read back through its API. */
import { expect } from 'chai';
import { usePrivateAlertmanager } from '../../../test/support/private-alertmanager.js';
import { until } from '../../../test/support/served-cli.js';
import { notificationGroup } from '../notification.js';
import { alertmanagerNotifier, fingerprint } from './alertmanager.js';
import { sampleNotification } from './testing.js';

/** An alert as Alertmanager's GET /api/v2/alerts lists it. */
interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  generatorURL: string;
  status: { state: string };
  fingerprint: string;
}

describe('alertmanager notifier', function () {
  this.timeout(30_000);
  const am = usePrivateAlertmanager();
  const alerts = async (): Promise<GettableAlert[]> => (await (await fetch(`${am().url}/api/v2/alerts?active=true`)).json()) as GettableAlert[];

  it('posts a firing alert with its labels, annotations and a link back, resends it, and resolves it', async () => {
    const notifier = alertmanagerNotifier('am', { url: am().url, resend: '1s' }, { timeoutMs: 5000, publicUrl: 'https://dash.example.com' });
    try {
      const startsAt = new Date(Date.now() - 60_000).toISOString();
      const firing = sampleNotification({ rule: 'cpu-high', labels: { host: 'web-1', team: 'infra' }, startsAt, description: 'for 5 minutes' });
      await notifier.send(notificationGroup('cpu-high', [firing]), AbortSignal.timeout(5000));
      await until('the alert in Alertmanager', async () => (await alerts()).length === 1);
      const [alert] = (await alerts()) as [GettableAlert];
      expect(alert.labels).to.deep.equal({ alertname: 'cpu-high', host: 'web-1', team: 'infra', severity: 'critical', dashboard: 'ops' });
      expect(alert.annotations).to.deep.equal({ summary: 'CPU above 90% on a', description: 'for 5 minutes', value: '93.2' });
      expect(alert.generatorURL).to.equal('https://dash.example.com/d/ops');
      // The fingerprint format: alertmanager's webhook payload carries Alertmanager's own for the same labels.
      expect(fingerprint(alert.labels)).to.equal(alert.fingerprint);
      expect(alert.status.state).to.equal('active');
      expect(Date.parse(alert.startsAt)).to.equal(Date.parse(startsAt));
      // Sent again before Alertmanager would resolve it (4 resends): its end moves on.
      const firstEnd = Date.parse(alert.endsAt);
      expect(firstEnd - Date.now()).to.be.within(2000, 4500);
      await until('a resend', async () => Date.parse((await alerts())[0]?.endsAt ?? '0') > firstEnd);

      const resolved = { ...firing, status: 'resolved' as const, endsAt: new Date().toISOString() };
      await notifier.send(notificationGroup('cpu-high', [resolved]), AbortSignal.timeout(5000));
      await until('the alert resolved', async () => (await alerts()).length === 0);
      // Resolved stays resolved: no resend brings it back.
      await new Promise((r) => setTimeout(r, 2500));
      expect(await alerts()).to.deep.equal([]);
    } finally {
      await notifier.close?.();
    }
  });

  it('stops resending once paused (another instance leads now), so Alertmanager hears only from the leader', async () => {
    const notifier = alertmanagerNotifier('am', { url: am().url, resend: '1s' }, { timeoutMs: 5000 });
    try {
      const firing = sampleNotification({ rule: 'paused-rule', labels: { host: 'web-9' } });
      await notifier.send(notificationGroup('paused-rule', [firing]), AbortSignal.timeout(5000));
      const mine = async () => (await alerts()).filter((a) => a.labels['alertname'] === 'paused-rule');
      await until('the alert in Alertmanager', async () => (await mine()).length === 1);
      notifier.pause?.();
      // Four resends' worth of silence, and Alertmanager resolves it by itself.
      await until('Alertmanager to resolve what it stopped hearing of', async () => (await mine()).length === 0, 8000);
    } finally {
      await notifier.close?.();
    }
  });

  it('fails the try when Alertmanager refuses the alerts, saying what it answered', async () => {
    const notifier = alertmanagerNotifier('am', { url: `${am().url}/nowhere` }, { timeoutMs: 5000 });
    const bad = notifier.send(notificationGroup('cpu-high', [sampleNotification()]), AbortSignal.timeout(5000));
    let error: unknown;
    await bad.catch((err: unknown) => (error = err));
    expect(String(error)).to.match(/the receiver answered HTTP 404/);
  });
});
