/** The `rtdash` command as a user runs it: a real process, real files, real signals. */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';
import { connect } from './support/ws-client.js';
import { servingUrl } from './support/serving.js';

const BIN = join(packageRoot, 'dist', 'bin', 'rtdash.js');
const run = (args: string[], cwd = packageRoot) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, LOG_FORMAT: 'json' } });

describe('rtdash CLI', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints --help and --version for the program and every command', function () {
    // Fifteen node processes one after the other: seconds each on a machine busy with the other test files.
    this.timeout(60_000);
    const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect(run(['--version']).stdout.trim()).to.equal(version);
    for (const command of ['serve', 'validate', 'init', 'token', 'user']) {
      const help = run([command, '--help']);
      expect(help.status).to.equal(0);
      expect(help.stdout).to.match(new RegExp(`^Usage: rtdash ${command}`));
      expect(run([command, '--version']).stdout.trim()).to.equal(version);
    }
    expect(run(['--help']).stdout).to.include('rtdash validate').and.include('rtdash token create');
    // A command used wrongly exits 2; bad input (a config, a dashboard) exits 1.
    const unknown = run(['frobnicate']);
    expect(unknown.status).to.equal(2);
    expect(unknown.stderr).to.include('unknown command "frobnicate"');
    const option = run(['serve', '--prot', '8081']);
    expect(option.status).to.equal(2);
    expect(option.stderr).to.include('unknown or incomplete option "--prot"; did you mean "--port"?');
    expect(run(['serve', '--port', 'eighty']).status).to.equal(2);
    expect(run([]).status).to.equal(2);
  });

  it('validate exits 0 with a summary on the bundled dashboards', () => {
    const result = run(['validate', 'dashboards/']);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^ok: 2 dashboards valid/);
  });

  it('validate exits 1 with one file:line:col line per problem', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'id: broken\ntitle: Broken\nwidgets:\n  - id: a\n    title: A\n    type: pie\n    source: demo\n    query: revenue\n    evry: 1s\n');
    const result = run(['validate', file]);
    expect(result.status).to.equal(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).to.include(`${file}:6:11: "type" must be one of line, area, bar, stat, gauge, table, alerts, text; got "pie"`);
    expect(lines.some((l) => l.startsWith(`${file}:9:5: unknown key "evry"`) && l.includes('did you mean "every"?'))).to.equal(true);
    expect(lines.at(-1)).to.equal('2 problems found');
  });

  it('validate reports alert rule problems in dashboards and in the alerts folder', () => {
    mkdirSync(join(dir, 'dashboards'));
    mkdirSync(join(dir, 'alerts'));
    writeFileSync(join(dir, 'config.yaml'), 'datasources: { demo: { type: demo } }\nnotifiers: { ops: { type: slack, url: "https://hooks.example.com/x" } }\n');
    const board = join(dir, 'dashboards', 'shop.yaml');
    writeFileSync(board, 'id: shop\ntitle: Shop\nwidgets:\n  - { id: revenue, type: line, source: demo, query: { metric: revenue }, y: [revenue] }\nalerts:\n  - name: drop\n    widget: revenue\n    when: "avg(5m) < * 2"\n    notify: [opps]\n');
    const rules = join(dir, 'alerts', 'more.yaml');
    writeFileSync(rules, 'alerts:\n  - { name: drop, dashboard: shop, widget: revenue, when: "last() < 1" }\n');
    const result = run(['validate', '--config', join(dir, 'config.yaml')], dir);
    expect(result.status).to.equal(1);
    expect(result.stderr.trim().split('\n')).to.deep.equal([
      `${board}:8:22: "when" of alert "drop" does not parse: expected a number, a function such as avg(5m), or "(", found "*"`,
      `${board}:9:14: unknown notifier "opps" in alert "drop"; did you mean "ops"? (notifiers in config.yaml: ops)`,
      // The broken dashboard is not loaded, so the alert file cannot find it.
      `${rules}:2:30: unknown dashboard "shop" in alert "drop" (loaded dashboards: (none))`,
      '3 problems found',
    ]);
    writeFileSync(board, 'id: shop\ntitle: Shop\nwidgets:\n  - { id: revenue, type: line, source: demo, query: { metric: revenue }, y: [revenue] }\nalerts:\n  - { name: drop, widget: revenue, when: "avg(5m) < 2" }\n');
    const clash = run(['validate', '--config', join(dir, 'config.yaml')], dir);
    expect(clash.stderr.trim().split('\n')[0]).to.equal(`${rules}:2:13: alert rule name "drop" is already used at ${board}:6:13; rule names must be unique across dashboards and alert files`);
  });

  it('init writes a config and a dashboard that validate, and never overwrites', () => {
    const first = run(['init', dir]);
    expect(first.status).to.equal(0);
    expect(first.stdout).to.include('created');
    const validate = run(['validate', '--config', join(dir, 'config.yaml')], dir);
    expect(validate.status, validate.stderr).to.equal(0);
    writeFileSync(join(dir, 'config.yaml'), '# mine\n');
    expect(run(['init', dir]).stdout).to.include('kept');
    expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).to.equal('# mine\n');
  });

  it('serve refuses a broken config with file:line:col and exit 1', () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'server:\n  prot: 8080\n');
    const result = run(['serve', '--config', file]);
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include(`${file}:2:3: unknown key "prot"`);
  });

  it('serve prints its URL, streams the demo, and shuts down on SIGTERM closing clients with 1001', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd: dir, env: { ...process.env, LOG_FORMAT: 'json' } });
    try {
      const url = await servingUrl(child);
      const client = await connect(url.replace('http', 'ws') + '/ws');
      client.send({ type: 'subscribe', dashboard: 'demo' });
      await client.nextOf('snapshot');
      await client.nextOf('update');
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const started = Date.now();
      child.kill('SIGTERM');
      expect(await client.closed).to.equal(1001);
      expect(await exited).to.equal(0);
      expect(Date.now() - started).to.be.below(5000);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
