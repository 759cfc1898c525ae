/**
 * `rtdash serve` whose start fails after some sources exist (a plugin's create() refuses its options): it must
 * exit 1 with the reason, having closed the sources created beside it, not stay alive on their connections.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICES, needService } from './support/services.js';
import { killCli, serveCli, type ServedCli } from './support/served-cli.js';
import { freePort } from './support/tcp-proxy.js';
import { sleep } from './support/test-server.js';

/** Refuses its options, a little after the other sources have been created. */
const REFUSES_MJS = `export default {
  type: 'refuses', description: 'Refuses its options', optionsSchema: { type: 'object' }, querySchema: { type: 'string' },
  create: () => new Promise((_, reject) => setTimeout(() => reject(new Error('refuses: the option "region" names no region')), 300)),
};
`;

describe('rtdash serve whose start fails after sources exist', function () {
  this.timeout(30_000);
  let dir: string;
  let child: ServedCli | undefined;

  before(async function () {
    await needService(this, 'redis');
    dir = mkdtempSync(join(tmpdir(), 'rtdash-failed-start-'));
    mkdirSync(join(dir, 'dashboards'));
    writeFileSync(join(dir, 'refuses.mjs'), REFUSES_MJS);
  });
  after(async () => {
    await killCli(child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 with the reason, the sources it had created closed', async () => {
    writeFileSync(
      join(dir, 'config.yaml'),
      `server: { host: 127.0.0.1, port: ${await freePort()} }\nplugins: [./refuses.mjs]\ndatasources:\n  cache: { type: redis, url: "${SERVICES.redis.url}" }\n  picky: { type: refuses }\ndashboards: { dir: dashboards, watch: false }\nlog: { level: info }\n`,
    );
    child = serveCli('config.yaml', dir);
    const exited = await Promise.race([child.exited.then(() => true), sleep(10_000).then(() => false)]);
    expect(exited, `still running 10 s after the start failed:\n${child.output()}`).to.equal(true);
    expect(child.process.exitCode).to.equal(1);
    expect(child.output()).to.include('rtdash: refuses: the option "region" names no region');
  });
});
