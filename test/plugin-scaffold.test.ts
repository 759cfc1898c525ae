/** `rtdash plugin new` and `rtdash notifier new`: each scaffold's own tests pass as written, and rtdash loads it. */
import { expect } from 'chai';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServerConfig } from '../core/config/index.js';
import { silentLogger } from '../core/logger.js';
import { packageRoot } from '../core/paths.js';
import { startServer } from '../core/server.js';
import { builtinPlugins } from '../plugins/builtin.js';
import { connect } from './support/ws-client.js';

const BIN = join(packageRoot, 'dist', 'bin', 'rtdash.js');

/**
 * Does what `npm install && npm test` does in a scaffolded plugin, with the dependencies linked from
 * this checkout so the test needs no network; asserts both steps succeed and returns mocha's run.
 */
function buildAndTest(plugin: string): SpawnSyncReturns<string> {
  mkdirSync(join(plugin, 'node_modules', '@types'), { recursive: true });
  symlinkSync(packageRoot, join(plugin, 'node_modules', 'rtdash'));
  for (const dep of ['typescript', 'mocha', '@types/mocha', '@types/node']) symlinkSync(join(packageRoot, 'node_modules', dep), join(plugin, 'node_modules', dep));
  const tsc = spawnSync(process.execPath, [join(plugin, 'node_modules', 'typescript', 'bin', 'tsc')], { cwd: plugin, encoding: 'utf8' });
  expect(tsc.status, tsc.stdout + tsc.stderr).to.equal(0);
  // As `npm test` runs it: mocha with the scaffold's own .mocharc.json, not one of a folder around it.
  const mocha = spawnSync(process.execPath, [join(plugin, 'node_modules', 'mocha', 'bin', 'mocha.js')], { cwd: plugin, encoding: 'utf8' });
  expect(mocha.status, mocha.stdout + mocha.stderr).to.equal(0);
  return mocha;
}

describe('rtdash plugin new', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-scaffold-'));
    // Made inside a project with a mocha config of its own (as inside an rtdash checkout), its tests still run.
    writeFileSync(join(dir, '.mocharc.json'), '{ "require": ["does-not-exist.js"] }\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a plugin whose own tests pass, and that a server loads from config.yaml', async () => {
    const made = spawnSync(process.execPath, [BIN, 'plugin', 'new', 'acme'], { cwd: dir, encoding: 'utf8' });
    expect(made.status, made.stderr).to.equal(0);
    const plugin = join(dir, 'acme');
    const mocha = buildAndTest(plugin);
    expect(mocha.stdout).to.match(/\d+ passing/).and.not.match(/failing/);

    mkdirSync(join(dir, 'dashboards'));
    writeFileSync(join(dir, 'dashboards', 'acme.yaml'), readFileSync(join(plugin, 'example.yaml')));
    writeFileSync(join(dir, 'config.yaml'), 'plugins: [./acme/acme.ts]\ndatasources:\n  acme: { type: acme, offset: 100 }\ndashboards: { dir: dashboards }\n');
    const validate = spawnSync(process.execPath, [BIN, 'validate'], { cwd: dir, encoding: 'utf8' });
    expect(validate.status, validate.stderr).to.equal(0);
    const server = await startServer(await loadServerConfig(join(dir, 'config.yaml')), { plugins: builtinPlugins, logger: silentLogger(), port: 0 });
    try {
      const c = await connect(server.url.replace('http', 'ws') + '/ws');
      c.send({ type: 'subscribe', dashboard: 'acme-example', vars: { scale: '10' } });
      await c.nextOf('snapshot');
      const [entry] = (await c.nextOf('update')).updates as { status: string; frame: { fields: { values: number[] }[] } }[];
      expect(entry!.status).to.equal('ok');
      for (const v of entry!.frame.fields[1]!.values) expect(v).to.be.within(90, 110);
      await c.close();
    } finally {
      await server.close();
    }
  });

  it('refuses a name that cannot be a plugin type and a folder that is not empty', () => {
    const bad = spawnSync(process.execPath, [BIN, 'plugin', 'new', 'Acme Corp'], { cwd: dir, encoding: 'utf8' });
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.include('NAME must be lowercase letters, digits and -');
    const taken = spawnSync(process.execPath, [BIN, 'plugin', 'new', 'acme'], { cwd: dir, encoding: 'utf8' });
    expect(taken.status).to.equal(1);
    expect(taken.stderr).to.include('exists and is not empty');
  });
});

