import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocumentAlertStore, type AlertStates, type StateMedium } from './alert-store.js';
import { FileAlertStore } from './file-medium.js';
import { recordingLogger } from './notifiers/testing.js';
import { until } from '../../test/support/served-cli.js';
import { initialAlertState, step, type StepInput, type StepRule, type Transition } from './rule-state.js';
import type { Silence } from './silences.js';

const S = 1000;
const rule: StepRule = { name: 'cpu-high', forMs: 30 * S, keepFiringForMs: 0, repeatMs: 600 * S, nodata: 'nodata', error: 'error' };
const yes: StepInput = { kind: 'value', holds: true, values: { 'last()': 95 } };

function transition(at: number, over: Partial<Transition> = {}): Transition {
  return { rule: 'cpu-high', seriesKey: '', kind: 'firing', from: 'pending', to: 'firing', at, startsAt: at, repeat: 0, labels: {}, value: 95, values: {}, ...over };
}

describe('FileAlertStore', () => {
  let dir: string;
  const stores: FileAlertStore[] = [];
  const open = (logger = recordingLogger(), now = () => 100_000 * S): FileAlertStore => {
    const store = new FileAlertStore(dir, logger, { minWriteIntervalMs: 20, now });
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'rtdash-alerts-')), 'data');
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('starts empty, saying so, when there is no file', async () => {
    const logger = recordingLogger();
    expect(await open(logger).load()).to.deep.equal({ alerts: {}, history: [], silences: [], acknowledgements: [] });
    expect(logger.lines.map((l) => l.msg)).to.deep.equal(['no saved alert state: every alert starts as ok']);
  });

  it('round-trips alert states and history through the file, on close', async () => {
    const store = open();
    await store.load();
    let state = initialAlertState({ host: 'a' }, 0);
    const alerts: AlertStates = {};
    for (const at of [0, 10 * S, 20 * S, 30 * S]) {
      const out = step(state, yes, at, rule);
      state = out.state;
      alerts['cpu-high'] = { 'host="a"': state };
      store.save(alerts);
      store.appendHistory(out.transitions);
    }
    await store.close();
    const text = JSON.parse(await readFile(join(dir, 'alerts.json'), 'utf8')) as { version: number; savedAt: string };
    expect(text.version).to.equal(1);
    const loaded = await open().load();
    expect(loaded.alerts).to.deep.equal(alerts);
    expect(loaded.history.map((t) => t.kind)).to.deep.equal(['firing']);
    expect((await readdir(dir)).sort()).to.deep.equal(['alerts.json']);
  });

  it('keeps what it holds when a strict load cannot read the document', async () => {
    let document: string | undefined;
    let fail = false;
    const medium: StateMedium = {
      where: 'memory',
      read: async () => {
        if (fail) throw new Error('connection lost');
        return document;
      },
      write: async (text) => ((document = text), true),
      moveAside: async () => 'aside',
    };
    const store = new DocumentAlertStore(medium, recordingLogger(), { minWriteIntervalMs: 20, now: () => 100_000 * S });
    await store.load();
    const alerts: AlertStates = { 'cpu-high': { '': initialAlertState({}, 0) } };
    store.save(alerts);
    store.appendHistory([transition(99_000 * S)]);
    await store.flush();
    fail = true;
    let failed = false;
    await store.load({ strict: true }).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(await store.history()).to.have.length(1);
    fail = false;
    expect((await store.load({ strict: true })).alerts).to.deep.equal(alerts);
    await store.close();
  });

  it('writes back what it wrote last when the document vanishes, and leaves the choice to the caller when another wrote it last', async () => {
    let document: string | undefined;
    const medium: StateMedium = { where: 'memory', read: async () => document, write: async (text) => ((document = text), true), moveAside: async () => 'aside' };
    const logger = recordingLogger();
    const store = new DocumentAlertStore(medium, logger, { minWriteIntervalMs: 20, now: () => 100_000 * S });
    expect((await store.load()).vanished, 'nothing was ever saved: not vanished').to.equal(undefined);
    const firing = step(initialAlertState({}, 99_000 * S), yes, 99_000 * S, { ...rule, forMs: 0 }).state;
    store.save({ 'cpu-high': { '': firing } });
    store.appendHistory([transition(99_000 * S)]);
    await store.flush();

    document = undefined; // a Redis restarted without persistence
    const restored = await store.load({ strict: true });
    expect(restored.vanished).to.equal('restored');
    expect(restored.alerts['cpu-high']?.['']?.state).to.equal('firing');
    expect(store.history()).to.have.length(1);
    await store.flush();
    expect(JSON.parse(document ?? '{}').alerts['cpu-high']['']?.state, 'written back').to.equal('firing');

    document = document!.replace('"firing"', '"resolved"'); // another instance writes
    await store.refresh();
    document = undefined;
    const lost = await store.load({ strict: true });
    expect(lost.vanished).to.equal('lost');
    expect(lost.alerts).to.deep.equal({});
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).to.have.length(2);
    await store.close();
  });

  it('coalesces many saves into few writes, and writes without close too', async () => {
    const store = open();
    await store.load();
    for (let i = 0; i < 200; i++) store.save({ r: { '': { ...initialAlertState({}, i), repeats: i } } });
    // The last save reaches the file without close(), soon (a loaded machine may take a while to write it).
    const lastSaved = async () => ((JSON.parse(await readFile(join(dir, 'alerts.json'), 'utf8').catch(() => '{}')) as { alerts?: AlertStates }).alerts?.r?.['']?.repeats);
    await until('the last save to be written', async () => (await lastSaved()) === 199, 5000);
  });

  it('after a restart while firing, neither re-notifies before the repeat interval nor resolves', async () => {
    const before = open();
    await before.load();
    let state = initialAlertState({}, 0);
    for (const at of [0, 10 * S, 20 * S, 30 * S, 40 * S]) state = step(state, yes, at, rule).state;
    expect(state).to.include({ state: 'firing', lastNotifiedAt: 30 * S });
    before.save({ 'cpu-high': { '': state } });
    await before.close();

    const restored = (await open().load()).alerts['cpu-high']?.[''];
    expect(restored).to.deep.equal(state);
    const kinds: string[] = [];
    let s = restored!;
    for (let at = 50 * S; at <= 700 * S; at += 10 * S) {
      const out = step(s, yes, at, rule);
      s = out.state;
      kinds.push(...out.transitions.map((t) => `${t.kind}@${t.at / S}`));
    }
    expect(kinds).to.deep.equal(['repeat@630']);
  });

  it('keeps a pending alert\'s pendingSince across a restart', async () => {
    const before = open();
    await before.load();
    const pending = step(initialAlertState({}, 0), yes, 0, rule).state;
    before.save({ 'cpu-high': { '': pending } });
    await before.close();
    const restored = (await open().load()).alerts['cpu-high']?.[''];
    expect(restored).to.include({ state: 'pending', pendingSince: 0 });
    expect(step(restored!, yes, 30 * S, rule).transitions.map((t) => t.kind)).to.deep.equal(['firing']);
  });

  it('moves a torn or corrupt file aside with an error line, and starts empty without crashing', async () => {
    for (const content of ['{"version":1,"alerts":{"cpu-high":{"":{"state":"fir', '[1,2]', '{"version":7,"alerts":{},"history":[]}']) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'alerts.json'), content);
      const logger = recordingLogger();
      expect(await open(logger, () => 100_000 * S + content.length).load()).to.deep.equal({ alerts: {}, history: [], silences: [], acknowledgements: [] });
      expect(logger.lines.map((l) => [l.level, l.msg])).to.deep.equal([['error', 'the saved alert state is unreadable: moved aside, every alert starts as ok']]);
      const names = await readdir(dir);
      expect(names).to.include(`alerts.json.${100_000 * S + content.length}.corrupt`);
      expect(names).to.not.include('alerts.json');
    }
  });

  it('drops malformed alerts and history entries with a warning, keeping the rest', async () => {
    await mkdir(dir, { recursive: true });
    const good = initialAlertState({}, 5);
    const file = { version: 1, savedAt: '', alerts: { r: { a: good, b: { state: 'weird' } } }, history: [transition(99_000 * S), { nope: 1 }] };
    await writeFile(join(dir, 'alerts.json'), JSON.stringify(file));
    const logger = recordingLogger();
    const loaded = await open(logger).load();
    expect(loaded.alerts).to.deep.equal({ r: { a: good } });
    expect(loaded.history).to.have.length(1);
    expect(logger.lines[0]).to.include({ level: 'warn' });
  });

  it('bounds the history to the last 1000 entries and 7 days, newest first when listed', async () => {
    const now = 100 * 24 * 3600 * S;
    const store = open(recordingLogger(), () => now);
    await store.load();
    store.appendHistory([transition(now - 8 * 24 * 3600 * S), transition(now - 6 * 24 * 3600 * S, { rule: 'other' })]);
    expect(store.history()).to.have.length(1);
    store.appendHistory(Array.from({ length: 1500 }, (_, i) => transition(now - 1500 + i)));
    const all = store.history();
    expect(all).to.have.length(1000);
    expect(all[0]?.at).to.equal(now - 1);
    expect(store.history({ limit: 3 }).map((t) => t.at)).to.deep.equal([now - 1, now - 2, now - 3]);
    expect(store.history({ rule: 'other' })).to.deep.equal([]);
  });

  it('keeps silences in the document, written before put resolves, and restores those still in force', async () => {
    const now = 100_000 * S;
    const store = open(recordingLogger(), () => now);
    await store.load();
    const kept: Silence = { id: 's1', matchers: { rule: 'cpu-high' }, startsAt: now, endsAt: now + 3600 * S, comment: 'maintenance' };
    await store.silences.put(kept);
    await store.silences.put({ id: 's2', matchers: { host: 'a' }, startsAt: now, endsAt: now + 60 * S });
    // On disk already, without a close.
    const onDisk = JSON.parse(await readFile(join(dir, 'alerts.json'), 'utf8')) as { silences: Silence[] };
    expect(onDisk.silences.map((s) => s.id)).to.deep.equal(['s1', 's2']);
    expect(await store.silences.delete('s2')).to.equal(true);
    expect(await store.silences.delete('s2')).to.equal(false);
    const later = open(recordingLogger(), () => now + 1000);
    expect((await later.load()).silences).to.deep.equal([kept]);
    expect(await later.silences.list(now + 3600 * S)).to.deep.equal([]);
  });

  it('drops silences that ended while it was down, and leaves them out of the next write', async () => {
    const now = 100_000 * S;
    await mkdir(dir, { recursive: true });
    const silences = [
      { id: 'old', matchers: { rule: 'a' }, startsAt: 0, endsAt: now - 1 },
      { id: 'new', matchers: { rule: 'b' }, startsAt: 0, endsAt: now + 1000 },
    ];
    await writeFile(join(dir, 'alerts.json'), JSON.stringify({ version: 1, savedAt: '', alerts: {}, history: [], silences }));
    const logger = recordingLogger();
    const store = open(logger, () => now);
    expect((await store.load()).silences.map((s) => s.id)).to.deep.equal(['new']);
    expect(logger.lines.map((l) => l.msg)).to.deep.equal(['dropped silences that ended while the server was down']);
    store.save({});
    await store.flush();
    const written = JSON.parse(await readFile(join(dir, 'alerts.json'), 'utf8')) as { silences: Silence[] };
    expect(written.silences.map((s) => s.id)).to.deep.equal(['new']);
  });

  it('reads a document written before silences were kept (no "silences" key)', async () => {
    await mkdir(dir, { recursive: true });
    const firing = step(initialAlertState({}, 0), yes, 30 * S, { ...rule, forMs: 0 }).state;
    await writeFile(join(dir, 'alerts.json'), JSON.stringify({ version: 1, savedAt: '2026-01-01T00:00:00.000Z', alerts: { 'cpu-high': { '': firing } }, history: [] }));
    const logger = recordingLogger();
    const loaded = await open(logger).load();
    expect(loaded).to.deep.equal({ alerts: { 'cpu-high': { '': firing } }, history: [], silences: [], acknowledgements: [] });
    expect(logger.lines).to.deep.equal([]);
  });

  it('skips a malformed silence with one warning naming it, and loads the rest of the document', async () => {
    const now = 100_000 * S;
    await mkdir(dir, { recursive: true });
    const good = { id: 'ok', matchers: { rule: 'cpu-high' }, startsAt: 0, endsAt: now + 1000 };
    const silences = [good, { id: 'no-end', matchers: { rule: 'x' }, startsAt: 0 }, { id: 'empty', matchers: {}, startsAt: 0, endsAt: now + 1 }, 'nonsense', { ...good, id: 'extra', comment: 7 }];
    const state = initialAlertState({}, 5);
    await writeFile(join(dir, 'alerts.json'), JSON.stringify({ version: 1, savedAt: '', alerts: { r: { '': state } }, history: [transition(99_000 * S)], silences }));
    const logger = recordingLogger();
    const loaded = await open(logger, () => now).load();
    expect(loaded.silences).to.deep.equal([good]);
    expect(loaded.alerts).to.deep.equal({ r: { '': state } });
    expect(loaded.history).to.have.length(1);
    expect(logger.lines).to.have.length(1);
    expect(logger.lines[0]).to.include({ level: 'warn', msg: 'skipped 4 malformed silence(s) in the saved alert state; the others are in force' });
    expect((logger.lines[0]!.obj as { problems: string[] }).problems).to.deep.equal([
      '#1: "endsAt" is not a time in ms',
      '#2: "matchers" is empty or not an object of strings',
      '#3: not an object',
      '#4: "comment" is not a string',
    ]);
  });

  it('skips a "silences" that is not a list, keeping the alerts', async () => {
    await mkdir(dir, { recursive: true });
    const state = initialAlertState({}, 5);
    await writeFile(join(dir, 'alerts.json'), JSON.stringify({ version: 1, savedAt: '', alerts: { r: { '': state } }, history: [], silences: { id: 'x' } }));
    const logger = recordingLogger();
    const loaded = await open(logger).load();
    expect(loaded).to.deep.equal({ alerts: { r: { '': state } }, history: [], silences: [], acknowledgements: [] });
    expect(logger.lines.map((l) => l.level)).to.deep.equal(['warn']);
  });

  it('keeps acknowledgements in the document, written before put resolves; a file written before them has none', async () => {
    const store = open();
    await store.load();
    await store.acknowledgements.put({ id: 'cpu-high{host="a"}', at: 5 * S });
    await store.acknowledgements.put({ id: 'cpu-high', at: 6 * S });
    // On disk already, without a close.
    const onDisk = JSON.parse(await readFile(join(dir, 'alerts.json'), 'utf8')) as { acknowledgements: unknown[] };
    expect(onDisk.acknowledgements).to.deep.equal([{ id: 'cpu-high{host="a"}', at: 5 * S }, { id: 'cpu-high', at: 6 * S }]);
    expect(await store.acknowledgements.delete('cpu-high')).to.equal(true);
    expect(await store.acknowledgements.delete('cpu-high')).to.equal(false);
    expect((await open().load()).acknowledgements).to.deep.equal([{ id: 'cpu-high{host="a"}', at: 5 * S }]);

    await writeFile(join(dir, 'alerts.json'), JSON.stringify({ version: 1, savedAt: '', alerts: {}, history: [], silences: [] }));
    const logger = recordingLogger();
    expect((await open(logger).load()).acknowledgements).to.deep.equal([]);
    expect(logger.lines).to.deep.equal([]);
  });

  it('skips a malformed acknowledgement with one warning naming it, keeping the rest', async () => {
    await mkdir(dir, { recursive: true });
    const acknowledgements = [{ id: 'cpu-high', at: 7 * S, note: 'extra keys are dropped' }, { id: 'disk-full', at: 'yesterday' }, { at: 1 }];
    await writeFile(join(dir, 'alerts.json'), JSON.stringify({ version: 1, savedAt: '', alerts: {}, history: [], acknowledgements }));
    const logger = recordingLogger();
    expect((await open(logger).load()).acknowledgements).to.deep.equal([{ id: 'cpu-high', at: 7 * S }]);
    expect(logger.lines.map((l) => [l.level, l.msg])).to.deep.equal([['warn', 'skipped 2 malformed acknowledgement(s) in the saved alert state; the others are in force']]);
    expect((logger.lines[0]!.obj as { problems: string[] }).problems).to.deep.equal(['#1: "at" is not a time in ms', '#2: "id" is not a string']);
  });

  it('rejects a strict load it cannot read, instead of starting empty', async () => {
    await mkdir(join(dir, 'alerts.json'), { recursive: true }); // a folder where the file should be: EISDIR
    const store = open();
    let failed: unknown;
    await store.load({ strict: true }).catch((err: unknown) => (failed = err));
    expect(failed).to.be.instanceOf(Error);
    expect(await readdir(dir)).to.include('alerts.json');
  });

  it('removes a temp file left by a crash', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, '.alerts.123.abcd.tmp'), '{');
    await open().load();
    expect(await readdir(dir)).to.deep.equal([]);
  });
});
