/**
 * Silences across restarts, on the real `rtdash serve` process with a real webhook receiver: a silence made
 * over the API is in alerts.json before the API answers, so it survives a SIGKILL, is listed after the restart
 * and still mutes its rule's notification while another rule's goes out; a deleted one stays deleted. A saved
 * document with a malformed silence loads the rest, saying what it skipped.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpReceiver } from '../core/alerts/notifiers/testing.js';
import { alertProject, type WrittenProject } from './support/alert-project.js';
import { killCli, stopCli, until, type ServedCli } from './support/served-cli.js';
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
  const fx = alertProject('silences');
  let project: WrittenProject;
  const serve = (): Promise<ServedCli> => fx.serve(project);
  const silences = async (): Promise<SilenceBody[]> => (await (await fetch(`${project.url}/api/silences`)).json()) as SilenceBody[];
  const alerts = async (): Promise<{ rule: string; state: string; silenced: boolean }[]> => (await (await fetch(`${project.url}/api/alerts`)).json()) as { rule: string; state: string; silenced: boolean }[];

  beforeEach(async () => {
    project = await fx.write({ rules: ['quiet-high', 'loud-high'], data: join(fx.dir, 'data') });
  });

  it('keeps a silence made over the API across a SIGKILL: listed after the restart, and still muting its rule', async () => {
    const first = await serve();
    const ends = new Date(Date.now() + 3_600_000).toISOString();
    const created = await fetch(`${project.url}/api/silences`, {
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
    fx.source.set(9);
    await until('both alerts to fire', async () => (await alerts()).filter((a) => a.state === 'firing').length === 2, 15_000);
    await fx.receiver.waitFor(1);
    await sleep(1500); // evaluations go on: still nothing for the silenced rule
    expect(received(fx.receiver)).to.deep.equal(['loud-high firing']);
    expect((await alerts()).map((a) => [a.rule, a.silenced]).sort()).to.deep.equal([
      ['loud-high', false],
      ['quiet-high', true],
    ]);

    // Ending it early is kept too.
    expect((await fetch(`${project.url}/api/silences/${silence.id}`, { method: 'DELETE' })).status).to.equal(204);
    await stopCli(fx.served[1]!);
    await serve();
    expect(await silences()).to.deep.equal([]);
    expect((await fetch(`${project.url}/api/silences/${silence.id}`, { method: 'DELETE' })).status).to.equal(404);
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
    mkdirSync(project.data, { recursive: true });
    writeFileSync(join(project.data, 'alerts.json'), JSON.stringify(saved));

    const child = await serve();
    expect(await silences()).to.deep.equal([good]);
    const skipped = child.logs().find((l) => /malformed silence/.test(l.msg ?? ''));
    expect(skipped, `a log line about the skipped silence; rtdash said: ${child.output()}`).to.include({ skipped: 1 });
    expect(skipped!.problems).to.deep.equal(['#1: "matchers" is empty or not an object of strings']);
    expect(child.logs().some((l) => /silences that ended/.test(l.msg ?? ''))).to.equal(true);
    expect(readdirSync(project.data).filter((f) => f.endsWith('.corrupt')), 'the document is not moved aside').to.deep.equal([]);

    fx.source.set(9);
    await fx.receiver.waitFor(1);
    await until('the silenced alert to fire', async () => (await alerts()).some((a) => a.rule === 'quiet-high' && a.state === 'firing' && a.silenced), 15_000);
    await sleep(1000);
    expect(received(fx.receiver)).to.deep.equal(['loud-high firing']);
    // The next write leaves out what was skipped and what had ended.
    await until('alerts.json to be written again', () => existsSync(join(project.data, 'alerts.json')) && (JSON.parse(readFileSync(join(project.data, 'alerts.json'), 'utf8')) as { savedAt: string }).savedAt !== saved.savedAt);
    expect((JSON.parse(readFileSync(join(project.data, 'alerts.json'), 'utf8')) as { silences: unknown[] }).silences).to.deep.equal([good]);
  });
});
