/**
 * How alert rules map failures and missing data, and how notifiers stay independent, on a real server with
 * real receivers on loopback: `error: error` waits the `for` period of failures, notifies once and resolves
 * once; `error: keep` leaves a firing alert alone; `nodata: ok` resolves; a hanging receiver delays no other
 * notifier; an email notifier sends a real mail over SMTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { httpReceiver, smtpReceiver, type HttpReceiver, type SmtpReceiver } from '../core/alerts/notifiers/testing.js';
import type { ServerConfig } from '../core/model.js';
import { levelDashboard } from './support/alert-dashboard.js';
import { calls, failing, levels } from './support/test-plugin.js';
import { sleep, startTestServer, type TestServer } from './support/test-server.js';


interface Received {
  status: string;
  state: string;
  rule: string;
}

/** The notifications a receiver got, in order. */
function received(receiver: HttpReceiver): Received[] {
  return receiver.requests.flatMap((r) => (JSON.parse(r.body) as { notifications: Received[] }).notifications.map(({ status, state, rule }) => ({ status, state, rule })));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Resolves with `promise`, or rejects after `ms` naming `what`. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('alert mapping of failures and missing data, and notifier independence', function () {
  this.timeout(30_000);
  let server: TestServer | undefined;
  let receivers: { close(): Promise<void> }[] = [];
  let data: string;

  const start = async (tag: string, rule: string, notifiers: ServerConfig['notifiers']) => {
    server = await startTestServer({ [`${tag}.yaml`]: levelDashboard(tag, rule) }, {}, false, { notifiers, storageDir: data });
    return server;
  };
  const alerts = async () => (await (await fetch(`${server!.server.url}/api/alerts`)).json()) as { rule: string; state: string; reason?: string }[];
  const webhook = (url: string, timeoutMs = 2000) => ({ type: 'webhook', timeoutMs, options: { url } });
  const hook = async (answer?: Parameters<typeof httpReceiver>[0]) => {
    const r = await httpReceiver(answer);
    receivers.push(r);
    return r;
  };
  /** Resolves once the tag's query has been called `more` more times. */
  const moreCalls = (tag: string, more: number, timeoutMs = 5000) => {
    const target = (calls.get(tag) ?? 0) + more;
    return until(`${more} more queries of "${tag}"`, () => (calls.get(tag) ?? 0) >= target, timeoutMs);
  };

  beforeEach(() => {
    data = mkdtempSync(join(tmpdir(), 'rtdash-alerts-mapping-'));
  });
  afterEach(async () => {
    // Receivers first: a hanging one would keep the server's outbox waiting on close.
    for (const r of receivers) await r.close();
    receivers = [];
    await server?.stop();
    server = undefined;
    levels.clear();
    failing.clear();
    rmSync(data, { recursive: true, force: true });
  });

  it('goes to error only after the for period of failures, notifies once, and resolves once when the source recovers', async () => {
    const receiver = await hook();
    levels.set('fails', 1);
    await start('fails', `when: "last() > 5"\nfor: 300ms\nerror: error\nnotify: [hook]`, { hook: webhook(receiver.url) });
    await moreCalls('fails', 2);
    expect(await alerts(), 'fine while the source works').to.deep.equal([]);

    failing.add('fails');
    const failedFrom = Date.now();
    await moreCalls('fails', 1);
    await sleep(50);
    const early = await alerts();
    const elapsed = Date.now() - failedFrom;
    expect(elapsed, 'checked inside the for period').to.be.below(300);
    expect(early.map((a) => a.state), `not in error ${elapsed} ms into the failure`).to.not.include('error');
    expect(receiver.requests, 'nothing sent inside the for period').to.have.length(0);

    await until('the alert to be in state error', async () => (await alerts()).some((a) => a.state === 'error'), 3000);
    expect(Date.now() - failedFrom, 'not before the for period').to.be.at.least(300);
    const [alert] = await alerts();
    expect(alert).to.deep.include({ rule: 'fails-high', state: 'error' });
    await within(2000, 'the error notification', receiver.waitFor(1));
    await moreCalls('fails', 1);
    expect(received(receiver), 'one notification while it keeps failing').to.deep.equal([{ status: 'firing', state: 'error', rule: 'fails-high' }]);

    failing.delete('fails');
    await within(5000, 'the resolved notification', receiver.waitFor(2));
    await moreCalls('fails', 5);
    expect(received(receiver)).to.deep.equal([
      { status: 'firing', state: 'error', rule: 'fails-high' },
      { status: 'resolved', state: 'resolved', rule: 'fails-high' },
    ]);
    expect(await alerts()).to.deep.equal([]);
  });

  it('keeps a firing alert firing through a failure with error: keep, and sends nothing for it', async () => {
    const receiver = await hook();
    levels.set('keeps', 9);
    await start('keeps', `when: "last() > 5"\nerror: keep\nnotify: [hook]`, { hook: webhook(receiver.url) });
    await within(3000, 'the firing notification', receiver.waitFor(1));
    expect((await alerts()).map((a) => [a.rule, a.state])).to.deep.equal([['keeps-high', 'firing']]);

    failing.add('keeps');
    await moreCalls('keeps', 3); // failed tries, spaced by the job's back-off
    expect((await alerts()).map((a) => [a.rule, a.state]), 'still firing while the source fails').to.deep.equal([['keeps-high', 'firing']]);
    failing.delete('keeps');
    await moreCalls('keeps', 5);
    expect((await alerts()).map((a) => [a.rule, a.state]), 'still firing once it is back').to.deep.equal([['keeps-high', 'firing']]);
    expect(received(receiver)).to.deep.equal([{ status: 'firing', state: 'firing', rule: 'keeps-high' }]);
  });

  it('resolves a firing alert when its data goes empty with nodata: ok', async () => {
    const receiver = await hook();
    levels.set('empty', 9);
    // A window: the widget keeps its history, so only a window ending now can run out of data.
    await start('empty', `when: "last(500ms) > 5"\nnodata: ok\nnotify: [hook]`, { hook: webhook(receiver.url) });
    await within(3000, 'the firing notification', receiver.waitFor(1));
    levels.set('empty', null);
    await within(5000, 'the resolved notification', receiver.waitFor(2));
    await moreCalls('empty', 5);
    expect(received(receiver).map((n) => n.status)).to.deep.equal(['firing', 'resolved']);
    expect((await alerts()).filter((a) => a.state !== 'resolved'), 'nothing alerting').to.deep.equal([]);
  });

  it('lets no hanging receiver delay another notifier of the same rule', async () => {
    const stuck = await hook(() => 'hang');
    const fine = await hook();
    levels.set('two', 9);
    await start('two', `when: "last() > 5"\nnotify: [stuck, fine]`, { stuck: webhook(stuck.url, 30_000), fine: webhook(fine.url) });
    await within(3000, 'the try to the hanging receiver', stuck.waitFor(1));
    await within(1000, 'the other receiver’s notification', fine.waitFor(1));
    expect(received(fine)).to.deep.equal([{ status: 'firing', state: 'firing', rule: 'two-high' }]);
    expect(fine.requests[0]!.headers['x-rtdash-delivery']).to.equal(stuck.requests[0]!.headers['x-rtdash-delivery']);
  });

  it('sends a mail over SMTP when a rule fires', async () => {
    const smtp: SmtpReceiver = await smtpReceiver();
    receivers.push(smtp);
    levels.set('mail', 9);
    await start('mail', `when: "last() > 5"\nsummary: "level {{ value }}"\nnotify: [mail]`, {
      mail: { type: 'email', timeoutMs: 5000, options: { smtp: { host: '127.0.0.1', port: smtp.port, secure: false }, from: 'rtdash@example.com', to: ['ops@example.com'] } },
    });
    await within(5000, 'the mail', smtp.waitFor(1));
    const [mail] = smtp.mails;
    expect(mail!.subject).to.match(/^\[FIRING\]/);
    expect(mail!.subject).to.include('mail-high').and.include('level 9');
    expect(mail!.to).to.deep.equal(['ops@example.com']);
    expect(mail!.text).to.include('level 9');
  });
});
