/// <reference lib="dom" />
/** Every HTML example of docs/elements.md works as written: each element draws its data and the page reports no error. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledDashboardDir } from '../core/paths.js';
import { browserSuite } from '../test/support/browser.js';

const DOC = new URL('../../docs/elements.md', import.meta.url);
/** The server the examples name; the test puts its own in its place. */
const DOC_SERVER = 'http://127.0.0.1:8080';

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

/** Resolves when every rt-* element on the page (and inside a dashboard) shows what it is for. */
function drawn(): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const check = (): void => {
      const elements = [...document.querySelectorAll<HTMLElement>('body *')].filter((el) => el.localName.startsWith('rt-'));
      const inner = elements.flatMap((el) => (el.localName === 'rt-dashboard' ? [...(el.shadowRoot?.querySelectorAll<HTMLElement>('[data-widget]') ?? [])] : []));
      const ready = [...elements, ...inner].every((el) => {
        const root = el.shadowRoot;
        if (root === null) return false;
        switch (el.localName) {
          case 'rt-dashboard':
            return root.querySelector('[data-widget]') !== null;
          case 'rt-status':
            return root.querySelector('[part="label"]')?.textContent === 'Live';
          case 'rt-dashboard-list':
            return root.querySelector('[part="card"]') !== null;
          case 'rt-text':
            return true;
          default: {
            const body = root.querySelector('[part~=body]');
            return body !== null && body.children.length > 0 && root.querySelector('.pending') === null && (el.localName !== 'rt-chart' || root.querySelector('.apex svg') !== null);
          }
        }
      });
      if (ready) resolve();
      else if (performance.now() - started > 10_000) reject(new Error('the example did not draw within 10 s'));
      else setTimeout(check, 20);
    };
    check();
  });
}

describe('docs/elements.md examples (in Chromium)', function () {
  this.timeout(30_000);
  const suite = browserSuite({ 'demo.yaml': readFileSync(join(bundledDashboardDir, 'demo.yaml'), 'utf8') });
  const blocks = htmlBlocks(readFileSync(DOC, 'utf8'));

  it('shows how to load the bundle, and has an example for every element', () => {
    expect(blocks[0]?.html.trim()).to.equal(`<script type="module" src="${DOC_SERVER}/rt-dashboard.js"></script>`);
    const tags = new Set(blocks.flatMap((b) => [...b.html.matchAll(/<(rt-[\w-]+)/g)].map((m) => m[1])));
    expect([...tags].sort()).to.deep.equal(['rt-alerts', 'rt-chart', 'rt-dashboard', 'rt-dashboard-list', 'rt-gauge', 'rt-stat', 'rt-status', 'rt-table']);
  });

  for (const block of blocks.slice(1)) {
    const tag = /<(rt-[\w-]+)/.exec(block.html)?.[1] ?? 'rt-unknown';
    it(`docs/elements.md:${block.line} (<${tag}>) draws its data`, async () => {
      // A page of a real (loopback) site: one the browser makes up counts as public and may not stream from loopback.
      suite.site.page('/example.html', suite.server.server.url, block.html.replaceAll(DOC_SERVER, suite.server.server.url));
      await suite.tab.page.goto(suite.site.origin + '/example.html');
      await suite.tab.page.evaluate(drawn);
      expect(suite.tab.errors).to.deep.equal([]);
    });
  }
});
