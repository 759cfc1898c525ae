/// <reference lib="dom" />
/**
 * A dashboard embedded in a page of another site, in Chromium: the two tags of docs/embedding.md on an
 * allowed origin, a token dashboard with a fixed variable, a site that is not allowed (the element says why),
 * and a token that expires while the page is open.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { packageRoot } from '../../core/paths.js';
import { launchChromium, needChromium, openPage, startSite, type Site, type TestPage } from '../support/browser.js';
import { LOCKED, SECRET, token } from '../support/embed.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitForData } from './dashboard-page.js';


const HELLO = `id: hello
title: Hello, rtdash
widgets:
  - { id: users, title: Active users, type: stat, source: demo, query: active_users, every: 1s }
`;

/** The HTML block of docs/embedding.md's "The two tags", with the server's address put in. */
function twoTags(server: string): string {
  const doc = readFileSync(join(packageRoot, 'docs', 'embedding.md'), 'utf8');
  const block = /## The two tags[\s\S]*?```html\n([\s\S]*?)```/.exec(doc)?.[1];
  if (block === undefined) throw new Error('docs/embedding.md has no html block under "The two tags"');
  return block.replaceAll('http://127.0.0.1:8080', server);
}

/** The words the embedded dashboard shows in its message part, once it shows one. */
async function message(page: Page): Promise<string> {
  const part = page.locator('rt-dashboard [part="message"]');
  await part.waitFor({ timeout: 15_000 });
  return part.innerText();
}

describe('dashboards embedded in another site (in Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: TestServer;
  let tab: TestPage;
  // The second sites: one the server allows, one it does not.
  let allowed: Site;
  let stranger: Site;
  before(async function () {
    needChromium(this);
    [browser, allowed, stranger] = await Promise.all([launchChromium(), startSite('127.0.0.2'), startSite('127.0.0.3')]);
    server = await startTestServer({ 'hello.yaml': HELLO, 'locked.yaml': LOCKED }, {}, false, { origins: [allowed.origin], embedSecret: SECRET });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await allowed?.close();
    await stranger?.close();
  });
  /** Opens `body` as `path` of `site`, with the bundle from the rtdash server. */
  const visit = async (site: Site, path: string, body: string): Promise<void> => {
    site.page(path, server.server.url, body);
    await tab.page.goto(site.origin + path);
  };
  beforeEach(async () => {
    tab = await openPage(browser);
  });
  afterEach(async () => {
    await tab.close();
  });

  it('shows a public dashboard on an allowed site with the two tags of docs/embedding.md', async () => {
    await visit(allowed, '/embed.html', twoTags(server.server.url));
    await waitForData(tab.page, ['users']);
    expect(await tab.page.locator('rt-dashboard rt-stat [part~="value"]').innerText()).to.match(/\d/);
    expect(tab.errors).to.deep.equal([]);
  });

  it('shows a token dashboard with the token, its fixed variable shown as fixed', async () => {
    const signed = token('locked', { region: 'us' });
    await visit(allowed, '/shop.html', `<rt-dashboard server="${server.server.url}" dashboard="locked" token="${signed}"></rt-dashboard>`);
    await waitForData(tab.page, ['w']);
    const picker = tab.page.locator('rt-dashboard select[name="region"]');
    expect(await picker.inputValue()).to.equal('us');
    expect(await picker.isDisabled()).to.equal(true);
    expect(tab.errors).to.deep.equal([]);
  });

  it('shows nothing of a token dashboard without a token, and says a token is required', async () => {
    await visit(allowed, '/shop.html', `<rt-dashboard server="${server.server.url}" dashboard="locked"></rt-dashboard>`);
    expect(await message(tab.page)).to.match(/token/i);
    expect(await tab.page.locator('rt-dashboard rt-status').count(), 'no green "Live" beside a refusal').to.equal(0);
    expect(await tab.page.locator('rt-dashboard [data-widget]').count()).to.equal(0);
  });

  it('gets nothing on a site that is not allowed, and the element says why', async () => {
    await visit(stranger, '/embed.html', twoTags(server.server.url));
    expect(await message(tab.page)).to.include(`this site (${stranger.origin}) is not in server.origins`);
    expect(await tab.page.locator('rt-dashboard rt-status').count(), 'no green "Live" beside a refusal').to.equal(0);
    expect(await tab.page.locator('rt-dashboard [data-widget]').count()).to.equal(0);
  });

  it('tells why on a widget element standing alone on a site that is not allowed', async () => {
    await visit(stranger, '/stat.html', `<script type="module" src="${server.server.url}/rt-dashboard.js"></script>
      <rt-stat server="${server.server.url}" dashboard="hello" widget="users"></rt-stat>`);
    const status = tab.page.locator('rt-stat [part~="status"]');
    await status.filter({ hasText: 'Refused' }).waitFor({ timeout: 15_000 });
    expect(await status.innerText()).to.include(`this site (${stranger.origin}) is not in server.origins`);
    expect(await tab.page.locator('rt-stat [part~="value"]').innerText(), 'no value shown').not.to.match(/\d/);
  });

  it('says so when the token expires while the page is open, and stops', async () => {
    const shortLived = token('locked', { region: 'eu' }, 2500);
    await visit(allowed, '/shop.html', `<rt-dashboard server="${server.server.url}" dashboard="locked" token="${shortLived}"></rt-dashboard>`);
    await waitForData(tab.page, ['w']);
    expect(await message(tab.page)).to.match(/expired/);
    expect(await tab.page.locator('rt-dashboard rt-status').count(), 'no green "Live" beside a refusal').to.equal(0);
  });
});
