/**
 * Fault matrix: MariaDB goes away long enough for its widget to back off (1, 2, 4, then 8 s), then comes back.
 * The widget recovers within about a second of the server answering again, not when the back-off ends: the
 * job probes the source's health on its skipped ticks. The outage is a proxy in front of the shared MariaDB
 * being cut, so the shared server itself is never touched.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICES, needService } from '../support/services.js';
import { killCli, serveCli, stopCli, until, waitReady, type ServedCli } from '../support/served-cli.js';
import { TcpProxy, freePort } from '../support/tcp-proxy.js';
import { connect, type Message } from '../support/ws-client.js';

interface Update {
  w: string;
  status: string;
}

describe('fault: MariaDB away long enough to back off, then back', function () {
  this.timeout(60_000);
  let dir: string;
  let cli: ServedCli | undefined;
  let proxy: TcpProxy | undefined;

  before(async function () {
    await needService(this, 'mysql');
    dir = mkdtempSync(join(tmpdir(), 'rtdash-mysql-back-'));
    mkdirSync(join(dir, 'dashboards'));
    writeFileSync(join(dir, 'dashboards', 'db.yaml'), 'id: db\ntitle: DB\nwidgets:\n  - { id: one, title: One, type: stat, source: db, query: "SELECT 1 AS v", every: 1s }\n');
  });
  after(async () => {
    await killCli(cli);
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows data again within about a second of the server answering', async () => {
    proxy = await TcpProxy.onFreePort(SERVICES.mysql);
    await proxy.open();
    const port = await freePort();
    writeFileSync(
      join(dir, 'config.yaml'),
      `server: { host: 127.0.0.1, port: ${port} }\ndatasources:\n  db: { type: mysql, url: "mysql://root@127.0.0.1:${proxy.port}/test" }\ndashboards: { dir: dashboards, watch: false }\nlog: { level: warn }\n`,
    );
    cli = serveCli('config.yaml', dir);
    await waitReady(cli, `http://127.0.0.1:${port}`);
    const viewer = await connect(`ws://127.0.0.1:${port}/ws`);
    viewer.send({ type: 'subscribe', dashboard: 'db' });
    const entry = (status: string) => (m: Message) => m.type === 'update' && (m.updates as Update[]).some((u) => u.w === 'one' && u.status === status);
    await viewer.next(entry('ok'));

    await proxy.close();
    await viewer.next(entry('error'), 5000);
    // The fourth failure in a row backs off for 8 s: the server comes back just after it.
    await until('the fourth failure in a row', () => cli!.logs().some((l) => l.msg === 'query failed' && l.failures === 4), 20_000);
    await proxy.open();
    const back = Date.now();
    await viewer.next(entry('ok'), 10_000);
    expect(Date.now() - back).to.be.below(2500);
    await viewer.close();
    await stopCli(cli);
  });
});
