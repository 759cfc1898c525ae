/**
 * A notifier of a team's own, loaded from a path under `plugins:` as a data-source plugin is: its options are
 * checked against its schema at file:line:col, and a rule that notifies it reaches its receiver through the outbox.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { httpReceiver, type HttpReceiver } from '../core/alerts/notifiers/testing.js';
import { packageRoot } from '../core/paths.js';
import { killCli, levelSource, runCli, serveCli, until, waitReady, writeAlertProject, type LevelSource, type ServedCli } from './support/served-cli.js';
import { freePort } from './support/tcp-proxy.js';

const MODULE = `import { defineNotifier } from ${JSON.stringify(pathToFileURL(join(packageRoot, 'dist', 'core', 'index.js')).href)};

export default defineNotifier({
  type: 'team-hook',
  optionsSchema: {
    type: 'object',
    required: ['type', 'url', 'channel'],
    additionalProperties: false,
    properties: {
      type: { const: 'team-hook' },
      timeout: { type: 'string' },
      url: { type: 'string', pattern: '^https?://' },
      channel: { type: 'string', pattern: '^#[a-z-]+$' },
    },
  },
  create: (name, options, ctx) => ({
    name,
    type: 'team-hook',
    timeoutMs: ctx.timeoutMs,
    async send(group, signal) {
      const text = group.notifications.map((n) => n.status + ': ' + n.summary).join('\\n');
      const res = await fetch(options.url, { method: 'POST', body: JSON.stringify({ channel: options.channel, text }), headers: { 'content-type': 'application/json' }, signal });
      if (!res.ok) throw new Error('the team hook answered ' + res.status);
    },
  }),
});
`;

describe('a notifier plugin loaded from a path', function () {
  this.timeout(60_000);
  let dir: string;
  let source: LevelSource;
  let receiver: HttpReceiver;
  let child: ServedCli | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-notifier-plugin-'));
    writeFileSync(join(dir, 'team-hook.mjs'), MODULE);
    source = await levelSource(9);
    receiver = await httpReceiver();
  });
  afterEach(async () => {
    await killCli(child);
    child = undefined;
    await source.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The alert project's config with its notifier made a team-hook one with `options` (YAML lines). */
  const project = async (options: string) => {
    const port = await freePort();
    const config = writeAlertProject({ dir, port, sourcePort: source.port, hook: receiver.url, data: join(dir, 'data'), rules: ['level-high'], extra: 'plugins: [./team-hook.mjs]\n' });
    const text = readFileSync(config, 'utf8').replace(/  hook:\n    type: webhook\n    url: \S+\n/, `  hook:\n    type: team-hook\n${options}`);
    writeFileSync(config, text);
    return { config, port };
  };

  it('delivers a firing alert through the plugin', async () => {
    const { config, port } = await project(`    url: ${receiver.url}\n    channel: "#ops"\n`);
    child = serveCli(config, dir);
    await waitReady(child, `http://127.0.0.1:${port}`);
    await until('the plugin to deliver', () => receiver.requests.length > 0, 15_000);
    expect(JSON.parse(receiver.requests[0]!.body)).to.deep.equal({ channel: '#ops', text: 'firing: level-high: 9' });
  });

  it('refuses options its schema refuses, at their line and column, in serve and validate', async () => {
    const { config } = await project(`    url: ${receiver.url}\n    channel: ops\n`);
    for (const args of [['serve', '--config', config], ['validate', '--config', config, join(dir, 'dashboards')]]) {
      const r = runCli(args, dir);
      expect(r.status, r.output).to.equal(1);
      expect(r.output, r.output).to.match(/config-\d+\.yaml:\d+:14: "channel" must match the pattern \^#\[a-z-\]\+\$, got the string "ops"/);
    }
  });
});
