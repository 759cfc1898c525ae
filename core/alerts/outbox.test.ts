import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NotificationGroup } from './notification.js';
import { createNotifiers } from './notifiers/index.js';
import { httpReceiver, recordingLogger, sampleGroup, type HttpReceiver } from './notifiers/testing.js';
import { signBody } from './notifiers/webhook.js';
import { DEFAULT_RETRY, Outbox, outboxEntryId, retryDelayMs, type OutboxEvents, type OutboxOptions } from './outbox.js';

const SECRET = 'a-webhook-secret-of-some-length';
// Short enough that a retry comes at once, long enough that it is a real timer.
const FAST: OutboxOptions = { retry: { firstMs: 20, capMs: 100 }, closeTimeoutMs: 200 };

/** Resolves with the first `event` whose payload passes `test`. */
function next<E extends keyof OutboxEvents>(outbox: Outbox, event: E, test: (e: OutboxEvents[E][0]) => boolean = () => true): Promise<OutboxEvents[E][0]> {
  return new Promise((resolve) => {
    const listener = (...args: OutboxEvents[E]): void => {
      if (!test(args[0])) return;
      outbox.off(event, listener as never);
      resolve(args[0]);
    };
    outbox.on(event, listener as never);
  });
}

describe('Outbox', () => {
  let dir: string;
  const cleanups: (() => Promise<void>)[] = [];
  const receiver = async (answer?: Parameters<typeof httpReceiver>[0]): Promise<HttpReceiver> => {
    const r = await httpReceiver(answer);
    cleanups.push(() => r.close());
    return r;
  };
  /** An outbox over `dir` with webhooks to the given receivers, closed after the test. */
  const outboxFor = (hooks: Record<string, { url: string; timeoutMs?: number }>, options: OutboxOptions = FAST, logger = recordingLogger()): Outbox => {
    const configs = Object.fromEntries(Object.entries(hooks).map(([name, h]) => [name, { type: 'webhook', timeoutMs: h.timeoutMs ?? 5000, options: { url: h.url, secret: SECRET } }]));
    const outbox = new Outbox(dir, createNotifiers(configs), logger, options);
    cleanups.push(() => outbox.close());
    return outbox;
  };
  const files = async (): Promise<string[]> => (await readdir(dir)).sort();

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'rtdash-outbox-')), 'outbox');
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('stores the entry before enqueue resolves, delivers it once, signed, and removes the file', async () => {
    const hook = await receiver();
    const outbox = outboxFor({ ops: hook });
    const group = sampleGroup();
    const id = await outbox.enqueue('ops', group);
    expect(await files()).to.deep.equal([`${id}.json`]);
    const delivered = next(outbox, 'delivered');
    await outbox.start();
    expect(await delivered).to.deep.equal({ id, notifier: 'ops', attempts: 1 });
    expect(hook.requests).to.have.length(1);
    const [request] = hook.requests as [(typeof hook.requests)[0]];
    expect(request.headers['content-type']).to.equal('application/json');
    expect(request.headers['x-rtdash-delivery']).to.equal(group.id);
    expect(request.headers['x-rtdash-signature']).to.equal(signBody(request.body, SECRET));
    expect(JSON.parse(request.body)).to.deep.equal({ version: 1, group: { id: group.id, rule: 'cpu-high', status: 'firing' }, notifications: group.notifications });
    expect(await files()).to.deep.equal([]);
    // The same group again is the same transition: not sent twice.
    expect(await outbox.enqueue('ops', group)).to.equal(id);
    expect(await files()).to.deep.equal([]);
    await outbox.close();
    expect(hook.requests).to.have.length(1);
    expect(outbox.stats()).to.deep.equal({ pending: 0, orphaned: 0, oldestAt: undefined, delivered: 1, failedAttempts: 0, superseded: 0 });
  });

  it('retries a receiver that answers 500, and delivers once it answers 200', async () => {
    const hook = await receiver((n, res) => {
      res.statusCode = n === 1 ? 500 : 200;
      res.end(n === 1 ? 'database is down' : 'ok');
    });
    const outbox = outboxFor({ ops: hook });
    await outbox.start();
    const failed = next(outbox, 'failed');
    const delivered = next(outbox, 'delivered');
    await outbox.enqueue('ops', sampleGroup());
    const failure = await failed;
    expect(failure.error).to.equal('the receiver answered HTTP 500 Internal Server Error: database is down');
    expect(failure.retryInMs).to.be.within(15, 20);
    expect((await delivered).attempts).to.equal(2);
    await outbox.close();
    expect(hook.requests).to.have.length(2);
    expect(hook.requests[0]?.body).to.equal(hook.requests[1]?.body);
    expect(outbox.stats()).to.include({ pending: 0, delivered: 1, failedAttempts: 1 });
    expect(await files()).to.deep.equal([]);
  });

  it('delivers to one notifier while another receiver hangs, and times out and retries the hanging one', async () => {
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver();
    const outbox = outboxFor({ slow: { url: hanging.url, timeoutMs: 1000 }, fast: healthy });
    await outbox.start();
    const slowFailed = next(outbox, 'failed', (e) => e.notifier === 'slow');
    let slowFailedYet = false;
    void slowFailed.then(() => (slowFailedYet = true));
    const fastDelivered = next(outbox, 'delivered', (e) => e.notifier === 'fast');
    await outbox.enqueue('slow', sampleGroup());
    await hanging.waitFor(1);
    await outbox.enqueue('fast', sampleGroup());
    await fastDelivered;
    expect(slowFailedYet, 'the healthy notifier waited for the hanging one').to.equal(false);
    expect(healthy.requests).to.have.length(1);
    expect((await slowFailed).error).to.equal('no answer within 1s');
    await hanging.waitFor(2);
    expect(outbox.stats()).to.include({ pending: 1, delivered: 1, failedAttempts: 1 });
  });

  it('delivers, exactly once, an entry a previous process stored but never delivered', async () => {
    const hook = await receiver();
    const dead = outboxFor({ ops: hook });
    const id = await dead.enqueue('ops', sampleGroup());
    await dead.close();
    const outbox = outboxFor({ ops: hook });
    const delivered = next(outbox, 'delivered');
    await outbox.start();
    expect((await delivered).id).to.equal(id);
    await outbox.close();
    expect(hook.requests).to.have.length(1);
    expect(await files()).to.deep.equal([]);
  });

  it('keeps an entry whose try was cut short by close, and the next process delivers it', async () => {
    const hanging = await receiver(() => 'hang');
    const dying = outboxFor({ ops: { url: hanging.url, timeoutMs: 60_000 } }, { ...FAST, closeTimeoutMs: 10 });
    await dying.start();
    const id = await dying.enqueue('ops', sampleGroup());
    await hanging.waitFor(1);
    await dying.close();
    expect(await files()).to.deep.equal([`${id}.json`]);
    expect(dying.stats()).to.include({ delivered: 0, failedAttempts: 0 });
    const hook = await receiver();
    const outbox = outboxFor({ ops: hook });
    const delivered = next(outbox, 'delivered');
    await outbox.start();
    expect((await delivered).id).to.equal(id);
    expect(hook.requests).to.have.length(1);
    expect(hanging.requests).to.have.length(1);
  });

  it('removes a temp file torn by a crash mid-write, and delivers the complete entries beside it', async () => {
    const hook = await receiver();
    const id = await outboxFor({ ops: hook }).enqueue('ops', sampleGroup());
    const torn = `.${outboxEntryId('ops', 'other')}.4242.deadbeef.tmp`;
    await writeFile(join(dir, torn), '{"version":1,"id":"');
    const outbox = outboxFor({ ops: hook });
    const discarded = next(outbox, 'discarded');
    const delivered = next(outbox, 'delivered');
    await outbox.start();
    expect(await discarded).to.deep.equal({ file: torn, reason: 'torn write' });
    expect((await delivered).id).to.equal(id);
    expect(await files()).to.deep.equal([]);
    expect(hook.requests).to.have.length(1);
  });

  it('moves a complete file that is not an entry aside, and keeps it', async () => {
    await outboxFor({}).enqueue('ops', sampleGroup());
    await writeFile(join(dir, 'garbage.json'), '{"hello": 1}');
    const outbox = outboxFor({});
    const discarded = next(outbox, 'discarded');
    await outbox.start();
    expect((await discarded).file).to.equal('garbage.json');
    expect(await files()).to.include('garbage.json.corrupt');
  });

  it('keeps an entry for a notifier that is not configured, logs it once, and delivers it when it is back', async () => {
    const logger = recordingLogger();
    const outbox = outboxFor({}, FAST, logger);
    const group: NotificationGroup = sampleGroup();
    const id = await outbox.enqueue('gone', group);
    const orphaned = next(outbox, 'orphaned');
    await outbox.start();
    expect(await orphaned).to.deep.equal({ id, notifier: 'gone' });
    expect(existsSync(join(dir, `${id}.json`))).to.equal(true);
    expect(logger.lines.filter((l) => l.level === 'error')).to.have.length(1);
    expect(outbox.stats()).to.include({ pending: 1, orphaned: 1 });

    const hook = await receiver();
    const delivered = next(outbox, 'delivered');
    outbox.setNotifiers(createNotifiers({ gone: { type: 'webhook', timeoutMs: 5000, options: { url: hook.url } } }));
    expect((await delivered).id).to.equal(id);
    expect(hook.requests).to.have.length(1);
  });

  it('refuses new entries once closed', async () => {
    const outbox = outboxFor({});
    await outbox.close();
    let error: unknown;
    await outbox.enqueue('ops', sampleGroup()).catch((err: unknown) => (error = err));
    expect(error).to.have.property('code', 'RTDASH_SHUTTING_DOWN');
  });
});

describe('retryDelayMs', () => {
  it('doubles from about a second up to a cap of five minutes, with jitter below each step', () => {
    const low = (): number => 0;
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, DEFAULT_RETRY, low))).to.deep.equal([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(20, DEFAULT_RETRY, low)).to.equal(300_000);
    expect(retryDelayMs(1000, DEFAULT_RETRY, low)).to.equal(300_000);
    expect(retryDelayMs(1, DEFAULT_RETRY, () => 0.999)).to.be.within(750, 751);
  });
});
