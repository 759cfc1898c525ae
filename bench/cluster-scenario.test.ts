/** The cluster suite tells updates apart by the query run they show, on the wire and in the jobs' streams alike. */
import { expect } from 'chai';
import { runOfBody, runOfEntry } from './cluster-scenario.js';

const whole =
  '{"w":"w1","seq":5,"at":1,"lastGoodAt":1,"status":"ok","frame":{"fields":[' +
  '{"name":"t","type":"time","values":[1,2]},{"name":"run","type":"number","values":[7,99]},{"name":"widget","type":"number","values":[1,1]}]}}';
const run = (entry: string) => runOfEntry(Buffer.from(`{"type":"update","updates":[${entry}]}`), 28, 28 + entry.length);

describe('bench: the query run an update shows', () => {
  it('is the newest row\'s run in a change, with or without rows dropped, and in a whole state', () => {
    expect(run('{"w":"w0","dt":3,"a":[[1700000000000],[42],[0]],"x":1}')).to.equal(42);
    expect(run('{"w":"w0","a":[[1,2],[41,42],[0,0]]}')).to.equal(42);
    expect(run(whole)).to.equal(99);
    expect(run('{"w":"w1","seq":5,"at":1,"lastGoodAt":null,"status":"pending","frame":{"fields":[]}}')).to.be.NaN;
  });

  it('reads the same from an entry\'s body as the stream keeps it', () => {
    expect(runOfBody(whole.slice('{"w":"w1"'.length))).to.equal(99);
    expect(runOfBody(',"a":[[1],[55],[0]]}')).to.equal(55);
    expect(runOfBody('')).to.be.NaN;
  });
});