/** The fenced blocks of a Markdown file, with their language. */
function blocks(file: string): { lang: string; text: string }[] {
  const out: { lang: string; text: string }[] = [];
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (let m; (m = re.exec(readFileSync(file, 'utf8'))); ) out.push({ lang: m[1]!, text: m[2]! });
  return out;
}

describe('the plugin tutorial in docs/plugins.md', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-tutorial-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('works as written: scaffold, replace the files, test, validate, serve', async () => {
    const doc = blocks(join(packageRoot, 'docs', 'plugins.md'));
    const made = spawnSync(process.execPath, [BIN, 'plugin', 'new', 'folder-stats', join(dir, 'folder-stats')], { encoding: 'utf8' });
    expect(made.status, made.stderr).to.equal(0);
    const plugin = join(dir, 'folder-stats');
    const sources = doc.filter((b) => b.lang === 'ts' && /^\/\/ [\w.-]+\.ts\n/.test(b.text));
    expect(sources.map((b) => b.text.split('\n')[0])).to.deep.equal(['// folder-stats.ts', '// folder-stats.test.ts']);
    for (const b of sources) writeFileSync(join(plugin, b.text.split('\n')[0]!.slice(3)), b.text);
    buildAndTest(plugin);

    const yamls = doc.filter((b) => b.lang === 'yaml');
    const config = yamls.find((b) => b.text.startsWith('plugins:'))!.text;
    const dashboard = yamls.find((b) => b.text.startsWith('id: uploads'))!.text;
    writeFileSync(join(dir, 'config.yaml'), config);
    mkdirSync(join(dir, 'dashboards'));
    writeFileSync(join(dir, 'dashboards', 'uploads.yaml'), dashboard);
    const validate = spawnSync(process.execPath, [BIN, 'validate', '--config', join(dir, 'config.yaml')], { encoding: 'utf8' });
    expect(validate.status, validate.stderr).to.equal(0);
    const server = await startServer(await loadServerConfig(join(dir, 'config.yaml')), { plugins: builtinPlugins, logger: silentLogger(), port: 0 });
    try {
      const c = await connect(server.url.replace('http', 'ws') + '/ws');
      c.send({ type: 'subscribe', dashboard: 'uploads' });
      await c.nextOf('snapshot');
      // Each widget's first run brings its data (in one update, or two when they finish in different turns).
      type Entry = { w: string; status: string; frame?: { fields: { name: string }[] } };
      const entries: Entry[] = [];
      while (new Set(entries.map((e) => e.w)).size < 2) entries.push(...((await c.nextOf('update')).updates as Entry[]));
      expect(entries.map((e) => e.status)).to.deep.equal(['ok', 'ok']);
      expect(entries[0]!.frame!.fields.map((f) => f.name)).to.deep.equal(['time', 'files', 'bytes']);
      await c.close();
    } finally {
      await server.close();
    }
  });
});


describe('rtdash notifier new', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-notifier-scaffold-'));
    writeFileSync(join(dir, '.mocharc.json'), '{ "require": ["does-not-exist.js"] }\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a notifier whose own tests pass, and that validate loads from config.yaml and checks', () => {
    const made = spawnSync(process.execPath, [BIN, 'notifier', 'new', 'pager-bot'], { cwd: dir, encoding: 'utf8' });
    expect(made.status, made.stderr).to.equal(0);
    const notifier = join(dir, 'pager-bot');
    const mocha = buildAndTest(notifier);
    expect(mocha.stdout).to.match(/2 passing/).and.not.match(/failing/);

    const config = (options: string) => `plugins: [./pager-bot/dist/pager-bot.js]\nnotifiers:\n  pager:\n    type: pager-bot\n${options}dashboards: { dir: dashboards }\n`;
    mkdirSync(join(dir, 'dashboards'));
    writeFileSync(join(dir, 'config.yaml'), config('    url: https://pager.example.com/hook\n'));
    const validate = spawnSync(process.execPath, [BIN, 'validate'], { cwd: dir, encoding: 'utf8' });
    expect(validate.status, validate.stdout + validate.stderr).to.equal(0);
    writeFileSync(join(dir, 'config.yaml'), config('    url: https://pager.example.com/hook\n    prefx: x\n'));
    const refused = spawnSync(process.execPath, [BIN, 'validate'], { cwd: dir, encoding: 'utf8' });
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.include('config.yaml:6:5: unknown key "prefx" in notifier "pager"; did you mean "prefix"?');
  });
});
