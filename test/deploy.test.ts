/**
 * The deployment files as shipped in deploy/. No container runtime runs here, so the image is not built: its
 * entrypoint runs directly, with the environment a container gives it (config found or not, SIGTERM ending it
 * cleanly); the Dockerfile's COPY sources are checked against a built tree; the compose file's config and
 * dashboards pass `rtdash validate`; the systemd unit passes `systemd-analyze verify`.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';
import { SERVER_NODE_FLAGS } from '../core/runtime-flags.js';
import { findBinary, needBinaries } from './support/private-process.js';
import { killCli, spawnServer, waitReady, type ServedCli } from './support/served-cli.js';
import { freePort } from './support/tcp-proxy.js';

const DEPLOY = join(packageRoot, 'deploy');

/** The container's entrypoint, run directly with the environment a container would give it. */
const entrypoint = (env: Record<string, string>): ServedCli => spawnServer('sh', [join(DEPLOY, 'entrypoint.sh')], undefined, { RTDASH_APP: packageRoot, RTDASH_HOST: '127.0.0.1', ...env });

describe('deploy/', function () {
  this.timeout(60_000);
  let dir: string;
  let child: ServedCli | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-deploy-'));
  });
  afterEach(async () => {
    await killCli(child);
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('entrypoint: serves the mounted config on RTDASH_HOST and PORT, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'config.yaml'), 'server:\n  port: ${PORT:-8080}\ndatasources:\n  demo:\n    type: demo\ndashboards:\n  dir: ./dashboards\n');
    child = entrypoint({ RTDASH_CONFIG: join(dir, 'config.yaml'), PORT: String(port) });
    await waitReady(child, `http://127.0.0.1:${port}`);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).to.deep.equal({ status: 'ok' });
    // The shell exec'd node itself, with the server's flags.
    const argv = readFileSync(`/proc/${child.process.pid}/cmdline`, 'utf8').split('\0');
    expect(argv, 'the server process').to.include.members([...SERVER_NODE_FLAGS]);
    child.process.kill('SIGTERM');
    const [code] = (await child.exited) as [number | null];
    expect(code, child.output()).to.equal(0);
  });

  it('entrypoint: without a config, says so and serves the bundled demo', async () => {
    const port = await freePort();
    child = entrypoint({ RTDASH_CONFIG: join(dir, 'missing.yaml'), PORT: String(port) });
    await waitReady(child, `http://127.0.0.1:${port}`);
    const ids = ((await (await fetch(`http://127.0.0.1:${port}/api/dashboards`)).json()) as { id: string }[]).map((d) => d.id);
    expect(ids).to.include('demo');
    expect(child.output()).to.include(`no config at ${join(dir, 'missing.yaml')}`);
  });

  it('entrypoint: runs any other command of the CLI', () => {
    const r = spawnSync('sh', [join(DEPLOY, 'entrypoint.sh'), 'validate', join(packageRoot, 'dashboards')], { env: { ...process.env, RTDASH_APP: packageRoot }, encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).to.equal(0);
  });

  it('Dockerfile: copies what a built tree has, runs as a user of its own, with a health check', () => {
    const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    const sources = [...text.matchAll(/^COPY --from=build (.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/)).map((s) => s.replace(/^\/src\//, ''));
    expect(sources.length).to.be.above(5);
    for (const source of sources) expect(existsSync(join(packageRoot, source)), source).to.equal(true);
    expect(existsSync(join(packageRoot, 'deploy', 'entrypoint.sh'))).to.equal(true);
    expect(text).to.match(/^USER node$/m).and.match(/^HEALTHCHECK /m).and.match(/^STOPSIGNAL SIGTERM$/m).and.match(/^FROM .* AS build$/m);
  });

  it('compose: its config and dashboards pass rtdash validate', () => {
    const r = spawnSync(process.execPath, [join(packageRoot, 'dist', 'bin', 'rtdash.js'), 'validate', '--config', join(DEPLOY, 'compose', 'config.yaml'), join(DEPLOY, 'compose', 'dashboards')], {
      env: { ...process.env, RTDASH_ADMIN_TOKEN: 'x'.repeat(40), SHOP_POSTGRES_URL: 'postgres://rtdash:rtdash@postgres:5432/rtdash' },
      encoding: 'utf8',
    });
    expect(r.status, `${r.stdout}${r.stderr}`).to.equal(0);
  });

  it('npm start and the systemd unit start node with the server\'s flags, as the entrypoint does', () => {
    const start = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start']!;
    const execStart = /^ExecStart=(.*)$/m.exec(readFileSync(join(DEPLOY, 'rtdash.service'), 'utf8'))![1]!;
    for (const command of [start, execStart]) {
      const words = command.split(/\s+/);
      const script = words.findIndex((w) => w.endsWith('rtdash.js'));
      expect(words.slice(1, script), command).to.include.members([...SERVER_NODE_FLAGS]);
    }
  });

  it('rtdash.service: passes systemd-analyze verify', function () {
    const analyze = findBinary('systemd-analyze', '/usr/bin/systemd-analyze');
    needBinaries(this, analyze === undefined ? 'systemd-analyze (apt-get install systemd)' : undefined);
    // The unit names /opt/rtdash and /usr/bin/node, as installed; verify needs them to exist, so this tree and this node stand in.
    const unit = join(dir, 'rtdash.service');
    writeFileSync(unit, readFileSync(join(DEPLOY, 'rtdash.service'), 'utf8').replaceAll('/opt/rtdash', packageRoot).replace('/usr/bin/node', process.execPath));
    const r = spawnSync(analyze!, ['verify', unit], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.trim(), 'systemd-analyze verify').to.equal('');
    expect(r.status).to.equal(0);
  });
});
