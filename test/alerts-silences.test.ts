/**
 * Silences across restarts, on the real `rtdash serve` process with a real webhook receiver: a silence made
 * over the API is in alerts.json before the API answers, so it survives a SIGKILL, is listed after the restart
 * and still mutes its rule's notification while another rule's goes out; a deleted one stays deleted. A saved
 * document with a malformed silence loads the rest, saying what it skipped.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpReceiver, type HttpReceiver } from '../core/alerts/notifiers/testing.js';
import { killCli, levelSource, serveCli, stopCli, until, waitReady, writeAlertProject, type LevelSource, type ServedCli } from './support/served-cli.js';
import { freePort } from './support/tcp-proxy.js';
import { sleep } from './support/test-server.js';

interface Group {
  group: { status: string };
  notifications: { status: string; rule: string }[];
}

interface SilenceBody {
  id: string;
  matchers: Record<string, string>;
  startsAt: number;
  endsAt: number;
  comment?: string;
}

/** Each notification received, as `rule status`. */
function received(receiver: HttpReceiver): string[] {
  return receiver.requests.flatMap((r) => (JSON.parse(r.body) as Group).notifications.map((n) => `${n.rule} ${n.status}`));
}

describe('silences across a restart (rtdash serve)', function () {
  this.timeout(120_000);
  let dir: string;
  let source: LevelSource;
  let receiver: HttpReceiver;
  let children: ServedCli[] = [];
  let url: string;
  let config: string;
  let data: string;
  const serve = async (): Promise<ServedCli> => {
    const child = serveCli(config, dir);
    children.push(child);
    await waitReady(child, url);
    return child;
  };
  const silences = async (): Promise<SilenceBody[]> => (await (await fetch(`${url}/api/silences`)).json()) as SilenceBody[];
  const alerts = async (): Promise<{ rule: string; state: string; silenced: boolean }[]> => (await (await fetch(`${url}/api/alerts`)).json()) as { rule: string; state: string; silenced: boolean }[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-silences-'));
    source = await levelSource(1);
    receiver = await httpReceiver();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    data = join(dir, 'data');
    config = writeAlertProject({ dir, port, sourcePort: source.port, hook: receiver.url, data, rules: ['quiet-high', 'loud-high'] });
  });

  afterEach(async () => {
    for (const c of children) await killCli(c);
    children = [];
    await receiver.close();
    await source.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a silence made over the API across a SIGKILL: listed after the restart, and still muting its rule', async () => {
    const first = await serve();
    const ends = new Date(Date.now() + 3_600_000).toISOString();
    const created = await fetch(`${url}/api/silences`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ matchers: { rule: 'quiet-high' }, ends_at: ends, comment: 'maintenance' }),
    });
    expect(created.status).to.equal(201);
    const silence = (await created.json()) as SilenceBody;
    // No graceful shutdown: the silence must be on disk once the API has answered.
    await killCli(first);

    await serve();
    expect(await silences()).to.deep.equal([silence]);
    expect(silence).to.include({ comment: 'maintenance', endsAt: Date.parse(ends) });
    source.set(9);
    await until('both alerts to fire', async () => (await alerts()).filter((a) => a.state === 'firing').length === 2, 15_000);
    await receiver.waitFor(1);
    await sleep(1500); // evaluations go on: still nothing for the silenced rule
    expect(received(receiver)).to.deep.equal(['loud-high firing']);
    expect((await alerts()).map((a) => [a.rule, a.silenced]).sort()).to.deep.equal([
      ['loud-high', false],
      ['quiet-high', true],
    ]);

    // Ending it early is kept too.
    expect((await fetch(`${url}/api/silences/${silence.id}`, { method: 'DELETE' })).status).to.equal(204);
    await stopCli(children[1]!);
    await serve();
    expect(await silences()).to.deep.equal([]);
    expect((await fetch(`${url}/api/silences/${silence.id}`, { method: 'DELETE' })).status).to.equal(404);
  });

  it('skips a malformed silence in alerts.json with a log line, drops an ended one, and keeps the rest in force', async () => {
    const now = Date.now();
    const good = { id: 'kept', matchers: { rule: 'quiet-high' }, startsAt: now - 60_000, endsAt: now + 3_600_000, comment: 'planned' };
    const saved = {
      version: 1,
      savedAt: new Date(now - 60_000).toISOString(),
      alerts: {},
      history: [],
      silences: [good, { id: 'broken', matchers: 'quiet-high', startsAt: now, endsAt: now + 3_600_000 }, { ...good, id: 'ended', endsAt: now - 1000 }],
    };
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'alerts.json'), JSON.stringify(saved));

    const child = await serve();
    expect(await silences()).to.deep.equal([good]);
    const skipped = child.logs().find((l) => /malformed silence/.test(l.msg ?? ''));
    expect(skipped, `a log line about the skipped silence; rtdash said: ${child.output()}`).to.include({ skipped: 1 });
    expect(skipped!.problems).to.deep.equal(['#1: "matchers" is empty or not an object of strings']);
    expect(child.logs().some((l) => /silences that ended/.test(l.msg ?? ''))).to.equal(true);
    expect(readdirSync(data).filter((f) => f.endsWith('.corrupt')), 'the document is not moved aside').to.deep.equal([]);

    source.set(9);
    await receiver.waitFor(1);
    await until('the silenced alert to fire', async () => (await alerts()).some((a) => a.rule === 'quiet-high' && a.state === 'firing' && a.silenced), 15_000);
    await sleep(1000);
    expect(received(receiver)).to.deep.equal(['loud-high firing']);
    // The next write leaves out what was skipped and what had ended.
    await until('alerts.json to be written again', () => existsSync(join(data, 'alerts.json')) && (JSON.parse(readFileSync(join(data, 'alerts.json'), 'utf8')) as { savedAt: string }).savedAt !== saved.savedAt);
    expect((JSON.parse(readFileSync(join(data, 'alerts.json'), 'utf8')) as { silences: unknown[] }).silences).to.deep.equal([good]);
  });
});
