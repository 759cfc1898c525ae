/// <reference lib="dom" />
/**
 * Widgets draw at most once per animation frame, however fast their data comes, and always end on the
 * latest data: a burst of updates within one frame costs one render.
 */
import { expect } from 'chai';
import { browserSuite, showFixture } from '../support/browser.js';

type Counted = HTMLElement & { state?: unknown; definition?: unknown; renders: number; update(changed: unknown): void };

describe('widget rendering rate (in Chromium)', function () {
  this.timeout(30_000);
  const suite = browserSuite();

  it('renders once for a burst of updates within a frame, at most once per frame for a stream of them, and ends on the latest', async () => {
    await showFixture(suite.tab.page, suite.server.server.url, '<rt-stat></rt-stat>');
    const result = await suite.tab.page.evaluate(async () => {
      await customElements.whenDefined('rt-stat');
      const el = document.querySelector('rt-stat') as Counted;
      const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
      const state = (v: number) => ({ frame: { fields: [{ name: 'time', type: 'time', values: [Date.now()] }, { name: 'v', type: 'number', values: [v] }] }, status: 'ok', at: Date.now(), lastGoodAt: Date.now(), seq: v });
      el.definition = { id: 's', title: 'Speed', type: 'stat', y: ['v'], size: { w: 3, h: 2 } };
      el.state = state(0);
      await nextFrame();
      await nextFrame();
      // Count the element's renders from here on.
      el.renders = 0;
      const original = el.update.bind(el);
      el.update = (changed) => {
        el.renders++;
        original(changed);
      };
      for (let v = 1; v <= 50; v++) el.state = state(v);
      await nextFrame();
      await nextFrame();
      const burst = el.renders;
      // Now a stream: an update every millisecond (the browser runs them as fast as it can) for 600 ms.
      el.renders = 0;
      let frames = 0;
      let counting = true;
      const tick = () => {
        frames++;
        if (counting) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      let v = 100;
      const started = performance.now();
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          el.state = state(++v);
          if (performance.now() - started > 600) {
            clearInterval(timer);
            resolve();
          }
        }, 1);
      });
      await nextFrame();
      await nextFrame();
      counting = false;
      const shown = el.shadowRoot?.querySelector('[part~="value"]')?.textContent?.trim();
      return { burst, renders: el.renders, frames, updates: v - 100, last: v, shown };
    });
    expect(result.burst, 'renders for 50 updates in one frame').to.equal(1);
    expect(result.updates, 'updates sent').to.be.greaterThan(result.frames);
    expect(result.renders, `renders for ${result.updates} updates over ${result.frames} frames`).to.be.at.most(result.frames);
    expect(result.shown).to.equal(String(result.last));
    expect(suite.tab.errors).to.deep.equal([]);
  });
});
