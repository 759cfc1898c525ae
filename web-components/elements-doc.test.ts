/** Every HTML example of docs/elements.md works as written: the element draws its data and the page reports no error. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium, needChromium, openPage, showFixture } from '../test/support/browser.js';
import { startTestServer, type TestServer } from '../test/support/test-server.js';

const DOC = new URL('../../docs/elements.md', import.meta.url);

function htmlBlocks(text: string): { html: string; line: number }[] {
  const lines = text.split('\n');
  const blocks: { html: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```html') continue;
    const start = i + 1;
    while (++i < lines.length && lines[i]!.trim() !== '```');
    blocks.push({ html: lines.slice(start, i).join('\n'), line: start + 1 });
  }
  return blocks;
}

describe('docs/elements.md examples (in Chromium)', function () {
  let browser: Browser;
  let server: TestServer;
  before(async function () {
    needChromium(this);
    [browser, server] = await Promise.all([launchChromium(), startTestServer({})]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const blocks = htmlBlocks(readFileSync(DOC, 'utf8'));
  it('has an example for each widget element', () => {
    const tags = blocks.map((b) => /<(rt-[\w-]+)/.exec(b.html)?.[1]);
    expect(tags).to.deep.equal(['rt-stat', 'rt-gauge', 'rt-table', 'rt-chart', 'rt-alerts']);
  });

  for (const block of blocks) {
    const tag = /<(rt-[\w-]+)/.exec(block.html)?.[1] ?? 'rt-unknown';
    it(`docs/elements.md:${block.line} (<${tag}>) draws its data`, async () => {
      const tab = await openPage(browser);
      try {
        await showFixture(tab.page, server.server.url, block.html);
        // Drawn: something in the body, no "Waiting for data…", and for a chart, ApexCharts' SVG.
        await tab.page.locator(tag).evaluate(async (el: any) => {
          for (let i = 0; i < 300; i++) {
            const root = el.shadowRoot;
            const body = root?.querySelector('[part~=body]');
            const ready = body?.children.length > 0 && root.querySelector('.pending') === null && (el.localName !== 'rt-chart' || root.querySelector('.apex svg') !== null);
            if (ready) return;
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          throw new Error(`${el.localName} did not draw`);
        });
        expect(tab.errors).to.deep.equal([]);
      } finally {
        await tab.close();
      }
    });
  }
});
