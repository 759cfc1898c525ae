/**
 * The load processes' byte scan of `update` messages, on both wire protocols: it must find the same
 * entry times as JSON.parse does, because the latencies of every fan-out run are computed from them.
 */
import { expect } from 'chai';
import { entryTimes, isResumed, isUpdate, scanAts, scanEntries, type ScannedEntry } from './update-scan.js';

/** The scan's entry times and count for a message. */
function scan(json: string): { count: number; times: number[] } {
  const times: number[] = [];
  const count = scanAts(Buffer.from(json), times);
  return { count, times };
}

describe('bench: the byte scan of update messages', () => {
  it('reads each entry\'s own "at" in protocol 1', () => {
    const json =
      '{"type":"update","dashboard":"bench","updates":[' +
      '{"w":"w0","seq":12,"at":1700000000123,"lastGoodAt":1700000000123,"status":"ok","op":"append","frame":{"fields":[{"name":"time","type":"time","values":[1700000000000]},{"name":"value","type":"number","values":[7]}]}},' +
      '{"w":"w1","seq":4,"at":1700000000125,"lastGoodAt":null,"status":"ok","op":"append","frame":{"fields":[]}}]}';
    expect(isUpdate(Buffer.from(json))).to.equal(true);
    expect(scan(json)).to.deep.equal({ count: 2, times: [1700000000123, 1700000000125] });
    expect(scan(json).times).to.deep.equal(entryTimes(JSON.parse(json)));
  });

  it('reads the message "at" minus each delta entry\'s "dt" in protocol 2 (dt omitted means 0)', () => {
    const json =
      '{"type":"update","dashboard":"bench","at":1700000001000,"updates":[' +
      '{"w":"w0","dt":3,"a":[[1700000000997],[8]]},' +
      '{"w":"w1","a":[[1700000001000],[9]],"x":1},' +
      '{"w":"w2","dt":12,"v":[[1],[2]],"e":{"code":"RTDASH_SOURCE","message":"timeout"}},' +
      '{"w":"w3"},' +
      '{"w":"w4","dt":0,"p":1,"a":[[5],[6]]}]}';
    expect(scan(json)).to.deep.equal({ count: 5, times: [1700000000997, 1700000001000, 1700000000988, 1700000001000, 1700000001000] });
    expect(scan(json).times).to.deep.equal(entryTimes(JSON.parse(json)));
  });

  it('reads a full-state entry\'s own "at" inside a protocol 2 update, and a whole-frame delta', () => {
    const json =
      '{"type":"update","dashboard":"bench","at":1700000002000,"updates":[' +
      '{"w":"w0","seq":40,"at":1700000001500,"lastGoodAt":null,"status":"pending","frame":{"fields":[]}},' +
      '{"w":"w1","dt":7,"f":{"fields":[{"name":"time","type":"time","values":[1,2]},{"name":"value","type":"number","values":[3,4]}]}},' +
      '{"w":"w2","dt":1}],"resumed":true}';
    const bytes = Buffer.from(json);
    expect(scan(json)).to.deep.equal({ count: 3, times: [1700000001500, 1700000001993, 1700000001999] });
    expect(scan(json).times).to.deep.equal(entryTimes(JSON.parse(json)));
    expect(isResumed(bytes)).to.equal(true);
  });

  it('reads each entry\'s widget, time and (for a whole state only) seq, for load processes that follow seqs', () => {
    const json =
      '{"type":"update","dashboard":"bench","at":1700000002000,"updates":[' +
      '{"w":"w0","dt":5,"a":[[1700000001995],[17]]},' +
      '{"w":"w10","seq":40,"at":1700000001500,"lastGoodAt":1700000001500,"status":"ok","frame":{"fields":[]}},' +
      '{"w":"w2"}]}';
    const entries: ScannedEntry[] = [];
    expect(scanEntries(Buffer.from(json), (e) => entries.push(e))).to.equal(3);
    expect(entries.map(({ w, time, seq }) => ({ w, time, seq }))).to.deep.equal([
      { w: 'w0', time: 1700000001995, seq: undefined },
      { w: 'w10', time: 1700000001500, seq: 40 },
      { w: 'w2', time: 1700000002000, seq: undefined },
    ]);
    expect(json.slice(entries[2]!.start, entries[2]!.end)).to.equal('{"w":"w2"}]}');
  });

  it('finds nothing in messages that are not updates, and tells updates from the rest', () => {
    expect(scan('{"type":"hello","protocol":2,"server":"rtdash"}')).to.deep.equal({ count: 0, times: [] });
    expect(isUpdate(Buffer.from('{"type":"snapshot","dashboard":"bench","widgets":[]}'))).to.equal(false);
    expect(isResumed(Buffer.from('{"type":"update","dashboard":"bench","at":1,"updates":[]}'))).to.equal(false);
    expect(scan('{"type":"update","dashboard":"bench","at":1,"updates":[]}')).to.deep.equal({ count: 0, times: [] });
  });
});
