/// <reference lib="dom" />
/**
 * The whole sign-in flow in Chromium against a real OpenID provider on loopback: a dashboard for a group sends the
 * viewer to sign in, the provider's pages sign them in, the list shows only what their group allows, an editor
 * acknowledges an alert from the alerts panel (with a reason, and who did it shows), and signing out in one tab
 * closes the socket of the dashboard open in another, which then says why.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchChromium, needChromium, openPage, type TestPage } from '../support/browser.js';
import { CLIENT_ID, CLIENT_SECRET, startProvider, type TestProvider } from '../support/oidc.js';
import { levels } from '../support/test-plugin.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { freePort } from '../support/tcp-proxy.js';

const OPS = `id: ops
title: Ops room
access: { public: false, groups: [ops] }
widgets:
  - { id: level, title: Level, type: line, source: test, query: { behave: level, tag: sign-in }, every: 100ms, keep: 100 }
  - { id: alerts, title: Alerts, type: alerts, size: { w: 6, h: 4 } }
alerts:
  - { name: level-high, widget: level, when: "last() > 5", severity: critical, summary: "level at {{ value }}" }
`;
const OPEN = `id: open\ntitle: Open to all\nwidgets:\n  - { id: t, title: T, type: text, content: hello }\n`;
const FINANCE = `id: finance\ntitle: Finance only\naccess: { public: false, groups: [finance] }\nwidgets:\n  - { id: t, title: T, type: text, content: money }\n`;

describe('signing in with OpenID Connect (in Chromium, against a real provider)', function () {
  this.timeout(90_000);
  let browser: Browser;
  let idp: TestProvider;
  let server: TestServer;
  let base: string;
  const tabs: TestPage[] = [];

  before(async function () {
    needChromium(this);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startProvider(await freePort(), base);
    [browser, server] = await Promise.all([
      launchChromium(),
      startTestServer({ 'ops.yaml': OPS, 'open.yaml': OPEN, 'finance.yaml': FINANCE }, {}, false, {
        port,
        auth: { sessionSecret: 'browser-test-session-secret-32-chars', oidc: { issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['openid', 'profile'], groupsClaim: 'groups', nameClaim: 'preferred_username', label: 'Test ID' }, roles: { admin: [], editor: ['ops'] } },
      }),
    ]);
  });
  after(async () => {
    for (const tab of tabs) await tab.close();
    await browser?.close();
    await server?.stop();
    await idp?.stop();
    levels.delete('sign-in');
  });

  it('signs in, lists what the group allows, acknowledges an alert, and signing out closes the open socket', async () => {
    const tab = await openPage(browser);
    tabs.push(tab);
    const { page } = tab;
    await page.goto(`${base}/d/ops`);
    // A dashboard for a group sends an anonymous viewer to sign in, and back after.
    await page.waitForURL(/\/login\?next=/);
    await page.getByRole('link', { name: 'Sign in with Test ID' }).click();
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${base}/d/ops`);
    // The provider's development pages load things from the internet, which this machine does not reach: only
    // what happens on rtdash's pages from here on counts.
    tab.errors.length = 0;
    await page.locator('nav .account', { hasText: 'alice (editor)' }).waitFor();
    const panel = page.locator('rt-dashboard rt-alerts');
    await panel.locator('[part~="empty"]').waitFor();

    // The list shows the dashboards alice's group may watch, and not the finance one.
    const list = await openPage(browser, { storageState: await page.context().storageState() });
    tabs.push(list);
    await list.page.goto(base);
    await list.page.locator('rt-dashboard-list').getByText('Open to all').waitFor();
    const listed = (await list.page.locator('rt-dashboard-list a').allInnerTexts()).join('\n');
    expect(listed).to.include('Ops room').and.include('Open to all').and.not.include('Finance only');

    // An alert fires; alice acknowledges it from the panel, with a reason; the panel says who did.
    levels.set('sign-in', 8);
    const alert = panel.locator('[part~="alert"]').first();
    await alert.waitFor();
    await alert.getByRole('button', { name: 'Acknowledge' }).click();
    await alert.locator('input[name="reason"]').fill('looking into it');
    await alert.locator('form').getByRole('button', { name: 'Acknowledge' }).click();
    await alert.locator('[part~="acknowledged"]', { hasText: 'Acknowledged by alice' }).waitFor();
    expect(await alert.locator('[part~="acknowledged"]').innerText()).to.include('looking into it');
    const history = (await (await page.request.get(`${base}/api/alerts/history`)).json()) as { kind: string; by?: string; comment?: string }[];
    expect(history.find((h) => h.kind === 'acknowledged')).to.deep.include({ by: 'alice', comment: 'looking into it' });

    // Signing out in the other tab ends the session: this tab's socket is closed, and the dashboard says why.
    await list.page.getByRole('button', { name: 'Sign out' }).click();
    await list.page.waitForURL(/127\.0\.0\.1/);
    await page.locator('rt-dashboard').getByText('your session has ended').waitFor({ timeout: 10_000 });
    const me = (await (await page.request.get(`${base}/api/me`)).json()) as { signedIn: boolean };
    expect(me.signedIn).to.equal(false);
    expect(tab.errors).to.deep.equal([]);
  });
});
