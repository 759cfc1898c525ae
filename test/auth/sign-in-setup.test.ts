/**
 * Setting sign-in up as an operator does: `rtdash user` in a shell without the server's secrets, `rtdash validate`
 * warning about what cannot work (a private dashboard with no way of signing in, a users file not written yet),
 * and the page a signed-in user gets for a dashboard of other groups.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUser } from '../../core/auth/local-users.js';
import { spawnSync } from 'node:child_process';
import { packageRoot } from '../../core/paths.js';
import { runCli } from '../support/served-cli.js';
import { CookieJar, browse, signIn } from '../support/sign-in.js';
import { startTestServer } from '../support/test-server.js';

const PRIVATE = 'id: ops\ntitle: Ops\naccess: { public: false, groups: [ops] }\nwidgets:\n  - { id: t, title: T, type: text, content: hi }\n';

describe('setting sign-in up', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-signin-setup-'));
    mkdirSync(join(dir, 'dashboards'));
    writeFileSync(join(dir, 'dashboards', 'ops.yaml'), PRIVATE);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rtdash user add works where the config\'s secrets are not in the environment', () => {
    writeFileSync(join(dir, 'config.yaml'), 'auth:\n  session_secret: ${RTDASH_SESSION_SECRET}\n  users_file: users.yaml\ndashboards:\n  dir: dashboards\n');
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['RTDASH_SESSION_SECRET'];
    const bin = join(packageRoot, 'dist', 'bin', 'rtdash.js');
    const add = spawnSync(process.execPath, [bin, 'user', 'add', 'alice', '--groups', 'ops'], { cwd: dir, input: 'a long password\n', encoding: 'utf8', env });
    expect(add.status, add.stderr).to.equal(0);
    expect(add.stderr).to.include('added alice (groups ops)');
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).to.match(/alice:\n\s+password: \$argon2id\$/);
    const list = spawnSync(process.execPath, [bin, 'user', 'list'], { cwd: dir, encoding: 'utf8', env });
    expect(list.stdout.trim()).to.equal('alice\tops');
  });

  it('rtdash validate warns of a private dashboard nobody can sign in to, and of a users file not written yet', () => {
    writeFileSync(join(dir, 'config.yaml'), 'dashboards:\n  dir: dashboards\n');
    const none = runCli(['validate', '--config', 'config.yaml'], dir);
    expect(none.status).to.equal(0);
    expect(none.output).to.include('dashboards/ops.yaml:3:9: warning: dashboard "ops" is for signed-in users, but').and.include('sets no way of signing in');
    writeFileSync(join(dir, 'config.yaml'), 'auth:\n  session_secret: 0123456789abcdef0123456789abcdef\n  users_file: users.yaml\ndashboards:\n  dir: dashboards\n');
    const missing = runCli(['validate', '--config', 'config.yaml'], dir);
    expect(missing.output).to.include(`warning: auth.users_file ${join(dir, 'users.yaml')} does not exist`).and.not.include('sets no way of signing in');
  });

  it('a signed-in user outside the dashboard\'s groups gets a page saying why, and the way on', async () => {
    const file = join(dir, 'users.yaml');
    await addUser(file, 'bob', 'bob password', ['sales']);
    const t = await startTestServer({ 'ops.yaml': PRIVATE }, {}, false, { auth: { sessionSecret: 'setup-test-session-secret-32-chars!', usersFile: file } });
    try {
      const jar = new CookieJar();
      await signIn(t.server.url, jar, 'bob', 'bob password');
      const res = await browse(`${t.server.url}/d/ops`, jar);
      expect(res.status).to.equal(403);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      const html = await res.text();
      expect(html).to.include('You cannot open this dashboard').and.include('bob is in groups sales').and.include('Sign in as someone else').and.include('bob (viewer)');
      expect(html, 'nothing of the dashboard').not.to.include('<title>Ops');
    } finally {
      await t.stop();
    }
  });
});
