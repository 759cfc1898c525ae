/**
 * Fault matrix: a plugin rejects a promise nobody awaits and throws from its own timer. The real `rtdash serve`
 * keeps serving: a viewer of another dashboard goes on receiving every update, in order, the plugin's source is
 * down in /api/datasources and its widget says why, and the log names the plugin.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/tcp-proxy.js';
import { serveCli, stopCli, killCli, until, waitReady, type ServedCli } from '../support/served-cli.js';
import { connect, type Message } from '../support/ws-client.js';

/** Answers its first query, then fails twice outside any query: an unawaited rejection and a throwing timer. */
const STRAY_TS = `import { definePlugin, type Frame } from 'rtdash';

export default definePlugin({
  type: 'stray',
  description: 'Fails outside its queries',
  optionsSchema: { type: 'object' },
  querySchema: { type: 'string' },
  create() {
    let armed = false;
    return {
      async query(_q: unknown, { range }: { range: { to: number } }): Promise<Frame> {
        if (!armed) {
          armed = true;
          void Promise.reject(new Error('stray rejection from the plugin'));
          setTimeout(() => { throw new Error('stray timer from the plugin'); }, 200);
        }
        return { fields: [{ name: 'time', type: 'time', values: [range.to] }, { name: 'v', type: 'number', values: [1] }] };
      },
      async health() { return { status: 'ok' }; },
    };
  },
});
`;

interface Update {
  w: string;
  seq: number;
  status: string;
  error?: { code: string; message: string };
}

describe('fault: a plugin rejects a promise nobody awaits and throws from a timer', function () {
  this.timeout(40_000);
  let dir: string;
  let cli: ServedCli | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-stray-'));
    mkdirSync(join(dir, 'dashboards'));
    writeFileSync(join(dir, 'stray.ts'), STRAY_TS);
    writeFileSync(join(dir, 'dashboards', 'fine.yaml'), 'id: fine\ntitle: Fine\nwidgets:\n  - { id: users, title: Users, type: stat, source: demo, query: active_users, every: 100ms }\n');
    writeFileSync(join(dir, 'dashboards', 'stray.yaml'), 'id: stray\ntitle: Stray\nwidgets:\n  - { id: s, title: S, type: stat, source: strayed, query: x, every: 100ms }\n');
  });
  after(async () => {
    await killCli(cli);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps serving the other dashboards and marks the plugin’s source down', async () => {
    const port = await freePort();
    writeFileSync(
      join(dir, 'config.yaml'),
      `server: { host: 127.0.0.1, port: ${port} }\nplugins: [./stray.ts]\ndatasources:\n  demo: { type: demo }\n  strayed: { type: stray }\ndashboards: { dir: dashboards, watch: false }\nlog: { level: info }\n`,
    );
    cli = serveCli('config.yaml', dir);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(cli, url);

    const viewer = await connect(`ws://127.0.0.1:${port}/ws`);
    viewer.send({ type: 'subscribe', dashboard: 'fine' });
    await viewer.nextOf('snapshot');
    const trigger = await connect(`ws://127.0.0.1:${port}/ws`);
    trigger.send({ type: 'subscribe', dashboard: 'stray' });

    const contained = () => cli!.logs().filter((l) => l.plugin === 'stray' && l.level === 50);
    await until('both stray failures to be logged with the plugin’s name', () => contained().length === 2);
    expect(contained().map((l) => l.kind).sort()).to.deep.equal(['uncaught exception', 'unhandled rejection']);
    expect(contained()[0]!.sources).to.deep.equal(['strayed']);
    expect(contained()[0]!.msg).to.match(/plugin "stray" failed outside a query/);

    // The viewer of the other dashboard goes on: fresh updates after the failures, every seq one more than the last.
    const seen = viewer.messages.length;
    await until('the viewer to get 5 more updates', () => viewer.messages.slice(seen).filter((m) => m.type === 'update').length >= 5);
    const seqs = viewer.messages.filter((m) => m.type === 'update').flatMap((m) => (m.updates as Update[]).filter((u) => u.w === 'users').map((u) => u.seq));
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1), `seqs ${seqs.join(',')}`).to.equal(true);
    expect(viewer.closeCode).to.equal(undefined);

    // The plugin's widget says why it stopped, and so does /api/datasources.
    const failedEntry = (m: Message) => m.type === 'update' ? (m.updates as Update[]).find((u) => u.w === 's' && u.status === 'error') : undefined;
    expect(failedEntry(await trigger.next((m) => failedEntry(m) !== undefined))!.error!.code).to.equal('RTDASH_PLUGIN_FAILED');
    const health = (await (await fetch(`${url}/api/datasources`)).json()) as { name: string; health: { status: string; message?: string } }[];
    expect(health.find((h) => h.name === 'strayed')!.health.status).to.equal('down');
    expect(health.find((h) => h.name === 'demo')!.health.status).to.equal('ok');

    await viewer.close();
    await trigger.close();
    await stopCli(cli);
    expect(cli.process.exitCode).to.equal(0);
  });
});
