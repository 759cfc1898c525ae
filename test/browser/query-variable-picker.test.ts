/// <reference lib="dom" />
/**
 * The pickers of query variables in Chromium, on the PostgreSQL example of docs/variables.md: each shows the
 * options its query gave, and picking a region brings that region's hosts (and the first host's services).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, needChromium, openPage, type TestPage } from '../support/browser.js';
import { createDatabase, databaseUrl, dropDatabase, variablesExample } from '../support/scratch-database.js';
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
    [browser, server] = await Promise.all([launchChromium(), startTestServer({ 'hosts.yaml': dashboard }, {}, false, { datasources: [{ name: 'shopdb', type: 'postgres', options: { url: databaseUrl(DB) } }] })]);
  });
  after(async () => {
    await tab?.close();
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
});
