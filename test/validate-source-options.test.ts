/**
 * `rtdash validate` checks each source's options the way `serve` reads them (the plugin's `checkOptions`),
 * reports every bad source at its file:line:col, and says what is really wrong without repeating a password
 * or a value from the environment.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as rtdash } from './support/served-cli.js';

describe('rtdash validate: source options', function () {
  this.timeout(30_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-source-options-'));
    mkdirSync(join(dir, 'dashboards'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = (body: string) => writeFileSync(join(dir, 'config.yaml'), `server: { host: 127.0.0.1, port: 0 }\ndashboards: { dir: dashboards }\ndatasources:\n${body}`);
  const env = { PG_URL: 'postgres://u:EnvS3cret@h:nope/db' };

  it('reports every malformed url the plugins would refuse, written in the file or from ${VAR}, at its place', () => {
    config(
      '  db:\n    type: postgres\n    url: postgres://u:FileS3cret@host:badport/db\n' +
        '  db2:\n    type: postgres\n    url: ${PG_URL}\n' +
        '  my:\n    type: mysql\n    url: mysql://u:FileS3cret@host:badport/db\n' +
        '  cache:\n    type: redis\n    url: redis://u:FileS3cret@cache:6379/x\n',
    );
    for (const command of ['validate', 'serve']) {
      const { status, output } = rtdash([command, '--config', 'config.yaml'], dir, env);
      expect(status, command).to.equal(1);
      expect(output, command).to.include('config.yaml:6:10: postgres "db": url is not a valid URL');
      expect(output, command).to.include('config.yaml:9:10: postgres "db2": url is not a valid URL');
      expect(output, command).to.include('config.yaml:12:10: mysql "my": url is not a valid URL');
      expect(output, command).to.include('config.yaml:15:10: redis "cache": the path of "url" must be a database number');
      if (command === 'validate') expect(output).to.include('4 problems found');
      expect(output, command).not.to.include('S3cret');
    }
  });

  it('says what a redis url must look like, without repeating it', () => {
    config('  cache:\n    type: redis\n    url: http://u:FileS3cret@cache.internal:6379\n');
    const { status, output } = rtdash(['validate', '--config', 'config.yaml'], dir);
    expect(status).to.equal(1);
    expect(output).to.include('config.yaml:6:10: "url" must start with redis:// or rediss://, like redis://user:password@host:6379/0\n');
    expect(output).not.to.include('cache.internal');
    expect(output).not.to.include('pattern');
  });

  it('says that a header filled by an unquoted ${VAR} became a number, not that it is not one line', () => {
    config('  api:\n    type: http\n    url: http://127.0.0.1:9/\n    headers:\n      Authorization: ${TOKEN}\n');
    const { status, output } = rtdash(['validate', '--config', 'config.yaml'], dir, { TOKEN: '12345' });
    expect(status).to.equal(1);
    expect(output).to.include('config.yaml:8:22: "Authorization" must be text, but the environment variable filled it with a number (not shown): put the reference in quotes ("${NAME}")');
    expect(output).not.to.include('one line');
    expect(output).not.to.include('12345');
    config('  api:\n    type: http\n    url: http://127.0.0.1:9/\n    headers:\n      Authorization: "${TOKEN}"\n');
    expect(rtdash(['validate', '--config', 'config.yaml'], dir, { TOKEN: '12345' }).status).to.equal(0);
    config('  demo: { type: demo }\nnotifiers:\n  hook:\n    type: webhook\n    url: http://127.0.0.1:9/\n    headers:\n      Authorization: ${TOKEN}\n');
    const webhook = rtdash(['validate', '--config', 'config.yaml'], dir, { TOKEN: '12345' });
    expect(webhook.status).to.equal(1);
    expect(webhook.output).to.include('config.yaml:10:22: "Authorization" must be text, but the environment variable filled it with a number');
    expect(webhook.output).not.to.include('12345');
  });
});
