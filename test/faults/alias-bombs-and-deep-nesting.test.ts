/**
 * Fault matrix, "alias bombs and deep nesting": a dashboard or config file built to blow up the YAML parser
 * (a "billion laughs" alias bomb, 5,000 nested brackets) is refused quickly with file:line:column, by the
 * real CLI and by a running server that reloads it: the server keeps serving its other dashboards.
 * (YamlFile's own limits are tested beside it, in core/config/yaml-file.test.ts.)
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { startTestServer, testDashboard, type TestServer } from '../support/test-server.js';

const BIN = join(packageRoot, 'dist', 'bin', 'rtdash.js');

const BOMB = [
  'id: bomb',
  'title: Bomb',
  'description: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  'layout: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'refresh: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'variables: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'widgets: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
  'alerts: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
].join('\n');
const BOMB_PROBLEM = 'bomb.yaml:7:14: alias *d expands the document past 10000 nodes';
const DEEP = `id: deep\ntitle: Deep\ndescription: ${'['.repeat(5000)}\n`;
const DEEP_PROBLEM = 'deep.yaml:3:77: nesting is deeper than 64 levels';

describe('fault: alias bombs and deep nesting', function () {
  this.timeout(30_000);

  it('rtdash validate refuses both at once, naming file:line:column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtdash-bomb-'));
    try {
      mkdirSync(join(dir, 'dashboards'));
      writeFileSync(join(dir, 'dashboards', 'bomb.yaml'), BOMB);
      writeFileSync(join(dir, 'dashboards', 'deep.yaml'), DEEP);
      writeFileSync(join(dir, 'config.yaml'), 'server: { port: 0 }\ndashboards: { dir: dashboards }\n');
      const started = Date.now();
      const r = spawnSync(process.execPath, [BIN, 'validate', 'dashboards'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
      expect(r.status).to.equal(1);
      expect(r.stdout + r.stderr).to.include(`dashboards/${BOMB_PROBLEM}`).and.include(`dashboards/${DEEP_PROBLEM}`);
      expect(Date.now() - started).to.be.below(10_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a running server refuses them on reload and keeps serving its other dashboards', async () => {
    const t: TestServer = await startTestServer({ 'ok.yaml': testDashboard('ok', { a: { behave: 'counter' } }) }, {}, false, { adminTokens: ['alias-bomb-admin'] });
    try {
      t.write('bomb.yaml', BOMB);
      t.write('deep.yaml', DEEP);
      await t.server.store.reload();
      const ready = (await (await fetch(`${t.server.url}/readyz`, { headers: { Authorization: 'Bearer alias-bomb-admin' } })).json()) as { dashboards: number; problems: string[] };
      expect(ready.dashboards).to.equal(1);
      expect(ready.problems.filter((p) => p.includes(BOMB_PROBLEM) || p.includes(DEEP_PROBLEM)), ready.problems.join('\n')).to.have.length(2);
      expect((await fetch(`${t.server.url}/api/dashboards/ok`)).status).to.equal(200);
      expect((await fetch(`${t.server.url}/api/dashboards/bomb`)).status).to.equal(404);
    } finally {
      await t.stop();
    }
  });
});
