/// <reference lib="dom" />
/**
 * How soon a page comes back after its rtdash server restarts, and what it tells the viewer meanwhile: the
 * first retry is quick, a server that is back after a few seconds is found within about a second, and the
 * "Reconnecting in N s" countdown only counts down within a wait and says how long the wait really is.
 */
import { expect } from 'chai';
import { openPage, ownServersSuite } from '../support/browser.js';
import { startTestServer } from '../support/test-server.js';
import { waitForData } from './dashboard-page.js';

/** One stat and no chart: the page may pin Math.random (below) without touching a chart library's ids. */
const PULSE = `id: pulse
title: Pulse
widgets:
  - { id: n, title: Ticks, type: stat, source: test, query: { behave: counter, tag: pulse }, every: 200ms, keep: 20 }
`;

/** What the page saw: the status words as they changed, and the connection's status events, with their times. */
interface Seen {
  texts: [number, string][];
  events: [number, { state: string; retryAt?: number }][];
}

describe('the page while its server restarts (in Chromium)', function () {
  this.timeout(60_000);
  const suite = ownServersSuite();

  it('retries at once, is back within about a second of the server, and counts down truthfully', async () => {
    const first = await startTestServer({ 'pulse.yaml': PULSE });
    const tab = (suite.tab = await openPage(suite.browser));
    const { page } = tab;
    // The longest waits the jitter allows, so that the run is the same every time (and the worst case).
    await page.addInitScript(() => {
      Math.random = () => 0.999;
    });
    await page.goto(first.server.url + '/d/pulse');
    await waitForData(page, ['n']);
    await page.evaluate(() => {
      const seen: Seen = { texts: [], events: [] };
      (window as unknown as { seen: Seen }).seen = seen;
      const dashboard = document.querySelector('rt-dashboard') as HTMLElement & { connection: EventTarget };
      dashboard.connection.addEventListener('status', (e) => seen.events.push([Date.now(), (e as CustomEvent).detail]));
      let last = '';
      setInterval(() => {
        const label = dashboard.shadowRoot?.querySelector('rt-status')?.shadowRoot?.querySelector('[part="label"]')?.textContent ?? '';
        if (label !== last) seen.texts.push([Date.now(), (last = label)]);
      }, 10);
    });

    const port = Number(new URL(first.server.url).port);
    const down = Date.now();
    await first.stop();
    // A restart that takes a few seconds, as a real one does (reading config, opening sources).
    await new Promise((resolve) => setTimeout(resolve, 4600));
    suite.servers.push(await startTestServer({ 'pulse.yaml': PULSE }, {}, false, { port }));
    const up = Date.now();
    await page.waitForFunction(() => (window as unknown as { seen: Seen }).seen.texts.at(-1)?.[1] === 'Live', undefined, { timeout: 20_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: Seen }).seen);
    const live = seen.texts.at(-1)![0];
    const story = seen.texts.map(([t, text]) => `${t - down} ms ${text}`).join('\n');

    const dropped = seen.events.find(([, e]) => e.state === 'reconnecting')![0];
    const firstRetry = seen.events.find(([t, e]) => t >= dropped && e.state === 'reconnecting' && e.retryAt === undefined)![0];
    // The first wait is at most 300 ms (the next ones up to a second); a busy machine's timers may add a few hundred.
    expect(firstRetry - dropped, `the first retry, after the drop\n${story}`).to.be.at.most(700);
    expect(live - up, `back after the server was\n${story}`).to.be.at.most(1500);

    // Each wait starts with a countdown event; the attempt after it, or Live, ends it.
    const attempts = seen.events.filter(([, e]) => e.state !== 'reconnecting' || e.retryAt === undefined).map(([t]) => t);
    const counts = seen.texts.map(([t, text]) => [t, /^Reconnecting in (\d+) s$/.exec(text)?.[1]] as const).filter(([, n]) => n !== undefined);
    expect(counts.length, story).to.be.greaterThan(0);
    const firsts: number[] = [];
    let previous: { n: number; end: number } | undefined;
    for (const [t, text] of counts) {
      const n = Number(text);
      const end = attempts.find((a) => a > t) ?? live;
      // "in N s" means the attempt comes after more than N - 1 seconds and at most N (the page polls every 10 ms).
      // (plus what a busy machine's timers add).
      expect(end - t, `"Reconnecting in ${n} s" at ${t - down} ms, the attempt at ${end - down} ms\n${story}`).to.be.within((n - 1) * 1000 - 100, n * 1000 + 300);
      if (previous?.end === end) expect(n, `counts down within one wait\n${story}`).to.equal(previous.n - 1);
      else firsts.push(n);
      previous = { n, end };
    }
    expect(firsts, `waits only grow\n${story}`).to.deep.equal([...firsts].sort((a, b) => a - b));
    expect(tab.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e))).to.deep.equal([]);
  });
});
