/**
 * Fault matrix: a plugin's create() never settles. The real `rtdash serve` still listens once the source's
 * `create_timeout` has passed: the source is out of service with an error that names the plugin, the source and
 * the setting, and the other dashboards are served.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/tcp-proxy.js';
import { killCli, serveCli, stopCli, waitReady, type ServedCli } from '../support/served-cli.js';
import { connect, type Message } from '../support/ws-client.js';

const HANGS_MJS = `export default {
  type: 'hangs', description: 'Never finishes creating a source', optionsSchema: { type: 'object' }, querySchema: { type: 'string' },
  create: () => new Promise(() => undefined),
};
`;

interface Update {
  w: string;
  status: string;
  error?: { code: string; message: string };
}

describe('fault: a plugin create() never settles', function () {
  this.timeout(40_000);
  let dir: string;
  let cli: ServedCli | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-hangs-'));
    mkdirSync(join(dir, 'dashboards'));
    writeFileSync(join(dir, 'hangs.mjs'), HANGS_MJS);
    writeFileSync(
      join(dir, 'dashboards', 'mixed.yaml'),
      'id: mixed\ntitle: Mixed\nwidgets:\n  - { id: users, title: Users, type: stat, source: demo, query: active_users, every: 100ms }\n  - { id: stuck, title: Stuck, type: stat, source: stuck, query: x, every: 100ms }\n',
    );
  });
  after(async () => {
    await killCli(cli);
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens after create_timeout, with the source failed and the rest served', async () => {
    const port = await freePort();
    writeFileSync(
      join(dir, 'config.yaml'),
      `server: { host: 127.0.0.1, port: ${port} }\nplugins: [./hangs.mjs]\ndatasources:\n  demo: { type: demo }\n  stuck: { type: hangs, create_timeout: 1s }\ndashboards: { dir: dashboards, watch: false }\nlog: { level: info }\n`,
    );
    const started = Date.now();
    cli = serveCli('config.yaml', dir);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(cli, url, 15_000);
    expect(Date.now() - started).to.be.below(10_000);
    const logged = cli.logs().find((l) => l.source === 'stuck' && l.level === 50);
    expect(logged?.msg).to.match(/plugin "hangs" did not finish creating source "stuck" within 1000 ms \(create_timeout\)/);

    const health = (await (await fetch(`${url}/api/datasources`)).json()) as { name: string; health: { status: string; message?: string } }[];
    expect(health.find((h) => h.name === 'stuck')!.health.status).to.equal('down');
    expect(health.find((h) => h.name === 'demo')!.health.status).to.equal('ok');

    const viewer = await connect(`ws://127.0.0.1:${port}/ws`);
    viewer.send({ type: 'subscribe', dashboard: 'mixed' });
    // A widget's state comes in the snapshot or in a later update, whichever its first run beat.
    const entryOf = (m: Message, w: string, status: string) =>
      ((m.type === 'snapshot' ? m.widgets : m.type === 'update' ? m.updates : []) as Update[]).find((u) => u.w === w && u.status === status);
    const stuck = entryOf(await viewer.next((m) => entryOf(m, 'stuck', 'error') !== undefined), 'stuck', 'error')!;
    expect(stuck.error!.code).to.equal('RTDASH_PLUGIN_FAILED');
    await viewer.next((m) => entryOf(m, 'users', 'ok') !== undefined);
    await viewer.close();
    await stopCli(cli);
    expect(cli.process.exitCode).to.equal(0);
  });
});
