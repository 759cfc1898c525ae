import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchChromium, needChromium, openPage, showFixture, type TestPage } from '../../test/support/browser.js';
import { startTestServer, type TestServer } from '../../test/support/test-server.js';

describe('<rt-text> (in Chromium)', function () {
  let browser: Browser;
  let server: TestServer;
  let tab: TestPage;
  before(async function () {
    needChromium(this);
    [browser, server] = await Promise.all([launchChromium(), startTestServer({})]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  beforeEach(async () => {
    tab = await openPage(browser);
  });
  afterEach(async () => {
    await tab.close();
  });

  it('shows its content as text, never as markup, keeping line breaks', async () => {
    await showFixture(tab.page, server.server.url, `<rt-text content="<img src=x onerror=alert(1)>&#10;second line"></rt-text>`);
    const base = tab.page.locator('rt-text').locator('[part=base]');
    expect(await base.innerText()).to.equal('<img src=x onerror=alert(1)>\nsecond line');
    expect(await tab.page.locator('rt-text img').count()).to.equal(0);
    expect(tab.errors).to.deep.equal([]);
  });
});
