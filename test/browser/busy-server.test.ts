/// <reference lib="dom" />
/**
 * A page whose server is at its snapshot rate (`max_snapshots_per_second`): the server answers it busy (close
 * 1013 over a WebSocket, HTTP 503 over SSE). The page must not hammer it, every page at once, nor give up its
 * transport for a lesser one: it tries the same transport again after waits of a second or more that grow,
 * says the server is busy and when it tries again, and goes live once the server has room.
 */
import { expect } from 'chai';
import { openPage, ownServersSuite } from '../support/browser.js';
import { startTestServer } from '../support/test-server.js';
import { waitForData } from './dashboard-page.js';

const PULSE = `id: pulse
title: Pulse
widgets:
  - { id: n, title: Ticks, type: stat, source: test, query: { behave: counter, tag: busy }, every: 200ms, keep: 20 }
`;

/** One snapshot every 6⅔ s, a burst of one: once a test client has taken it, the page is refused for that long. */
const SNAPSHOTS_PER_SECOND = 0.15;

/** What the page did: when it opened each WebSocket or EventSource, what it polled, and its status words. */
interface Seen {
  sockets: number[];
  streams: number[];
  polls: number;
  texts: [number, string][];
}

/**
 * Records, from before the bundle runs, each attempt of the page's connection (a new WebSocket or EventSource),
 * its polls, and the words of `<rt-status>` as they change; pins Math.random so every wait is its longest.
 */
function record(): void {
  const seen: Seen = { sockets: [], streams: [], polls: 0, texts: [] };
  (window as unknown as { seen: Seen }).seen = seen;
  Math.random = () => 0.999;
  const { WebSocket: Socket, EventSource: Stream } = window;
  if (Socket)
    window.WebSocket = class extends Socket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        seen.sockets.push(Date.now());
      }
    };
  if (Stream)
    window.EventSource = class extends Stream {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        seen.streams.push(Date.now());
      }
    };
  const fetched = window.fetch;
  window.fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input).includes('/api/poll')) seen.polls++;
    return fetched(input, init);
  };
  let last = '';
  setInterval(() => {
    const label = document.querySelector('rt-dashboard')?.shadowRoot?.querySelector('rt-status')?.shadowRoot?.querySelector('[part="label"]')?.textContent ?? '';
    if (label !== last) seen.texts.push([Date.now(), (last = label)]);
  }, 10);
}

describe('the page while its server is too busy to take it (in Chromium)', function () {
  this.timeout(60_000);
  const suite = ownServersSuite();

  const cases = [
    { transport: 'a WebSocket', setup: '', attempts: 'sockets', live: 'Live' },
    { transport: 'server-sent events', setup: 'delete window.WebSocket;', attempts: 'streams', live: 'Live (server-sent events)' },
  ] as const;
  for (const { transport, setup, attempts, live } of cases) {
    it(`over ${transport}, tries again after waits that grow, on the same transport, and goes live once there is room`, async () => {
      const server = await startTestServer({ 'pulse.yaml': PULSE }, { maxSnapshotsPerSecond: SNAPSHOTS_PER_SECOND });
      suite.servers.push(server);
      // Another viewer takes the one snapshot the server has for now.
      const other = await fetch(`${server.server.url}/api/poll?dashboard=pulse&wait=0`);
      expect(other.status).to.equal(200);
      const taken = Date.now();
      const tab = (suite.tab = await openPage(suite.browser));
      const { page } = tab;
      if (setup) await page.addInitScript(setup);
      await page.addInitScript(record);
      await page.goto(server.server.url + '/d/pulse');
      await waitForData(page, ['n'], 30_000);
      await page.waitForFunction((words) => (window as unknown as { seen: Seen }).seen.texts.at(-1)?.[1] === words, live);
      const seen = await page.evaluate(() => (window as unknown as { seen: Seen }).seen);
      const times = seen[attempts];
      const story = [...times.map((t) => `${t - taken} ms: attempt`), ...seen.texts.map(([t, text]) => `${t - taken} ms: ${text}`)].sort((a, b) => parseInt(a) - parseInt(b)).join('\n');

      // Refused until the server had room again, then served: a handful of attempts, not one every 0.3 s.
      expect(times.length, `attempts\n${story}`).to.be.within(3, 5);
      const waits = times.slice(1).map((t, i) => t - times[i]!);
      for (const wait of waits) expect(wait, `each wait is over a second\n${story}`).to.be.at.least(1000);
      for (let i = 1; i < waits.length; i++) expect(waits[i], `the waits grow\n${story}`).to.be.greaterThan(waits[i - 1]! * 1.5);
      // The server answered over this transport: no fallback to a lesser one for being busy.
      expect(seen.polls, `polls\n${story}`).to.equal(0);
      if (attempts === 'sockets') expect(seen.streams, `event streams\n${story}`).to.deep.equal([]);
      const said = seen.texts.map(([, text]) => text);
      expect(said.some((text) => /^Server busy, retrying in \d+ s$/.test(text)), `the status says the server is busy\n${story}`).to.equal(true);
      expect(said.filter((text) => text.startsWith('Live')), story).to.deep.equal([live]);
      expect(tab.errors.filter((e) => !/WebSocket|Failed to load resource|EventSource/.test(e))).to.deep.equal([]);
    });
  }
});
