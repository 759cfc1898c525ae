/**
 * Fault row "a server starts with rules that compare to an earlier window" (`offset`): the offset window has no
 * history yet, which is not missing data. A real server and a real webhook receiver: nothing is notified, the
 * alert does not show as nodata, and its state says why it is not judged yet.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { httpReceiver, type HttpReceiver } from '../../core/alerts/notifiers/testing.js';
import { levelDashboard } from '../support/alert-dashboard.js';
import { until } from '../support/served-cli.js';
import { levels } from '../support/test-plugin.js';
import { sleep, startTestServer, type TestServer } from '../support/test-server.js';

describe('fault: a start with alert rules on an offset window', function () {
  this.timeout(30_000);
  let receiver: HttpReceiver;
  let server: TestServer | undefined;
  let data: string;
  beforeEach(async () => {
    data = mkdtempSync(join(tmpdir(), 'rtdash-offset-'));
    receiver = await httpReceiver();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await receiver.close();
    levels.delete('offset');
    rmSync(data, { recursive: true, force: true });
  });

  it('neither notifies "(no data)" nor shows nodata, and says the window is not judged yet', async () => {
    levels.set('offset', 3);
    server = await startTestServer({ 'offset.yaml': levelDashboard('offset', 'when: "last() > 2 * avg(1m offset 1h)"\nnotify: [hook]') }, {}, false, {
      notifiers: { hook: { type: 'webhook', timeoutMs: 2000, options: { url: receiver.url } } },
      storageDir: data,
    });
    const saved = () => {
      try {
        return (JSON.parse(readFileSync(join(data, 'alerts.json'), 'utf8')) as { alerts: Record<string, Record<string, { state: string; reason?: string }>> }).alerts['offset-high']?.[''];
      } catch {
        return undefined;
      }
    };
    await until('the rule to be evaluated and saved', () => saved() !== undefined, 10_000);
    await sleep(1500); // many evaluations (every 100 ms)
    expect(receiver.requests.map((r) => r.body), 'notifications').to.deep.equal([]);
    const listed = (await (await fetch(`${server.server.url}/api/alerts`)).json()) as { state: string }[];
    expect(listed, 'the alerts listed').to.deep.equal([]);
    expect(saved()?.state).to.equal('ok');
    expect(saved()?.reason).to.match(/^not judged yet: avg\(1m offset 1h\) reaches back before the data begins \(judged from about \S+\)$/);
  });
});
