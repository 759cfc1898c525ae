/**
 * The package as shipped: `npm pack`, installed into an empty folder from the tarball (its dependencies from the
 * registry), then what a new user runs there: `npx rtdash init`, `validate`, `serve` (its own config, and the
 * packaged config.example.yaml with its example dashboards), and `plugin new`, whose tests pass against the
 * installed package. Skipped in one line when the npm registry cannot be reached (failed under CI).
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';
import { killCli, spawnServer, waitReady, type ServedCli } from './support/served-cli.js';
import { freePort } from './support/tcp-proxy.js';

const npm = (args: string[], cwd: string, timeout = 240_000) => spawnSync('npm', args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });

/**
 * `rtdash serve ARGS` in `cwd` through the package's installed bin link, what `npx rtdash` runs (run directly, the
 * server is the one process a kill stops; npx would leave it running as an orphan).
 */
const serveInstalled = (cwd: string, args: string[]): ServedCli => spawnServer(join(cwd, 'node_modules', '.bin', 'rtdash'), ['serve', ...args], cwd);

describe('the npm package, installed from its tarball', function () {
  this.timeout(600_000);
  let dir: string;
  let app: string;
  let child: ServedCli | undefined;

  before(function () {
    const ping = npm(['ping'], packageRoot, 20_000);
    if (ping.status !== 0) {
      if (process.env.CI) throw new Error(`the npm registry is not reachable, and CI is set: ${ping.stderr}`);
      console.log('      (skipped: the npm registry is not reachable)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'rtdash-package-'));
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: packageRoot, encoding: 'utf8' }).trim().split('\n').pop()!;
    app = join(dir, 'app');
    mkdirSync(app);
    expect(npm(['init', '-y'], app).status).to.equal(0);
    const installed = npm(['install', join(dir, packed)], app);
    expect(installed.status, installed.stderr).to.equal(0);
  });
  afterEach(async () => {
    await killCli(child);
    child = undefined;
  });
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('ships no tests or benchmarks, and the files a user needs', () => {
    const root = join(app, 'node_modules', 'rtdash');
    for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md', 'config.example.yaml', 'dashboards/examples/demo.yaml', 'dashboards/examples/redis.yaml', 'core/schemas/config.schema.json']) {
      expect(() => readFileSync(join(root, file)), file).not.to.throw();
    }
    const listed = spawnSync('find', [join(root, 'dist'), '-name', '*.test.js'], { encoding: 'utf8' }).stdout.trim();
    expect(listed, 'test files in the package').to.equal('');
    expect(() => readFileSync(join(root, 'dist', 'bench', 'run.js')), 'the benchmarks').to.throw();
  });

  it('init, validate and serve work as the README says, and so does the packaged example config', async () => {
    const init = spawnSync('npx', ['rtdash', 'init'], { cwd: app, encoding: 'utf8' });
    expect(init.status, init.stderr).to.equal(0);
    expect(init.stdout).to.include('Next: cd . && npx rtdash serve');
    expect(init.stdout).not.to.include('npm link');
    const validate = spawnSync('npx', ['rtdash', 'validate'], { cwd: app, encoding: 'utf8' });
    expect(validate.status, `${validate.stdout}${validate.stderr}`).to.equal(0);

    let port = await freePort();
    child = serveInstalled(app, ['--port', String(port)]);
    await waitReady(child, `http://127.0.0.1:${port}`);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).to.deep.equal({ status: 'ok' });
    await killCli(child);

    port = await freePort();
    child = serveInstalled(app, ['--config', 'node_modules/rtdash/config.example.yaml', '--port', String(port)]);
    await waitReady(child, `http://127.0.0.1:${port}`);
    const ids = ((await (await fetch(`http://127.0.0.1:${port}/api/dashboards`)).json()) as { id: string }[]).map((d) => d.id);
    expect(ids, child.output()).to.include.members(['demo', 'system']);
    expect(ids).to.have.length(6);
  });

  it('plugin new writes a plugin whose tests pass against the installed package', () => {
    const made = spawnSync('npx', ['rtdash', 'plugin', 'new', 'acme'], { cwd: app, encoding: 'utf8' });
    expect(made.status, made.stderr).to.equal(0);
    const manifest = JSON.parse(readFileSync(join(app, 'acme', 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(manifest.devDependencies['rtdash']).to.equal('file:../node_modules/rtdash');
    const install = npm(['install'], join(app, 'acme'));
    expect(install.status, install.stderr).to.equal(0);
    const test = npm(['test'], join(app, 'acme'));
    expect(test.status, `${test.stdout}${test.stderr}`).to.equal(0);
    expect(test.stdout).to.match(/\d+ passing/);
  });
});
