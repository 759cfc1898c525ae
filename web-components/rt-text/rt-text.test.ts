import { expect } from 'chai';
import { browserSuite, showFixture } from '../../test/support/browser.js';

describe('<rt-text> (in Chromium)', function () {
  const suite = browserSuite();

  it('shows its content as text, never as markup, keeping line breaks', async () => {
    await showFixture(suite.tab.page, suite.server.server.url, `<rt-text content="<img src=x onerror=alert(1)>&#10;second line"></rt-text>`);
    const base = suite.tab.page.locator('rt-text').locator('[part=base]');
    expect(await base.innerText()).to.equal('<img src=x onerror=alert(1)>\nsecond line');
    expect(await suite.tab.page.locator('rt-text img').count()).to.equal(0);
    expect(suite.tab.errors).to.deep.equal([]);
  });
});
