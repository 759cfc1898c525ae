/// <reference lib="dom" />
/**
 * The pickers of query variables in Chromium, on the PostgreSQL example of docs/variables.md (read every second
 * instead of every minute): each shows the options its query gave, picking a region brings that region's hosts
 * (and the first host's services), and a failing options query is shown beside its picker.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, needChromium, openPage, type TestPage } from '../support/browser.js';
import { createDatabase, databaseUrl, dropDatabase, variablesExample, withDatabase } from '../support/scratch-database.js';
import { needService } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { pickVariable } from './dashboard-page.js';

const DB = `rtdash_qvpick_${process.pid}`;

/** The values a picker offers, in order. */
function offered(page: Page, name: string): Promise<string[]> {
  return page.locator(`rt-dashboard select[name="${name}"] option`).evaluateAll((els) => els.map((el) => (el as HTMLOptionElement).value));
}

describe('query variable pickers (in Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  let tab: TestPage | undefined;
  let created = false;

  before(async function () {
    needChromium(this);
    await needService(this, 'postgres');
    const { setup, dashboard } = variablesExample();
    created = true;
    await createDatabase(DB, setup);
    [browser, server] = await Promise.all([launchChromium(), startTestServer({ 'hosts.yaml': dashboard.replaceAll('refresh: 1m', 'refresh: 1s') }, {}, false, { datasources: [{ name: 'shopdb', type: 'postgres', options: { url: databaseUrl(DB) } }] })]);
  });
  afterEach(async () => {
    await tab?.close();
    tab = undefined;
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (created) await dropDatabase(DB);
  });

  it('offers the options from the database, and a new region brings its hosts', async () => {
    tab = await openPage(browser!);
    const page = tab.page;
    await page.goto(`${server!.server.url}/d/hosts`);
    await page.locator('rt-dashboard select[name="service"]').waitFor();
    expect(await offered(page, 'region')).to.deep.equal(['eu', 'us']);
    expect(await page.locator('rt-dashboard select[name="region"]').inputValue()).to.equal('us');
    expect(await offered(page, 'host')).to.deep.equal(['us-1']);
    expect(await offered(page, 'service')).to.deep.equal(['cache']);
    await pickVariable(page, 'region', 'eu');
    await page.waitForFunction(() => document.querySelector('rt-dashboard')?.shadowRoot?.querySelector('select[name="host"]')?.textContent?.includes('eu-2') === true);
    expect(await offered(page, 'host')).to.deep.equal(['eu-1', 'eu-2']);
    expect(await page.locator('rt-dashboard select[name="host"]').inputValue()).to.equal('eu-1');
    expect(await offered(page, 'service')).to.deep.equal(['api', 'web']);
    await pickVariable(page, 'host', 'eu-2');
    await page.waitForFunction(() => document.querySelector('rt-dashboard')?.shadowRoot?.querySelector('select[name="service"]')?.textContent?.includes('db') === true);
    expect(await offered(page, 'service')).to.deep.equal(['db']);
    await page.waitForURL(/var-host=eu-2/);
    await page.screenshot({ path: join(tmpdir(), 'rtdash-query-variable-picker.png') });
    expect(tab.errors).to.deep.equal([]);
  });

  it('shows beside each picker that its options query fails, and keeps the options read before', async () => {
    tab = await openPage(browser!);
    const page = tab.page;
    await page.goto(`${server!.server.url}/d/hosts?var-region=eu`);
    await page.locator('rt-dashboard select[name="service"]').waitFor();
    await withDatabase(DB, (c) => c.query('ALTER TABLE hosts RENAME TO hosts_away'));
    try {
      const failing = page.locator('rt-dashboard [part="variable-error"]');
      await failing.first().waitFor({ timeout: 10_000 });
      await page.waitForFunction(() => (document.querySelector('rt-dashboard')?.shadowRoot?.querySelectorAll('[part="variable-error"]').length ?? 0) === 3, undefined, { timeout: 10_000 });
      expect(await failing.allInnerTexts()).to.deep.equal(['⚠ RTDASH_QUERY_FAILED', '⚠ RTDASH_QUERY_FAILED', '⚠ RTDASH_QUERY_FAILED']);
      expect(await page.locator('rt-dashboard select[name="host"]').getAttribute('title')).to.match(/could not be read \(RTDASH_QUERY_FAILED: the query failed\); these are the ones read before/);
      expect(await offered(page, 'host')).to.deep.equal(['eu-1', 'eu-2']);
      await page.screenshot({ path: join(tmpdir(), 'rtdash-query-variable-error.png') });
    } finally {
      await withDatabase(DB, (c) => c.query('ALTER TABLE hosts_away RENAME TO hosts'));
    }
    await page.waitForFunction(() => document.querySelector('rt-dashboard')?.shadowRoot?.querySelector('[part="variable-error"]') === null, undefined, { timeout: 10_000 });
    expect(tab.errors).to.deep.equal([]);
  });
});
