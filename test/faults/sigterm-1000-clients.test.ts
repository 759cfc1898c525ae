/**
 * Fault: the operator stops the real `rtdash serve` (SIGTERM) while 1,000 clients watch. Every client gets
 * close code 1001 (the server is going away), none lost an update or got one twice before that, and the
 * process exits 0 within a few seconds.
 */
import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledDashboardDir } from '../../core/paths.js';
import { connect, type TestClient } from '../support/ws-client.js';
import { contiguousSeqs } from '../support/seq-check.js';
import { streamGauges } from '../support/server-metrics.js';
import { killCli, serveCli, waitReady, type ServedCli } from '../support/served-cli.js';
import { freePort } from '../support/tcp-proxy.js';

const CLIENTS = 1000;
const BATCH = 100;

describe('fault: SIGTERM with 1,000 clients', function () {
  this.timeout(40_000);
  let dir: string;
  let cli: ServedCli | undefined;
  afterEach(async () => {
    await killCli(cli);
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes every client with 1001 and exits 0 promptly', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-sigterm-'));
    mkdirSync(join(dir, 'dashboards'));
    copyFileSync(join(bundledDashboardDir, 'demo.yaml'), join(dir, 'dashboards', 'demo.yaml'));
    const port = await freePort();
    writeFileSync(
      join(dir, 'config.yaml'),
      `server:\n  host: 127.0.0.1\n  port: ${port}\n  limits:\n    max_connections_per_ip: ${CLIENTS + 100}\n` +
        'datasources:\n  demo: { type: demo }\ndashboards:\n  dir: dashboards\n  watch: false\nstorage:\n  dir: data\nlog:\n  level: warn\n',
    );
    cli = serveCli('config.yaml', dir);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(cli, url);

    const clients: TestClient[] = [];
    for (let i = 0; i < CLIENTS; i += BATCH) {
      const batch = await Promise.all(Array.from({ length: BATCH }, () => connect(`ws://127.0.0.1:${port}/ws`)));
      for (const c of batch) c.send({ type: 'subscribe', dashboard: 'demo' });
      await Promise.all(batch.map((c) => c.nextOf('snapshot', 10_000)));
      clients.push(...batch);
    }
    expect(await streamGauges(url)).to.include({ connections: CLIENTS, viewers: CLIENTS });
    // Every client is receiving updates when the signal comes.
    await Promise.all(clients.map((c) => c.nextOf('update', 10_000)));

    const started = Date.now();
    cli.process.kill('SIGTERM');
    const codes = await Promise.all(clients.map((c) => c.closed));
    const [exitCode] = (await cli.exited) as [number | null];
    const took = Date.now() - started;

    const byCode: Record<number, number> = {};
    for (const code of codes) byCode[code] = (byCode[code] ?? 0) + 1;
    expect(byCode).to.deep.equal({ 1001: CLIENTS });
    expect(exitCode).to.equal(0);
    expect(took).to.be.below(5000);
    for (const c of clients) contiguousSeqs(c.messages);
    expect(cli.output()).to.not.match(/"level":(50|60)/);
  });
});
