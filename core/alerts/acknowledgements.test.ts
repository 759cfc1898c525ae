import { expect } from 'chai';
import { acknowledgementProblem, Acknowledgements, type Acknowledgement, type AcknowledgementBackend } from './acknowledgements.js';

describe('acknowledgements', () => {
  it('tells a stored acknowledgement from something else', () => {
    expect(acknowledgementProblem({ id: 'cpu-high{host="a"}', at: 5 })).to.equal(undefined);
    expect(acknowledgementProblem({ id: '', at: 5 })).to.equal('"id" is not a string');
    expect(acknowledgementProblem({ id: 'cpu-high', at: '5' })).to.equal('"at" is not a time in ms');
    expect(acknowledgementProblem(['cpu-high'])).to.equal('not an object');
  });

  it('covers the episode under way when it was made, not a later one', async () => {
    const acks = new Acknowledgements();
    await acks.add('cpu-high', 1000);
    expect(acks.covers('cpu-high', 1000), 'an episode that began at the same time').to.equal(true);
    expect(acks.covers('cpu-high', 400)).to.equal(true);
    expect(acks.covers('cpu-high', 1001), 'an episode that began after it').to.equal(false);
    expect(acks.covers('disk-full', 0)).to.equal(false);
  });

  it('writes through to its backend, keeps nothing the backend refused, and asks the backend to remove one it does not know', async () => {
    const stored = new Map<string, Acknowledgement>();
    let refuse = false;
    const backend: AcknowledgementBackend = {
      list: async () => [...stored.values()],
      put: async (a) => {
        if (refuse) throw new Error('disk full');
        stored.set(a.id, a);
      },
      delete: async (id) => {
        if (refuse) throw new Error('disk full');
        return stored.delete(id);
      },
    };
    const acks = new Acknowledgements(backend);
    await acks.add('cpu-high', 5);
    expect([...stored.values()]).to.deep.equal([{ id: 'cpu-high', at: 5 }]);
    refuse = true;
    let failed = false;
    await acks.add('disk-full', 6).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(acks.get('disk-full')).to.equal(undefined);
    failed = false;
    await acks.remove('cpu-high').catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(acks.get('cpu-high'), 'a removal not stored keeps the acknowledgement').to.deep.equal({ id: 'cpu-high', at: 5 });
    refuse = false;

    const restarted = new Acknowledgements(backend);
    await restarted.load();
    expect(restarted.all()).to.deep.equal([{ id: 'cpu-high', at: 5 }]);
    // Made on another instance after this one last read them: removed all the same.
    stored.set('load-high', { id: 'load-high', at: 7 });
    await restarted.remove('load-high');
    expect([...stored.keys()]).to.deep.equal(['cpu-high']);
  });
});
