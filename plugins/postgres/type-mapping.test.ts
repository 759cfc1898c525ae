import { expect } from 'chai';
import type { FieldDef } from 'pg';
import { OID, fieldTypeOf, parseTime, parseValue, toFrame } from './type-mapping.js';

const column = (name: string, dataTypeID: number): FieldDef => ({ name, dataTypeID, tableID: 0, columnID: 0, dataTypeSize: -1, dataTypeModifier: -1, format: 'text' });

describe('postgres type mapping (no server)', () => {
  it('reads ISO times in every offset form as epoch ms', () => {
    const noon = Date.UTC(2024, 5, 12, 12, 0, 0);
    expect(parseTime('2024-06-12 12:00:00+00')).to.equal(noon);
    expect(parseTime('2024-06-12 14:00:00+02')).to.equal(noon);
    expect(parseTime('2024-06-12 17:30:00+05:30')).to.equal(noon);
    expect(parseTime('2024-06-12 08:30:00-03:30')).to.equal(noon);
    expect(parseTime('2024-06-12 12:09:21+00:09:21')).to.equal(noon);
    expect(parseTime('2024-06-12 12:00:00.123456')).to.equal(noon + 123);
    expect(parseTime('2024-06-12 12:00:00.5+00')).to.equal(noon + 500);
    expect(parseTime('2024-06-12')).to.equal(Date.UTC(2024, 5, 12));
  });

  it('keeps years below 100, BC years and years past 9999 right', () => {
    const year = (y: number): number => new Date(0).setUTCFullYear(y, 0, 1);
    expect(parseTime('0050-01-01')).to.equal(year(50));
    expect(parseTime('0044-01-01 BC')).to.equal(year(-43));
    expect(parseTime('12000-01-01 00:00:00+00')).to.equal(year(12000));
  });

  it('turns infinity, NaN and unreadable text into null', () => {
    expect(parseTime('infinity')).to.equal(null);
    expect(parseTime('-infinity')).to.equal(null);
    expect(parseTime('12.06.2024')).to.equal(null);
    expect(parseValue('NaN', 'number')).to.equal(null);
    expect(parseValue('Infinity', 'number')).to.equal(null);
    expect(parseValue(null, 'time')).to.equal(null);
  });

  it('maps OIDs to field types, everything unlisted to string', () => {
    expect([OID.int2, OID.int4, OID.int8, OID.float4, OID.float8, OID.numeric].map(fieldTypeOf)).to.deep.equal(Array(6).fill('number'));
    expect([OID.date, OID.timestamp, OID.timestamptz].map(fieldTypeOf)).to.deep.equal(['time', 'time', 'time']);
    expect(fieldTypeOf(OID.bool)).to.equal('boolean');
    expect([25, 114, 3802, 2950, 1186, 1083].map(fieldTypeOf)).to.deep.equal(Array(6).fill('string'));
  });

  it('cuts at maxRows, flags it, and makes repeated names unique', () => {
    const frame = toFrame([column('a', OID.int4), column('a', 25), column('', 25)], [['1', 'x', 'p'], ['2', null, 'q'], ['3', 'z', 'r']], 2);
    expect(frame).to.deep.equal({
      fields: [
        { name: 'a', type: 'number', values: [1, 2] },
        { name: 'a_2', type: 'string', values: ['x', null] },
        { name: 'column', type: 'string', values: ['p', 'q'] },
      ],
      meta: { truncated: true },
    });
    expect(toFrame([column('a', OID.int4)], [['1']], 1)).to.deep.equal({ fields: [{ name: 'a', type: 'number', values: [1] }] });
  });
});
