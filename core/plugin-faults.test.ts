import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from './logger.js';
import { PluginFaults, strayHandler } from './plugin-faults.js';
import { PluginRegistry, type SourceInstance } from './registry.js';
import { packageRoot } from './paths.js';

const PLUGIN = `export default {
  type: 'wild', description: 'Makes errors from its own file', optionsSchema: {}, querySchema: {},
  create: () => ({ query: async () => ({ fields: [] }), health: async () => ({ status: 'ok' }) }),
  makeError: () => new Error('from the plugin'),
};
`;

/** A source instance of `type`, enough for the fault bookkeeping. */
function instance(name: string, type: string): SourceInstance {
  return { config: { name, type, options: {} }, plugin: { type } as SourceInstance['plugin'], source: {} as SourceInstance['source'], close: async () => undefined };
}

describe('plugin faults', () => {
  let dir: string;
  let faults: PluginFaults;
  let fromPlugin: Error;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-faults-'));
    writeFileSync(join(dir, 'wild.mjs'), PLUGIN);
    const registry = new PluginRegistry();
    const def = (await registry.load('./wild.mjs', dir)) as unknown as { makeError(): Error };
    fromPlugin = def.makeError();
    faults = new PluginFaults(silentLogger());
    faults.watchPlugins(registry);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('traces an error to the loaded plugin whose file is in its stack, and nothing else', () => {
    expect(faults.pluginOf(fromPlugin)).to.equal('wild');
    expect(faults.pluginOf(new Error('from the server'))).to.equal(undefined);
    expect(faults.pluginOf('a string has no stack')).to.equal(undefined);
  });

  it('traces an error to a built-in plugin by its folder, compiled or (with source maps) not', () => {
    const registry = new PluginRegistry();
    for (const type of ['mysql', 'redis']) registry.register({ type } as Parameters<PluginRegistry['register']>[0]);
    const builtins = new PluginFaults(silentLogger());
    builtins.watchPlugins(registry);
    const at = (file: string) => Object.assign(new Error('stray'), { stack: `Error: stray\n    at Timeout._onTimeout (${file}:10:5)` });
    expect(builtins.pluginOf(at(`file://${join(packageRoot, 'dist', 'plugins', 'mysql', 'pool.js')}`))).to.equal('mysql');
    expect(builtins.pluginOf(at(join(packageRoot, 'plugins', 'redis', 'subscriber.ts')))).to.equal('redis');
    expect(builtins.pluginOf(at(`file://${join(packageRoot, 'dist', 'core', 'job.js')}`))).to.equal(undefined);
  });

  it('takes the plugin’s sources out of service, those watched later too, and leaves the others', () => {
    const early = new Map([['a', instance('a', 'wild')], ['other', instance('other', 'demo')]]);
    faults.watchSources(early);
    expect(faults.contain(fromPlugin, 'unhandled rejection')).to.equal(true);
    expect(early.get('a')!.fault?.code).to.equal('RTDASH_PLUGIN_FAILED');
    expect(early.get('a')!.fault?.message).to.match(/plugin "wild" failed outside a query \(unhandled rejection\)/);
    expect(early.get('other')!.fault).to.equal(undefined);
    const late = new Map([['b', instance('b', 'wild')]]);
    faults.watchSources(late);
    expect(late.get('b')!.fault?.code).to.equal('RTDASH_PLUGIN_FAILED');
  });

  it('logs the first stray failures of a plugin, then one line a minute', () => {
    const lines: unknown[] = [];
    const logger = { ...silentLogger(), error: (obj: unknown) => void lines.push(obj) } as unknown as ReturnType<typeof silentLogger>;
    const quiet = new PluginFaults(logger);
    const registry = new PluginRegistry();
    registry.register({ type: 'mysql' } as Parameters<PluginRegistry['register']>[0]);
    quiet.watchPlugins(registry);
    const stray = Object.assign(new Error('stray'), { stack: `Error: stray\n    at Timeout._onTimeout (${join(packageRoot, 'plugins', 'mysql', 'pool.ts')}:1:1)` });
    for (let i = 0; i < 50; i++) expect(quiet.contain(stray, 'uncaught exception')).to.equal(true);
    expect(lines).to.have.length(10);
  });

  it('exits 1 on a stray error no plugin caused, and carries on for one a plugin caused', () => {
    const exits: number[] = [];
    const handle = strayHandler(faults, silentLogger(), (code) => exits.push(code))('uncaught exception');
    handle(fromPlugin);
    expect(exits).to.deep.equal([]);
    handle(new Error('from the server'));
    expect(exits).to.deep.equal([1]);
  });
});
