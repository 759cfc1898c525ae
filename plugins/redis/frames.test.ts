import { expect } from 'chai';
import { checkFrame } from '../../core/frame.js';
import { ColumnNames, entryTime, infoFrame, parseNumber, rowFrame, scoredFrame, sortedSetFrame, streamFrame, textColumn, timeSeriesFrame, type StreamEntry } from './frames.js';

const entry = (id: string, values: Record<string, string>): StreamEntry => ({ id, values: new Map(Object.entries(values)) });

describe('redis frames', () => {
  it('reads numbers only where they are written as numbers', () => {
    for (const [text, number] of [['0', 0], ['42', 42], ['-3.5', -3.5], ['1e6', 1e6], ['0.25', 0.25], ['9007199254740991', 9007199254740991], ['1.5E-3', 0.0015]] as const) {
      expect(parseNumber(text), text).to.equal(number);
    }
    for (const text of ['', '007', '+1', '1,5', '.5', '5.', 'inf', '-inf', 'nan', '0x10', ' 1', '1 ', '12345678901234567890', '1e999', 'abc']) {
      expect(parseNumber(text), JSON.stringify(text)).to.equal(undefined);
    }
  });

  it('makes a column numeric only when every value is a number', () => {
    expect(textColumn('a', ['1', null, '2.5'])).to.deep.equal({ name: 'a', type: 'number', values: [1, null, 2.5] });
    expect(textColumn('a', ['1', 'x'])).to.deep.equal({ name: 'a', type: 'string', values: ['1', 'x'] });
    expect(textColumn('a', [null])).to.deep.equal({ name: 'a', type: 'number', values: [null] });
    expect(textColumn('a', [], 'eu').type, 'an empty column typed by a sample').to.equal('string');
    expect(textColumn('a', [], '3').type).to.equal('number');
  });

  it('reads a sorted set scored by time as a time series: JSON-object members as columns, other members as value', () => {
    const json = scoredFrame(['{"total":12.5,"region":"eu"}', '1000', '{"total":3}', '2000'], undefined, false);
    expect(checkFrame(json)).to.equal(undefined);
    expect(json.fields).to.deep.equal([
      { name: 'time', type: 'time', values: [1000, 2000] },
      { name: 'total', type: 'number', values: [12.5, 3] },
      { name: 'region', type: 'string', values: ['eu', null] },
    ]);
    expect(scoredFrame(['{"total":1,"time":5}', '1000'], ['time', 'total'], false).fields.map((f) => f.name)).to.deep.equal(['time', 'time_', 'total']);
    const plain = scoredFrame(['4.5', '1000', '7', '2000', 'x', 'inf'], undefined, true);
    expect(plain).to.deep.equal({ fields: [{ name: 'time', type: 'time', values: [1000, 2000] }, { name: 'value', type: 'number', values: [4.5, 7] }], meta: { truncated: true } });
    expect(scoredFrame(['{"a":1}', '1000', 'b', '2000'], undefined, false).fields.map((f) => f.name), 'one member not an object: value').to.deep.equal(['time', 'value']);
  });

  it('hands out unique non-empty names', () => {
    const names = new ColumnNames(['time']);
    expect(['time', 'a', 'time', '', 'time_'].map((n) => names.claim(n))).to.deep.equal(['time_', 'a', 'time__', '_', 'time___']);
    const frame = rowFrame(5, [['time', '1'], ['x', null]]);
    expect(checkFrame(frame)).to.equal(undefined);
    expect(frame.fields.map((f) => f.name)).to.deep.equal(['time', 'time_', 'x']);
  });

  it('turns INFO into one row of numeric fields, pairs included', () => {
    const text = [
      '# Server',
      'redis_version:7.0.15',
      'uptime_in_seconds:120',
      '',
      '# Memory',
      'used_memory:1048576',
      'used_memory_human:1.00M',
      'mem_fragmentation_ratio:4.12',
      '# Keyspace',
      'db5:keys=3,expires=0,avg_ttl=0',
      'cmdstat_get:calls=2,usec=9,usec_per_call=4.50,rejected_calls=0',
      'errorstat_ERR:count=1',
      'module:name=search,ver=20000',
    ].join('\r\n');
    const frame = infoFrame(1000, text);
    expect(checkFrame(frame)).to.equal(undefined);
    expect(Object.fromEntries(frame.fields.map((f) => [f.name, f.values[0]]))).to.deep.equal({
      time: 1000,
      uptime_in_seconds: 120,
      used_memory: 1048576,
      mem_fragmentation_ratio: 4.12,
      db5_keys: 3,
      db5_expires: 0,
      db5_avg_ttl: 0,
      cmdstat_get_calls: 2,
      cmdstat_get_usec: 9,
      cmdstat_get_usec_per_call: 4.5,
      cmdstat_get_rejected_calls: 0,
      errorstat_ERR_count: 1,
      module_ver: 20000,
    });
  });

  it('turns stream entries into a time series, with nulls for missing fields', () => {
    const entries = [entry('1000-0', { total: '10', region: 'eu' }), entry('1000-1', { total: '12.5' }), entry('2000-0', { region: 'us', time: 'x' })];
    const frame = streamFrame(entries, ['total', 'region', 'time'], false);
    expect(checkFrame(frame)).to.equal(undefined);
    expect(frame.fields).to.deep.equal([
      { name: 'time', type: 'time', values: [1000, 1000, 2000] },
      { name: 'total', type: 'number', values: [10, 12.5, null] },
      { name: 'region', type: 'string', values: ['eu', null, 'us'] },
      { name: 'time_', type: 'string', values: [null, null, 'x'] },
    ]);
    expect(streamFrame([], ['total', 'region'], false, entries[0]).fields.map((f) => f.type)).to.deep.equal(['time', 'number', 'string']);
    expect(streamFrame(entries.slice(0, 1), ['total'], true).meta).to.deep.equal({ truncated: true });
    expect(() => entryTime('abc-0')).to.throw(/unexpected stream entry id/);
  });

  it('reads sorted-set scores and time-series samples as numbers, infinities and NaN as null', () => {
    expect(sortedSetFrame(['a', '1.5', 'b', 'inf', 'c', '-inf'], false).fields[1]?.values).to.deep.equal([1.5, null, null]);
    expect(timeSeriesFrame([[1000, '2'], [2000, 'nan'], [3000, '1.5e+20']], false).fields).to.deep.equal([
      { name: 'time', type: 'time', values: [1000, 2000, 3000] },
      { name: 'value', type: 'number', values: [2, null, 1.5e20] },
    ]);
  });
});
