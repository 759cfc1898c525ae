/**
 * Behind a reverse proxy on the same host every visitor arrives from 127.0.0.1. Through a real loopback proxy
 * that adds X-Forwarded-For (as nginx does), an admin route without a token is refused whether or not the proxy
 * is trusted; the per-IP connection cap counts the forwarded visitor only when it is. Visitors are told apart by
 * the loopback address they connect from (127.0.0.2, 127.0.0.3). And `rtdash serve` on 0.0.0.0 without admin
 * tokens says so at start.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorOf, request, type Answer } from '../support/http-client.js';
import { startNoUpgradeProxy } from '../support/no-upgrade-proxy.js';
import { killCli, serveCli, stopCli, until as untilAsync, waitReady, type ServedCli } from '../support/served-cli.js';
import { freePort } from '../support/tcp-proxy.js';
import { startTestServer, testDashboard, until, type TestServer } from '../support/test-server.js';

const OPS = { 'ops.yaml': testDashboard('ops', { a: { behave: 'counter', tag: 'proxied-a' } }) };
const VISITOR_A = '127.0.0.2';
const VISITOR_B = '127.0.0.3';

for (const trusted of [false, true]) {
  describe(`a reverse proxy on the same host, ${trusted ? 'listed in' : 'not in'} server.trusted_proxies`, function () {
    let t: TestServer;
    let proxy: Awaited<ReturnType<typeof startNoUpgradeProxy>>;
    before(async () => {
      t = await startTestServer(OPS, { maxConnectionsPerIp: 2 }, false, trusted ? { trustedProxies: ['127.0.0.1'] } : {});
      proxy = await startNoUpgradeProxy(t.server.url, undefined, { forwardedFor: true });
    });
    after(async () => {
      await proxy.close();
      await t.stop();
    });

    it('refuses an admin route without a token to every visitor through it, and to a forged X-Forwarded-For', async () => {
      t.write('late.yaml', testDashboard('late', { a: { behave: 'counter', tag: 'proxied-late' } }));
      for (const localAddress of [VISITOR_A, '127.0.0.1']) {
        const answer = await request(`${proxy.url}/api/reload`, {}, { method: 'POST', localAddress });
        expect(answer.status, localAddress).to.equal(401);
        expect(errorOf(answer).message).to.equal('admin routes need an admin token when called from another host or through a proxy: set auth.admin_tokens in config.yaml and send one as "Authorization: Bearer TOKEN"');
      }
      expect((await request(`${proxy.url}/api/alerts`)).status).to.equal(401);
      expect((await request(`${t.server.url}/api/reload`, { 'X-Forwarded-For': '203.0.113.9' }, { method: 'POST' })).status).to.equal(401);
      expect(t.server.store.get('late')).to.equal(undefined);
      // A tool on this machine that talks to the server directly keeps the shortcut, unless its address is a
      // trusted proxy's: then whatever comes from it counts as forwarded.
      expect((await request(`${t.server.url}/api/reload`, {}, { method: 'POST' })).status).to.equal(trusted ? 401 : 200);
      expect(t.server.store.get('late') !== undefined).to.equal(!trusted);
    });

    it(`counts ${trusted ? 'each forwarded visitor' : 'the proxy'} against max_connections_per_ip`, async () => {
      const sse = (localAddress: string, readMs: number): Promise<Answer> => request(`${proxy.url}/sse?dashboard=ops`, {}, { readMs, localAddress });
      const held = [sse(VISITOR_A, 3000), sse(VISITOR_A, 3000)];
      await until(() => t.server.hub.connections === 2, 5000, 'two streams of visitor A');
      const third = await sse(VISITOR_A, 1000);
      expect(third.status).to.equal(429);
      expect(errorOf(third).code).to.equal('RTDASH_TOO_MANY_CONNECTIONS');
      const other = await sse(VISITOR_B, 500);
      expect(other.status).to.equal(trusted ? 200 : 429);
      expect((await Promise.all(held)).map((a) => a.status)).to.deep.equal([200, 200]);
      await until(() => t.server.hub.connections === 0, 5000, 'every stream to be let go');
    });
  });
}

describe('rtdash serve --host 0.0.0.0 without admin tokens', function () {
  this.timeout(60_000);
  let dir: string;
  let child: ServedCli | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-exposed-'));
  });
  afterEach(() => killCli(child));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Serves `config` on `host` and a free port; resolves with the warn lines logged by the time it is ready. */
  async function warningsOf(config: string, host = '0.0.0.0'): Promise<string[]> {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, config);
    const port = await freePort();
    child = serveCli(file, dir, ['--host', host, '--port', String(port)]);
    await waitReady(child, `http://127.0.0.1:${port}`);
    await untilAsync('the serving line', () => child!.output().includes('rtdash serving on'));
    await stopCli(child);
    return child.logs().filter((l) => l.level === 40).map((l) => l.msg ?? '');
  }

  it('warns at start, naming the risk and the fix', async () => {
    const warnings = await warningsOf('dashboards: { watch: false }\n');
    const admin = warnings.find((w) => w.startsWith('no auth.admin_tokens while listening on 0.0.0.0'));
    expect(admin, warnings.join('\n')).to.include('server.trusted_proxies').and.include('auth.admin_tokens: ["${RTDASH_ADMIN_TOKEN}"]');
    expect(warnings.some((w) => w.startsWith('listening on 0.0.0.0 with neither server.public_url nor server.hostnames'))).to.equal(true);
  });

  it('refuses to start with the example admin token, which anyone who read the docs knows', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'server: { hostnames: [dash.example.com] }\nauth: { admin_tokens: ["${RTDASH_ADMIN_TOKEN:-change-me-admin-token}"] }\ndashboards: { watch: false }\n');
    child = serveCli(file, dir, ['--host', '0.0.0.0', '--port', String(await freePort())]);
    const [code] = (await child.exited) as [number];
    expect(code, child.output()).to.equal(1);
    expect(child.output()).to.include('auth.admin_tokens holds the example token').and.include('RTDASH_ADMIN_TOKEN');
  });

  it('serves on loopback with the example admin token, warning that it is one', async () => {
    const warnings = await warningsOf('auth: { admin_tokens: ["${RTDASH_ADMIN_TOKEN:-change-me-admin-token}"] }\ndashboards: { watch: false }\n', '127.0.0.1');
    expect(warnings.some((w) => w.startsWith('auth.admin_tokens holds an example token')), warnings.join('\n')).to.equal(true);
  });

  it('says nothing of it with admin tokens and the server’s names set', async () => {
    const warnings = await warningsOf('server: { hostnames: [dash.example.com] }\nauth: { admin_tokens: [a-long-admin-token-for-tests] }\ndashboards: { watch: false }\n');
    expect(warnings.filter((w) => /admin_tokens|hostnames/.test(w))).to.deep.equal([]);
  });
});
