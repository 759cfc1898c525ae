/**
 * A dashboard whose file has problems is not served; a viewer who asks for it learns that it has errors
 * (so nobody hunts for a typo in the id), but not which file or what is wrong: that is in the server log.
 */
import { expect } from 'chai';
import { connect } from './support/ws-client.js';
import { startTestServer, testDashboard, type TestServer } from './support/test-server.js';

const ADMIN = 'admin-token-for-the-broken-dashboard-test';

describe('a dashboard that failed to load', function () {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      'ok.yaml': testDashboard('ok', { a: { behave: 'counter', tag: 'broken-ok' } }, '100ms'),
      'fail-file.yaml': 'id: fail\ntitle: Fail\nwidgets:\n  - { id: a, title: A, type: pie, source: demo, query: x }\n',
    }, {}, false, { adminTokens: [ADMIN] });
  });
  after(() => t.stop());

  const BROKEN = 'dashboard "fail" has errors and could not be loaded; see the server log';

  it('is named as broken to a WebSocket viewer, without the file or its problems', async () => {
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'fail' });
    const err = await c.nextOf('error');
    expect(err.code).to.equal('RTDASH_DASHBOARD_NOT_FOUND');
    expect(err.message).to.equal(BROKEN);
    c.send({ type: 'subscribe', dashboard: 'nope' });
    expect((await c.nextOf('error')).message).to.equal('no dashboard "nope"');
    expect(JSON.stringify(c.messages)).not.to.include('fail-file').and.not.include('pie').and.not.include(t.dir);
    await c.close();
  });

  it('is named as broken on the HTTP API too', async () => {
    const res = await fetch(`${t.server.url}/api/dashboards/fail`);
    expect(res.status).to.equal(404);
    const text = await res.text();
    expect((JSON.parse(text) as { error: { code: string; message: string } }).error).to.deep.include({ code: 'RTDASH_DASHBOARD_NOT_FOUND', message: BROKEN });
    expect(text).not.to.include('fail-file');
  });

  it('/readyz counts the problems for everyone and shows them to admins only', async () => {
    const url = `${t.server.url}/readyz`;
    const viewerText = await (await fetch(url)).text();
    const viewer = JSON.parse(viewerText) as { dashboards: number; problemCount: number };
    expect(viewer.dashboards).to.equal(1);
    expect(viewer.problemCount).to.be.above(0);
    expect(viewer).not.to.have.property('problems');
    expect(viewerText).not.to.include('fail-file').and.not.include('pie');
    const asAdmin = (await (await fetch(url, { headers: { Authorization: `Bearer ${ADMIN}` } })).json()) as { problems: string[] };
    expect(asAdmin.problems).to.have.length(viewer.problemCount);
    expect(asAdmin.problems.join('\n')).to.include('fail-file.yaml:4:').and.include('pie');
  });
});
