/**
 * Fault: a viewer's network drops for 30 s. It reconnects with its last seqs and gets exactly the updates
 * it missed (the same ones the viewers who stayed got), none twice, no gap to the live stream; for a widget
 * whose update log no longer reaches back 30 s it gets the widget's whole state instead.
 */
import { expect } from 'chai';
import { connect, type Message } from '../support/ws-client.js';
import { contiguousSeqs, updateEntries, type UpdateEntry } from '../support/seq-check.js';
import { sleep, startTestServer, type TestServer } from '../support/test-server.js';

const AWAY_MS = 30_000;

// 300 updates in 30 s each. The line widget's fit in the update log kept for resuming (512 entries, 1 MiB);
// the table's are whole frames of about 11 KB, so the log holds only the last ten seconds of them.
const DASHBOARD = `id: r
title: Resume
widgets:
  - { id: held, title: Held, type: line, source: test, query: { behave: counter, tag: resume-held }, every: 100ms, keep: 1000 }
  - { id: overrun, title: Overrun, type: table, source: test, query: { behave: big, rows: 50, tag: resume-overrun }, every: 100ms }
`;

describe('fault: resume after 30 s', function () {
  this.timeout(50_000);
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'r.yaml': DASHBOARD });
  });
  after(() => t.stop());

  it('gets exactly what it missed, or a fresh state where the log no longer reaches back', async () => {
    const keeper = await connect(t.wsUrl); // stays: keeps the jobs running, and sees every update
    keeper.send({ type: 'subscribe', dashboard: 'r' });
    await keeper.nextOf('snapshot');
    const away = await connect(t.wsUrl);
    away.send({ type: 'subscribe', dashboard: 'r' });
    const snap = await away.nextOf('snapshot');
    while (updateEntries(away.messages).filter((e) => e.op === 'append').length < 10) await away.nextOf('update');
    await away.close();
    const last = Object.fromEntries([...contiguousSeqs(away.messages)].map(([w, seqs]) => [w, seqs.at(-1)!]));

    await sleep(AWAY_MS);
    const back = await connect(t.wsUrl);
    back.send({ type: 'subscribe', dashboard: 'r', version: snap.version, resume: last });
    const resumed = await back.nextOf('update');
    expect(resumed.resumed).to.equal(true);
    await back.nextOf('update');
    await back.nextOf('update');
    await back.close();
    await keeper.close();

    // What an entry says: its seq, times, status and change as sent (not its age in the message that carried it, nor
    // the data it adds up to on each client: the client that comes back kept its data, this test's does not).
    const said = ({ state: _state, frame: _frame, wire, ...rest }: UpdateEntry & { state?: unknown; wire?: { dt?: number } }) => {
      const { dt: _dt, ...change } = wire ?? {};
      return { ...rest, change };
    };
    const kept = new Map(updateEntries(keeper.messages).map((e) => [`${e.w}/${e.seq}`, said(e)]));
    const inResume = (w: string) => (resumed.updates as UpdateEntry[]).filter((e) => e.w === w).map(said);

    // The held widget: every update since its last seq, each as the keeper got it.
    const held = inResume('held');
    expect(held.length).to.be.within(250, 400);
    held.forEach((e, i) => {
      expect(e.seq).to.equal(last.held! + 1 + i);
      expect(e).to.deep.equal(kept.get(`held/${e.seq}`));
    });
    // The overrun widget: one whole state, the same data the keeper had at that seq.
    const [overrun, ...more] = (resumed.updates as (UpdateEntry & { state: unknown; wire: object })[]).filter((e) => e.w === 'overrun');
    expect(more).to.deep.equal([]);
    expect(overrun!.wire, 'a whole state carries its seq').to.have.property('seq');
    expect(overrun!.seq - last.overrun!).to.be.greaterThan(200);
    const keeperAt = updateEntries(keeper.messages).find((e) => e.w === 'overrun' && e.seq === overrun!.seq) as NonNullable<typeof overrun>;
    expect(overrun!.state).to.deep.equal(keeperAt.state);
    expect([overrun!.at, overrun!.status]).to.deep.equal([keeperAt.at, keeperAt.status]);

    // From the resumed update on, the stream runs on without a gap or a repeat.
    const fromResume = back.messages.slice(back.messages.indexOf(resumed as Message));
    const seqs = contiguousSeqs(fromResume);
    expect(seqs.get('held')![0]).to.equal(last.held! + 1);
    expect(seqs.get('overrun')![0]).to.equal(overrun!.seq);
  });
});
