/**
 * Fault matrix, "SSRF": an upstream that answers with a redirect cannot steer the http source anywhere its
 * config does not name: not to another scheme (file:, gopher:), not to another name for the same machine
 * (localhost, 127.0.0.2, [::1], which resolve to loopback addresses), not to another port. Each refusal
 * names both ends and why, and the target is never contacted.
 */
import { expect } from 'chai';
import { startLoopback } from '../../plugins/http/loopback-server.js';
import { ITEM_FIELDS, ROUTES, expectRejection, items, useSourceFixture } from '../../plugins/http/source-fixture.js';
import { startTestServer } from '../support/test-server.js';

describe('fault: SSRF through redirects', () => {
  const t = useSourceFixture();

  it('refuses a redirect to a file: or gopher: URL, naming it and the reason', async () => {
    t.server.route('/file', (_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    t.server.route('/gopher', (_req, res) => res.writeHead(302, { location: 'gopher://127.0.0.1:70/_SET%20x' }).end());
    const source = await t.open();
    await expectRejection(t.ask(source, items('/file')), /^http: redirect from http:\/\/127\.0\.0\.1:\d+\/file to file:\/\/\/etc\/passwd refused: only http and https redirects are followed, never file:$/);
    await expectRejection(t.ask(source, items('/gopher')), /^http: redirect from http:\/\/127\.0\.0\.1:\d+\/gopher to gopher:\/\/127\.0\.0\.1:70\/_SET%20x refused: only http and https redirects are followed, never gopher:$/);
    expect(t.server.received.map((r) => r.url)).to.deep.equal(['/file', '/gopher']);
  });

  it('refuses a redirect to another name or port of this machine, without contacting it', async () => {
    const other = await startLoopback(ROUTES);
    try {
      const port = t.server.port;
      const targets = [`http://localhost:${port}/items`, `http://127.0.0.2:${port}/items`, `http://[::1]:${port}/items`, `${other.url}/items`];
      targets.forEach((target, i) => t.server.route(`/r${i}`, (_req, res) => res.writeHead(302, { location: target }).end()));
      const source = await t.open();
      for (const [i, target] of targets.entries()) {
        const host = new URL(target).host.replace(/[.[\]]/g, '\\$&');
        await expectRejection(t.ask(source, items(`/r${i}`)), new RegExp(`redirect from http://127\\.0\\.0\\.1:${port}/r${i} to .* refused: ${host} is not an allowed host \\(allowed: 127\\.0\\.0\\.1:${port}\\); add it to allowed_hosts`));
      }
      expect(t.server.received.map((r) => r.url)).to.deep.equal(['/r0', '/r1', '/r2', '/r3']);
      expect(other.received).to.have.length(0);
    } finally {
      await other.close();
    }
  });

  it('a viewer of the widget reads only that the query failed; an admin reads where the redirect pointed', async () => {
    t.server.route('/file', (_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    const query = JSON.stringify({ path: '/file', rows: '$.data[*]', fields: ITEM_FIELDS });
    const server = await startTestServer(
      { 'ssrf.yaml': `id: ssrf\ntitle: SSRF\nwidgets:\n  - { id: w, title: W, type: table, source: api, query: ${query}, every: 1s }\n` },
      {},
      false,
      { adminTokens: ['ssrf-admin-token'], datasources: [{ name: 'api', type: 'http', options: { url: t.server.url } }] },
    );
    try {
      const url = `${server.server.url}/api/dashboards/ssrf/widgets/w`;
      const viewer = (await (await fetch(url)).json()) as { status: string; error: Record<string, string> };
      expect(viewer).to.deep.include({ status: 'error', error: { code: 'RTDASH_QUERY_FAILED', message: 'the query failed' } });
      const admin = (await (await fetch(url, { headers: { Authorization: 'Bearer ssrf-admin-token' } })).json()) as { error: { detail: string } };
      expect(admin.error.detail).to.match(/redirect from http:\/\/127\.0\.0\.1:\d+\/file to file:\/\/\/etc\/passwd refused: only http and https redirects are followed/);
    } finally {
      await server.stop();
    }
  });
});
