/**
 * Fault row "a hot reload changes a widget's query": the rule on that widget must evaluate the new query from
 * then on, and the job of the old query must stop (no job left running for nobody). A real server watching its
 * dashboards folder, a real file edit, /api/alerts and /metrics as an operator reads them.
 */
import { expect } from 'chai';
import { levels } from '../support/test-plugin.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { until } from '../support/served-cli.js';

/** The dashboard: one level widget reading `tag`, one rule on it that fires above 10. */
const dashboard = (tag: string): string => `id: reloaded
title: Reloaded
widgets:
  - { id: level, title: Level, type: line, source: test, query: { behave: level, tag: ${tag} }, every: 100ms, keep: 100 }
alerts:
  - name: reloaded-high
    widget: level
    when: "last() > 10"
`;

describe('fault: a hot reload changes the query of a widget an alert rule watches', function () {
  this.timeout(30_000);
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    levels.delete('reload-old');
    levels.delete('reload-new');
  });

  const alertValue = async (): Promise<number | null | undefined> => {
    const list = (await (await fetch(`${t!.server.url}/api/alerts`)).json()) as { rule: string; value: number | null }[];
    return list.find((a) => a.rule === 'reloaded-high')?.value;
  };
  const jobsRunning = async (): Promise<number> => {
    const text = await (await fetch(`${t!.server.url}/metrics`)).text();
    return Number(/^rtdash_jobs_running (\d+)/m.exec(text)?.[1]);
  };

  it('moves the rule to the new query and stops the old job', async () => {
    levels.set('reload-old', 50);
    levels.set('reload-new', 500);
    t = await startTestServer({ 'reloaded.yaml': dashboard('reload-old') }, {}, true);
    await until('the rule to read the old query', async () => (await alertValue()) === 50);
    expect(await jobsRunning(), 'one job: the widget the rule watches').to.equal(1);

    t.write('reloaded.yaml', dashboard('reload-new'));
    await until('the rule to read the reloaded query', async () => (await alertValue()) === 500, 10_000);
    // The old job stops at its next tick once nobody holds it.
    await until('the old job to stop', async () => (await jobsRunning()) === 1, 5000).catch(async (err: Error) => {
      throw new Error(`${err.message}: rtdash_jobs_running is ${await jobsRunning()}`);
    });
    // And it stays that way: the rule keeps reading the new query.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await alertValue()).to.equal(500);
    expect(await jobsRunning()).to.equal(1);
  });
});
