/**
 * An alert rule notifying a real Alertmanager (Debian's prometheus-alertmanager, private, on loopback) through
 * config: the alert shows in Alertmanager's API while the rule fires, kept alive by resends, and resolves there
 * when the rule resolves.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { levelDashboard } from './support/alert-dashboard.js';
import { usePrivateAlertmanager } from './support/private-alertmanager.js';
import { levels } from './support/test-plugin.js';
import { killCli, levelSource, serveCli, stopCli, until, waitReady, writeAlertProject, type ServedCli } from './support/served-cli.js';
import { freePort } from './support/tcp-proxy.js';
import { sleep, startTestServer, type TestServer } from './support/test-server.js';

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  endsAt: string;
}

describe('alerts to a real Alertmanager', function () {
  this.timeout(60_000);
  const am = usePrivateAlertmanager();
  let server: TestServer | undefined;
  let data: string;

  beforeEach(() => {
    data = mkdtempSync(join(tmpdir(), 'rtdash-alerts-am-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    levels.clear();
    rmSync(data, { recursive: true, force: true });
  });

  const active = async (): Promise<GettableAlert[]> => (await (await fetch(`${am().url}/api/v2/alerts?active=true`)).json()) as GettableAlert[];

  it('fires in Alertmanager while the rule fires, and resolves there when it resolves', async () => {
    levels.set('am-level', 9);
    const rule = `when: "last() > 5"\nseverity: critical\nlabels: { team: shop }\nsummary: "level {{ $value }} on {{ $labels.team }}"\nnotify: [am]`;
    server = await startTestServer({ 'am-level.yaml': levelDashboard('am-level', rule) }, {}, false, {
      notifiers: { am: { type: 'alertmanager', timeoutMs: 2000, options: { url: am().url, resend: '1s' } } },
      storageDir: data,
    });
    await until('the alert in Alertmanager', async () => (await active()).length === 1);
    const [alert] = (await active()) as [GettableAlert];
    expect(alert.labels).to.include({ alertname: 'am-level-high', severity: 'critical', team: 'shop', dashboard: 'am-level' });
    expect(alert.annotations.summary).to.equal('level 9 on shop');
    // Kept alive past the 4 s Alertmanager would give it without resends.
    await sleep(5000);
    expect(await active(), 'still firing after 4 resends').to.have.length(1);
    levels.set('am-level', 1);
    await until('the alert resolved in Alertmanager', async () => (await active()).length === 0);
  });

  it('keeps Alertmanager hearing of an alert still firing across a restart of rtdash (no new notification)', async () => {
    const source = await levelSource(9);
    const port = await freePort();
    const dir = data;
    const config = writeAlertProject({ dir, port, sourcePort: source.port, hook: am().url, data: join(dir, 'state'), rules: ['level-high'] });
    writeFileSync(config, readFileSync(config, 'utf8').replace(/  hook:\n    type: webhook\n    url: (\S+)\n/, '  hook:\n    type: alertmanager\n    url: $1\n    resend: 1s\n'));
    let child: ServedCli | undefined = serveCli(config, dir);
    try {
      await waitReady(child, `http://127.0.0.1:${port}`);
      await until('the alert in Alertmanager', async () => (await active()).length === 1);
      await stopCli(child);
      child = serveCli(config, dir);
      await waitReady(child, `http://127.0.0.1:${port}`);
      // Past the 4 resends after which Alertmanager would resolve what it stopped hearing of.
      await sleep(6000);
      expect(await active(), 'still firing in Alertmanager after the restart').to.have.length(1);
      expect(child.output(), 'the restored alert is not notified again').not.to.include('notification delivered');
    } finally {
      await killCli(child);
      await source.close();
    }
  });
});
