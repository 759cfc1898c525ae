/**
 * Fault matrix, "duplicate variable in the query string": `?var-region=eu&var-region=us` used to take the
 * last value silently, so a viewer could see another region's data than the link they shared says. Every
 * door that reads variables from a URL (the page, the widget API, SSE, polling) refuses it with a 400
 * RTDASH_VARIABLE_INVALID naming the variable, and serves one value as before.
 */
import { expect } from 'chai';
import { errorOf, request } from '../support/http-client.js';
import { startTestServer, VARS_DASHBOARD, type TestServer } from '../support/test-server.js';

const TWICE = 'var-region=eu&var-region=us';
const MESSAGE = 'variable "region" is given 2 times in the query string (var-region=…); give it once';

describe('fault: a variable given twice in the query string', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'vars.yaml': VARS_DASHBOARD });
  });
  after(() => t.stop());

  it('the API, SSE and polling answer 400 naming the variable', async () => {
    for (const path of [`/api/dashboards/vars/widgets/w?${TWICE}`, `/sse?dashboard=vars&${TWICE}`, `/api/poll?dashboard=vars&${TWICE}`]) {
      const answer = await request(`${t.server.url}${path}`, {}, { readMs: 3000 });
      expect(answer.status, path).to.equal(400);
      expect(errorOf(answer), path).to.deep.equal({ code: 'RTDASH_VARIABLE_INVALID', message: MESSAGE });
    }
  });

  it('the page answers 400 and says which variable', async () => {
    const answer = await request(`${t.server.url}/d/vars?${TWICE}`);
    expect(answer.status).to.equal(400);
    expect(answer.body).to.include('variable &#34;region&#34; is given 2 times in the query string');
  });

  it('one value is served as before', async () => {
    expect((await request(`${t.server.url}/d/vars?var-region=us`)).status).to.equal(200);
    const answer = await request(`${t.server.url}/api/dashboards/vars/widgets/w?var-region=us`);
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.body)).to.include({ w: 'w' });
  });
});
