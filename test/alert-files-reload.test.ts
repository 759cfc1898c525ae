/** The alerts folder (alerts.dir) hot-reloads like the dashboards folder, and POST /api/reload reads it too: a real server, real file edits. */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingLogger } from '../core/alerts/notifiers/testing.js';
import { levels } from './support/test-plugin.js';
import { startTestServer, testDashboard, until, type TestServer } from './support/test-server.js';

/** An alert file of rules that fire at once on the level of `tag` (set above 5). */
const ruleFile = (tag: string, ...names: string[]): string =>
  `alerts:\n${names.map((name) => `  - { name: ${name}, source: test, query: { behave: level, tag: ${tag} }, every: 100ms, when: "last() > 5" }\n`).join('')}`;

describe('alert files: hot reload and POST /api/reload', function () {
  this.timeout(20_000);
  let base: string;
  let alerts: string;
  let t: TestServer | undefined;
  const ruleNames = async (): Promise<string[]> => {
    const list = (await (await fetch(`${t!.server.url}/api/alerts`)).json()) as { rule: string }[];
    return [...new Set(list.map((a) => a.rule))].sort();
  };
  let names: string[] = [];
  const waitForRules = (expected: string[], what: string) =>
    until(() => JSON.stringify(names) === JSON.stringify(expected), 3000, what).catch((err: Error) => {
      throw new Error(`${err.message}: rules ${JSON.stringify(names)}`);
    });
  let polling: NodeJS.Timeout | undefined;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'rtdash-alert-files-'));
    alerts = join(base, 'alerts');
    mkdirSync(alerts);
    levels.set('filed', 9);
  });
  afterEach(async () => {
    clearInterval(polling);
    await t?.stop();
    t = undefined;
    names = [];
    levels.delete('filed');
    rmSync(base, { recursive: true, force: true });
  });
  const poll = () => {
    polling = setInterval(() => void ruleNames().then((n) => (names = n), () => undefined), 50);
  };

  it('applies a saved change within a second, keeps the last good version of a broken file and logs it at file:line:col', async () => {
    writeFileSync(join(alerts, 'rules.yaml'), ruleFile('filed', 'file-a'));
    const logger = recordingLogger();
    t = await startTestServer({ 'd.yaml': testDashboard('d', { a: { behave: 'counter', tag: 'd' } }) }, {}, true, { alertsDir: alerts, logger });
    poll();
    await waitForRules(['file-a'], 'the rule of the file at start');

    writeFileSync(join(alerts, 'rules.yaml'), ruleFile('filed', 'file-b'));
    await waitForRules(['file-b'], 'the edited rule');
    writeFileSync(join(alerts, 'more.yaml'), ruleFile('filed', 'file-c'));
    await waitForRules(['file-b', 'file-c'], 'the rule of a new file');

    writeFileSync(join(alerts, 'rules.yaml'), 'alerts:\n  - { name: file-b, source: test, query: { behave: level, tag: filed }, every: 100ms, when: "last( > 5" }\n');
    const broken = () => logger.lines.filter((l) => l.level === 'error' && typeof l.msg === 'string' && l.msg.startsWith(`${join(alerts, 'rules.yaml')}:2:`));
    await until(() => broken().length > 0, 3000, 'the broken file to be logged');
    expect(names).to.deep.equal(['file-b', 'file-c']);

    rmSync(join(alerts, 'more.yaml'));
    await waitForRules(['file-b'], 'the rule of a removed file to go');
  });

  it('reloads the alerts folder on POST /api/reload and reports the files in "changed" and their problems', async () => {
    t = await startTestServer({ 'd.yaml': testDashboard('d', { a: { behave: 'counter', tag: 'd' } }) }, {}, false, { alertsDir: alerts });
    poll();
    const reload = async () => {
      const res = await fetch(`${t!.server.url}/api/reload`, { method: 'POST' });
      return { status: res.status, body: (await res.json()) as { dashboards: string[]; changed: string[]; problems: string[] } };
    };
    writeFileSync(join(alerts, 'rules.yaml'), ruleFile('filed', 'file-a'));
    const added = await reload();
    expect(added).to.deep.equal({ status: 200, body: { dashboards: ['d'], changed: ['alerts/rules.yaml'], problems: [] } });
    await waitForRules(['file-a'], 'the rule of the file reloaded');
    expect((await reload()).body.changed).to.deep.equal([]);

    writeFileSync(join(alerts, 'rules.yaml'), 'alerts:\n  - { name: file-a, dashbord: d }\n');
    const bad = await reload();
    expect(bad.status).to.equal(422);
    expect(bad.body.changed).to.deep.equal([]);
    expect(bad.body.problems.some((p) => p.startsWith(`${join(alerts, 'rules.yaml')}:2:`) && p.includes('unknown key "dashbord"')), bad.body.problems.join('\n')).to.equal(true);
    await waitForRules(['file-a'], 'the last good version to keep running');
  });
});
