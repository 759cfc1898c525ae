import { expect } from 'chai';
import { jsonFrame, parseJsonBody, select, toFieldValue, type FieldSpec } from './json-frame.js';

const DOC = {
  status: 'success',
  data: [
    { ts: 1718193600, v: '2.5', ok: true, tags: ['a'], meta: { host: 'a' } },
    { ts: '2024-06-12T12:00:01.500Z', v: 3, ok: 'false', meta: { host: 'b' } },
    { ts: 1718193602000, v: 'n/a', ok: 0 },
  ],
};

const FIELDS: FieldSpec[] = [
  { name: 'time', path: '$.ts', type: 'time' },
  { name: 'value', path: '$.v', type: 'number' },
  { name: 'ok', path: '$.ok', type: 'boolean' },
  { name: 'host', path: '$.meta.host', type: 'string' },
  { name: 'tags', path: '$.tags', type: 'string' },
];

describe('json responses into frames', () => {
  it('maps rows and fields with JSONPath and converts each value to its type', () => {
    expect(jsonFrame(DOC, '$.data[*]', FIELDS, 100)).to.deep.equal({
      fields: [
        { name: 'time', type: 'time', values: [1718193600000, 1718193601500, 1718193602000] },
        { name: 'value', type: 'number', values: [2.5, 3, null] },
        { name: 'ok', type: 'boolean', values: [true, false, false] },
        { name: 'host', type: 'string', values: ['a', 'b', null] },
        { name: 'tags', type: 'string', values: ['["a"]', null, null] },
      ],
    });
  });

  it('gives the declared fields with no values when nothing matches', () => {
    for (const doc of [{ data: [] }, {}, null, []]) {
      expect(jsonFrame(doc, '$.data[*]', FIELDS.slice(0, 2), 100), JSON.stringify(doc)).to.deep.equal({
        fields: [
          { name: 'time', type: 'time', values: [] },
          { name: 'value', type: 'number', values: [] },
        ],
      });
    }
  });

  it('treats the whole document as one row with rows: $', () => {
    const frame = jsonFrame({ status: 'up', load: 0.25 }, '$', [{ name: 'load', path: '$.load', type: 'number' }], 100);
    expect(frame.fields[0]?.values).to.deep.equal([0.25]);
  });

  it('cuts at the row cap and flags the frame, but not at exactly the cap', () => {
    const rows = { data: Array.from({ length: 25 }, (_, i) => ({ v: i })) };
    const fields: FieldSpec[] = [{ name: 'v', path: '$.v', type: 'number' }];
    const cut = jsonFrame(rows, '$.data[*]', fields, 10);
    expect(cut.fields[0]?.values).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(cut.meta).to.deep.equal({ truncated: true });
    expect(jsonFrame(rows, '$.data[*]', fields, 25).meta).to.equal(undefined);
  });

  it('never evaluates script or filter expressions', () => {
    const hostile = '$.data[?(@.constructor.constructor("return process")().exit(7))]';
    expect(() => select(hostile, DOC)).to.throw(/cannot be used: .*prevented/);
    expect(() => select('$.data[(@.length-1)]', DOC)).to.throw(/prevented/);
    expect(() => jsonFrame(DOC, '$.data[*]', [{ name: 'x', path: '$[?(@.v)]', type: 'string' }], 10)).to.throw(/prevented/);
  });

  it('does not reach prototype members through property names', () => {
    expect(select('$.constructor', {})).to.deep.equal([]);
    expect(select('$.__proto__', {})).to.deep.equal([]);
  });

  it('reads time as seconds below 1e11, milliseconds above, and ISO 8601 text', () => {
    expect(toFieldValue(1718193600, 'time')).to.equal(1718193600000);
    expect(toFieldValue(1718193600.123, 'time')).to.equal(1718193600123);
    expect(toFieldValue('1718193600', 'time')).to.equal(1718193600000);
    expect(toFieldValue(1718193600000, 'time')).to.equal(1718193600000);
    expect(toFieldValue('2024-06-12T12:00:00Z', 'time')).to.equal(1718193600000);
    expect(toFieldValue('yesterday', 'time')).to.equal(null);
    expect(toFieldValue(true, 'time')).to.equal(null);
  });

  it('reads numbers from numeric text, and nothing from empty or odd values', () => {
    expect(toFieldValue('1e3', 'number')).to.equal(1000);
    expect(toFieldValue('', 'number')).to.equal(null);
    expect(toFieldValue('NaN', 'number')).to.equal(null);
    expect(toFieldValue({}, 'number')).to.equal(null);
    expect(toFieldValue(false, 'number')).to.equal(0);
    expect(toFieldValue('yes', 'boolean')).to.equal(true);
    expect(toFieldValue('maybe', 'boolean')).to.equal(null);
    expect(toFieldValue(12, 'string')).to.equal('12');
  });

  it('names HTML and other non-JSON answers plainly', () => {
    expect(() => parseJsonBody('<!doctype html><title>Sign in</title>', 'text/html', 'http://h/x')).to.throw(/expected JSON, got text\/html from http:\/\/h\/x: "<!doctype html>/);
    expect(() => parseJsonBody('{"a":', 'application/json', 'http://h/x')).to.throw(/is not valid JSON/);
    expect(() => parseJsonBody('  ', 'application/json', 'http://h/x')).to.throw(/empty body/);
    expect(parseJsonBody('{"a":1}', 'application/vnd.api+json', 'http://h/x')).to.deep.equal({ a: 1 });
    expect(parseJsonBody('[1]', '', 'http://h/x')).to.deep.equal([1]);
  });
});
