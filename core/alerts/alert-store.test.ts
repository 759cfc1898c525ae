import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAlertStore, type AlertStates } from './alert-store.js';
import { recordingLogger } from './notifiers/testing.js';
import { initialAlertState, step, type StepInput, type StepRule, type Transition } from './rule-state.js';

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
    expect(await open(logger).load()).to.deep.equal({ alerts: {}, history: [] });
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

  it('coalesces many saves into few writes, and writes without close too', async () => {
    const store = open();
    await store.load();
    for (let i = 0; i < 200; i++) store.save({ r: { '': { ...initialAlertState({}, i), repeats: i } } });
    await new Promise((resolve) => setTimeout(resolve, 60));
    const saved = JSON.parse(await readFile(join(dir, 'alerts.json'), 'utf8')) as { alerts: AlertStates };
    expect(saved.alerts.r?.['']?.repeats).to.equal(199);
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
      expect(await open(logger, () => 100_000 * S + content.length).load()).to.deep.equal({ alerts: {}, history: [] });
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

  it('removes a temp file left by a crash', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, '.alerts.123.abcd.tmp'), '{');
    await open().load();
    expect(await readdir(dir)).to.deep.equal([]);
  });
});
