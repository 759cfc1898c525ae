/**
 * `rtdash serve --port N` with a config whose source reads the server's own address through `${PORT:-8080}`
 * (as config.example.yaml's `self` does): the source must follow --port, not watch whatever is on 8080.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killCli, serveCli, until, waitReady, type ServedCli } from './support/served-cli.js';
import { freePort } from './support/tcp-proxy.js';

describe('rtdash serve --port and ${PORT} in the config', function () {
  this.timeout(60_000);
  let dir: string;
  let child: ServedCli | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-port-env-'));
  });
  afterEach(async () => {
    await killCli(child);
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives --port to ${PORT}, so a source reading the server itself reads this server', async () => {
    mkdirSync(join(dir, 'dashboards'));
    writeFileSync(
      join(dir, 'config.yaml'),
      'server:\n  port: ${PORT:-8080}\ndashboards:\n  dir: ./dashboards\ndatasources:\n  self:\n    type: http\n    url: http://127.0.0.1:${PORT:-8080}\n',
    );
    writeFileSync(
      join(dir, 'dashboards', 'me.yaml'),
      'id: me\ntitle: Me\nwidgets:\n  - { id: port, title: Port, type: stat, source: self, every: 1s, query: { path: "/api/dashboards/me", fields: [{ name: id, path: "$.id", type: string }] } }\n',
    );
    const port = await freePort();
    child = serveCli(join(dir, 'config.yaml'), dir, ['--port', String(port)], { env: { PORT: '' } });
    const url = `http://127.0.0.1:${port}`;
    await waitReady(child, url);
    let body: { frame?: { fields: { name: string; values: unknown[] }[] }; status?: string } = {};
    await until('the self widget to read its own server', async () => {
      body = (await (await fetch(`${url}/api/dashboards/me/widgets/port`)).json()) as typeof body;
      return body.status === 'ok';
    });
    expect(body.frame!.fields[0]!.values, child.output()).to.deep.equal(['me']);
  });
});
