/**
 * Reloading the way operators do it: a Kubernetes ConfigMap volume update (a new `..2026_…` folder, and a
 * `..data_tmp` link renamed over `..data`, through which every file links) is seen by the watcher; SIGHUP
 * reloads the dashboards of a server that does not watch. Both through `rtdash serve`, as deployed.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killCli, serveCli, until, waitReady, type ServedCli } from './support/served-cli.js';
import { freePort } from './support/tcp-proxy.js';

const board = (title: string) => `id: ops\ntitle: ${title}\nwidgets:\n  - { id: a, title: A, type: stat, source: demo, query: { metric: revenue }, every: 1s }\n`;

describe('reloading as operators do', function () {
  this.timeout(60_000);
  let dir: string;
  let child: ServedCli | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-reload-'));
  });
  afterEach(async () => {
    await killCli(child);
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(watch: boolean): Promise<string> {
    const port = await freePort();
    writeFileSync(join(dir, 'config.yaml'), `server:\n  port: ${port}\ndatasources:\n  demo:\n    type: demo\ndashboards:\n  dir: ./dashboards\n  watch: ${watch}\n`);
    child = serveCli(join(dir, 'config.yaml'), dir);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(child, url);
    return url;
  }
  const title = async (url: string) => ((await (await fetch(`${url}/api/dashboards/ops`)).json()) as { title: string }).title;

  it('follows a ConfigMap volume update: the ..data link swapped to a new folder', async () => {
    const volume = join(dir, 'dashboards');
    mkdirSync(join(volume, '..2026_12_07_10_00_00.1'), { recursive: true });
    writeFileSync(join(volume, '..2026_12_07_10_00_00.1', 'ops.yaml'), board('Before'));
    symlinkSync('..2026_12_07_10_00_00.1', join(volume, '..data'));
    symlinkSync('..data/ops.yaml', join(volume, 'ops.yaml'));
    const url = await serve(true);
    expect(await title(url)).to.equal('Before');
    // What kubelet's atomic writer does: the new folder, a temporary link to it, renamed over ..data, the old folder gone.
    mkdirSync(join(volume, '..2026_12_07_10_05_00.2'));
    writeFileSync(join(volume, '..2026_12_07_10_05_00.2', 'ops.yaml'), board('After'));
    symlinkSync('..2026_12_07_10_05_00.2', join(volume, '..data_tmp'));
    renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
    rmSync(join(volume, '..2026_12_07_10_00_00.1'), { recursive: true });
    await until('the dashboard to follow the swap', async () => (await title(url)) === 'After', 10_000);
  });

  it('reloads the dashboards on SIGHUP when it does not watch', async () => {
    mkdirSync(join(dir, 'dashboards'));
    writeFileSync(join(dir, 'dashboards', 'ops.yaml'), board('Before'));
    const url = await serve(false);
    writeFileSync(join(dir, 'dashboards', 'ops.yaml'), board('After'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await title(url), 'not watching: unchanged until told').to.equal('Before');
    child!.process.kill('SIGHUP');
    await until('the dashboard to reload on SIGHUP', async () => (await title(url)) === 'After', 10_000);
    await until('the reload to be logged', () => child!.logs().some((l) => l.msg === 'reloaded on SIGHUP'));
    expect(child!.process.exitCode, 'SIGHUP does not stop the server').to.equal(null);
  });
});
