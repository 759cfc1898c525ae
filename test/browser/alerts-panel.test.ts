/// <reference lib="dom" />
/** A dashboard's alerts panel in Chromium: an alert appears while its rule fires and goes when it resolves, live. */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchChromium, needChromium, openPage, type TestPage } from '../support/browser.js';
import { levels } from '../support/test-plugin.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const WATCHED = `id: watched
title: Watched
widgets:
  - { id: level, title: Level, type: line, source: test, query: { behave: level, tag: panel }, every: 100ms, keep: 100 }
  - { id: alerts, title: Alerts, type: alerts, size: { w: 4, h: 3 } }
alerts:
  - { name: level-high, widget: level, when: "last() > 5", severity: critical, summary: "level at {{ value }}" }
`;

describe('the alerts panel of a dashboard (in Chromium)', function () {
  this.timeout(30_000);
  let browser: Browser;
  let server: TestServer;
  let tab: TestPage;
  before(async function () {
    needChromium(this);
    [browser, server] = await Promise.all([launchChromium(), startTestServer({ 'watched.yaml': WATCHED })]);
  });
  after(async () => {
    await tab?.close();
    await browser?.close();
    await server?.stop();
    levels.clear();
  });

  it('shows a firing alert live and drops it when it resolves', async () => {
    tab = await openPage(browser);
    await tab.page.goto(server.server.url + '/d/watched');
    const panel = tab.page.locator('rt-dashboard rt-alerts');
    await panel.locator('[part~="empty"]').waitFor();
    levels.set('panel', 8);
    const alert = panel.locator('[part~="alert"]');
    await alert.first().waitFor();
    expect(await alert.count()).to.equal(1);
    expect(await alert.first().innerText()).to.include('level-high').and.include('level at 8');
    levels.set('panel', 1);
    await panel.locator('[part~="empty"]').waitFor();
    expect(await alert.count()).to.equal(0);
    expect(tab.errors).to.deep.equal([]);
  });
});
