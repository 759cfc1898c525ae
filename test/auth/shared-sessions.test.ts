/**
 * Sign-in sessions across the instances of a cluster, on the machine's real Redis (a key prefix of this test's own,
 * removed after): signed in on one instance is signed in on the other, and signing out on one closes the socket the
 * same session opened on the other.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { addUser } from '../../core/auth/local-users.js';
import { SERVICES, needService } from '../support/services.js';
import { CookieJar, browse, csrfToken, signIn } from '../support/sign-in.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { TestClient } from '../support/ws-client.js';

const widget = '  - { id: w, title: W, type: stat, source: test, query: { behave: counter, tag: shared-sessions }, every: 200ms }\n';
const DASHBOARDS = { 'ops.yaml': `id: ops\ntitle: Ops\naccess: { public: false, groups: [ops] }\nwidgets:\n${widget}` };

describe('sign-in sessions shared by the instances of a cluster (real Redis)', function () {
  this.timeout(60_000);
  const prefix = `rtdash-test:${randomUUID()}`;
  let dir: string;
  let a: TestServer;
  let b: TestServer;

  before(async function () {
    await needService(this, 'redis');
    dir = mkdtempSync(join(tmpdir(), 'rtdash-users-'));
    const file = join(dir, 'users.yaml');
    await addUser(file, 'alice', 'alice password', ['ops']);
    const overrides = { cluster: { redis: SERVICES.redis.url, prefix, leaseTtlMs: 2000 }, auth: { sessionSecret: 'shared-sessions-secret-of-32-chars!!', usersFile: file } };
    a = await startTestServer(DASHBOARDS, {}, false, overrides);
    b = await startTestServer(DASHBOARDS, {}, false, overrides);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
    const redis = new Redis(SERVICES.redis.url);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  it('signed in on one instance is signed in on the other, and signing out on one closes the other\'s socket', async () => {
    const jar = new CookieJar();
    expect((await signIn(a.server.url, jar, 'alice', 'alice password')).status).to.equal(303);
    // The socket first: the upgrade itself reads the session from Redis.
    const client = new TestClient(b.wsUrl, { headers: { Cookie: jar.header() } });
    await client.opened;
    client.send({ type: 'subscribe', dashboard: 'ops' });
    await client.nextOf('snapshot');
    const onB = (await (await browse(`${b.server.url}/api/me`, jar)).json()) as { signedIn: boolean; name?: string };
    expect(onB).to.deep.include({ signedIn: true, name: 'alice' });
    expect((await browse(`${b.server.url}/api/dashboards/ops`, jar)).status).to.equal(200);


    const cookie = jar.header();
    const out = await browse(`${a.server.url}/logout`, jar, { method: 'POST', headers: { 'X-CSRF-Token': await csrfToken(a.server.url, jar) } });
    expect(out.status).to.equal(303);
    expect(await client.closed).to.equal(4402);
    // The old cookie, kept by someone, opens nothing on either instance.
    for (const t of [a, b]) expect((await fetch(`${t.server.url}/api/dashboards/ops`, { headers: { Cookie: cookie } })).status).to.equal(401);
  });
});
