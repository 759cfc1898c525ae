import { expect } from 'chai';
import { parseSilence, silenceProblem, Silences, type Silence, type SilenceBackend } from './silences.js';

const NOW = Date.parse('2026-11-28T10:00:00Z');
const body = { matchers: { rule: 'cpu-high' }, ends_at: '2026-11-28T12:00:00Z', comment: 'maintenance' };

describe('silences', () => {
  it('makes a silence from an API body, and names what is wrong in a bad one', () => {
    expect(parseSilence(body, NOW)).to.deep.include({ matchers: { rule: 'cpu-high' }, startsAt: NOW, endsAt: Date.parse(body.ends_at), comment: 'maintenance' });
    expect(() => parseSilence({ ...body, matchers: {} }, NOW)).to.throw(/"matchers"/);
    expect(() => parseSilence({ ...body, ends_at: '2026-11-28T09:00:00Z' }, NOW)).to.throw(/not in the future/);
    expect(() => parseSilence({ ...body, matchers: { rule: 1 } }, NOW)).to.throw(/matcher "rule" must be a string/);
  });

  it('tells a stored silence from something else', () => {
    const made = parseSilence(body, NOW);
    expect(silenceProblem(JSON.parse(JSON.stringify(made)))).to.equal(undefined);
    expect(silenceProblem({ ...made, endsAt: '2026' })).to.equal('"endsAt" is not a time in ms');
    expect(silenceProblem([made])).to.equal('not an object');
  });

  it('writes through to its backend, and keeps nothing the backend refused', async () => {
    const stored = new Map<string, Silence>();
    let refuse = false;
    const backend: SilenceBackend = {
      list: async (now) => [...stored.values()].filter((s) => s.endsAt > now),
      put: async (s) => {
        if (refuse) throw new Error('disk full');
        stored.set(s.id, s);
      },
      delete: async (id) => {
        if (refuse) throw new Error('disk full');
        return stored.delete(id);
      },
    };
    const silences = new Silences(backend);
    const made = await silences.add(body, NOW);
    expect([...stored.keys()]).to.deep.equal([made.id]);
    expect(silences.muting({ rule: 'cpu-high', host: 'a' }, NOW)?.id).to.equal(made.id);
    expect(silences.muting({ rule: 'disk-full' }, NOW)).to.equal(undefined);
    refuse = true;
    let failed = false;
    await silences.add(body, NOW).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(silences.active(NOW)).to.have.length(1);
    failed = false;
    await silences.remove(made.id).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(silences.muting({ rule: 'cpu-high' }, NOW)?.id, 'a removal not stored keeps the silence').to.equal(made.id);
    refuse = false;
    const restarted = new Silences(backend);
    await restarted.load(NOW);
    expect(restarted.active(NOW)).to.deep.equal([made]);
    expect(restarted.active(Date.parse(body.ends_at))).to.deep.equal([]);
    expect(await restarted.remove(made.id)).to.equal(true);
    expect(await restarted.remove(made.id)).to.equal(false);
  });
});
