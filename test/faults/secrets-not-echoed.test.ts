/**
 * Fault matrix, "secrets not echoed": the real CLI (`rtdash validate`, `rtdash serve`) never prints a value
 * that came from `${ENV}` nor the password of a URL, and refuses notifier URLs with credentials at load,
 * naming file:line:column, so a password cannot reach the log with every failed delivery.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as rtdash } from '../support/served-cli.js';

describe('fault: secrets are not echoed', function () {
  this.timeout(30_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-secrets-'));
    mkdirSync(join(dir, 'dashboards'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = (body: string) => writeFileSync(join(dir, 'config.yaml'), `server: { host: 127.0.0.1, port: 0 }\ndashboards: { dir: dashboards }\n${body}`);

  it('validate names the place of a bad value from the environment, never the value', () => {
    writeFileSync(join(dir, 'config.yaml'), 'server:\n  host: 127.0.0.1\n  port: ${PORT}\n  public_url: ${PUBLIC_URL}\ncluster:\n  redis: ${REDIS_URL}\ndashboards: { dir: dashboards }\n');
    const { status, output } = rtdash(['validate', '--config', 'config.yaml'], dir, { PORT: 'PgS3cret-port', PUBLIC_URL: 'ftp://u:PgS3cret-url@example.com', REDIS_URL: 'http://u:PgS3cret-redis@redis:6379' });
    expect(status).to.equal(1);
    expect(output).to.include('config.yaml:3:9: "port" must be an integer, got a value from the environment (not shown)');
    expect(output).to.include('config.yaml:4:15: "public_url" must be an http:// or https:// URL such as https://dash.example.com, got a value from the environment (not shown)');
    expect(output).to.include('config.yaml:6:10: "redis" must be a redis:// or rediss:// URL such as redis://localhost:6379, got a value from the environment (not shown)');
    expect(output).not.to.include('PgS3cret');
  });

  it('a password written in the file is not repeated either', () => {
    writeFileSync(join(dir, 'config.yaml'), 'server:\n  host: 127.0.0.1\n  port: 0\ncluster:\n  redis: "http://u:PgS3cret@redis:6379"\ndashboards: { dir: dashboards }\n');
    const { status, output } = rtdash(['validate', '--config', 'config.yaml'], dir, {});
    expect(status).to.equal(1);
    expect(output).to.include('config.yaml:5:10: "redis" must be a redis:// or rediss:// URL such as redis://localhost:6379, got the string "http://[redacted]@redis:6379"');
    expect(output).not.to.include('PgS3cret');
  });

  it('refuses a webhook or slack url with a user name or password at load, naming file:line:column', () => {
    config('notifiers:\n  hook:\n    type: webhook\n    url: ${HOOK_URL}\n  chat:\n    type: slack\n    url: "https://u:PgS3cret-slack@hooks.slack.example/T1"\n');
    const env = { HOOK_URL: 'https://alerts:PgS3cret-hook@hooks.example.com/in' };
    for (const args of [['validate', '--config', 'config.yaml'], ['serve', '--config', 'config.yaml']]) {
      const { status, output } = rtdash(args, dir, env);
      expect(status, args[0]).to.equal(1);
      expect(output).to.include('config.yaml:6:10: webhook "hook": "url" must not hold a user name or password; send them in "headers" instead');
      expect(output).to.include('config.yaml:9:10: slack "chat": "url" must not hold a user name or password; a Slack incoming-webhook URL needs none');
      expect(output).not.to.include('PgS3cret');
    }
  });

  it('serve refuses a malformed postgres url from the environment without printing it', () => {
    config('datasources:\n  shop:\n    type: postgres\n    url: ${PG_URL}\n');
    const { status, output } = rtdash(['serve', '--config', 'config.yaml'], dir, { PG_URL: 'postgres://u:PgS3cret@[bad/db' });
    expect(status).to.equal(1);
    expect(output).to.include('postgres "shop": url is not a valid URL');
    expect(output).not.to.include('PgS3cret');
  });
});
