import { expect } from 'chai';
import { silentLogger } from './logger.js';
import { definePlugin, type DataSource, type RuntimeStats } from './plugin.js';
import { checkHealth, createSource } from './registry.js';

const stats = () => ({}) as RuntimeStats;

describe('createSource', () => {
  it('gives up on a create() slower than create_timeout: the source is failed, its signal aborted, and what comes later is closed', async () => {
    let signal: AbortSignal | undefined;
    let closed = false;
    const plugin = definePlugin({
      type: 'slow',
      description: 'Takes its time',
      optionsSchema: {},
      querySchema: {},
      create: (ctx) => {
        signal = ctx.signal;
        const late: DataSource = { query: async () => ({ fields: [] }), health: async () => ({ status: 'ok' }), close: () => void (closed = true) };
        return new Promise<DataSource>((resolve) => setTimeout(() => resolve(late), 150));
      },
    });
    const started = Date.now();
    const instance = await createSource({ name: 'lazy', type: 'slow', options: {}, createTimeoutMs: 50 }, plugin, silentLogger(), stats);
    expect(Date.now() - started).to.be.below(140);
    expect(instance.fault?.code).to.equal('RTDASH_PLUGIN_FAILED');
    expect(instance.fault?.message).to.equal('plugin "slow" did not finish creating source "lazy" within 50 ms (create_timeout); the source is out of service until the server restarts');
    expect(signal?.aborted).to.equal(true);
    expect((await checkHealth(instance)).status).to.equal('down');
    const err = await instance.source.query(undefined, {} as never).catch((e: unknown) => e);
    expect((err as { code?: string }).code).to.equal('RTDASH_PLUGIN_FAILED');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closed).to.equal(true);
  });

  it('still fails on a create() that rejects in time: that is how a plugin refuses its options', async () => {
    const plugin = definePlugin({ type: 'picky', description: 'Refuses', optionsSchema: {}, querySchema: {}, create: () => Promise.reject(new Error('no such region')) });
    const err = await createSource({ name: 'p', type: 'picky', options: {} }, plugin, silentLogger(), stats).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('no such region');
  });
});
