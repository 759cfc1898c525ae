import { expect } from 'chai';
import type { FieldPacket } from 'mysql2';
import { buildFrame, fieldTypeOf, toFieldValue } from './columns.js';

const column = (name: string, columnType: number, columnLength = 10): FieldPacket => ({ name, columnType, columnLength }) as FieldPacket;

describe('mysql columns', () => {
  it('types columns from their metadata: BIT(1) boolean, TINYINT(1) number, TIME string', () => {
    expect(fieldTypeOf(column('b', 0x10, 1))).to.equal('boolean');
    expect(fieldTypeOf(column('b', 0x10, 8))).to.equal('number');
    expect(fieldTypeOf(column('t', 0x01, 1))).to.equal('number');
    expect(fieldTypeOf(column('d', 0xf6))).to.equal('number');
    expect(fieldTypeOf(column('ts', 0x07))).to.equal('time');
    expect(fieldTypeOf(column('tm', 0x0b))).to.equal('string');
    expect(fieldTypeOf(column('n', 0x06))).to.equal('string');
  });

  it('converts edge values: zero dates and non-finite numbers become null, binary becomes hex', () => {
    expect(toFieldValue('time', new Date(Number.NaN))).to.equal(null);
    expect(toFieldValue('number', '12345678901234567890')).to.equal(12345678901234567000);
    expect(toFieldValue('number', 'abc')).to.equal(null);
    expect(toFieldValue('number', Buffer.from([1, 0]))).to.equal(256);
    expect(toFieldValue('boolean', Buffer.from([0]))).to.equal(false);
    expect(toFieldValue('string', Buffer.from([0xca, 0xfe]))).to.equal('cafe');
    expect(toFieldValue('string', { type: 'Point', x: 1 })).to.equal('{"type":"Point","x":1}');
    expect(toFieldValue('string', undefined)).to.equal(null);
  });

  it('builds a frame, flagging truncation only when it happened', () => {
    const columns = [column('t', 0x0c), column('v', 0x05)];
    expect(buildFrame(columns, [[new Date(5), 1.5]], false)).to.deep.equal({
      fields: [
        { name: 't', type: 'time', values: [5] },
        { name: 'v', type: 'number', values: [1.5] },
      ],
    });
    expect(buildFrame(columns, [], true).meta).to.deep.equal({ truncated: true });
    expect(() => buildFrame([column('', 0x05)], [], false)).to.throw('column 1 has no name; give it one with AS');
  });
});
