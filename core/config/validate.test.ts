import { expect } from 'chai';
import type { JsonSchema } from '../plugin.js';
import { formatProblem } from './problem.js';
import { pluginValidator } from './schema-store.js';
import { didYouMean, editDistance, suggest } from './suggest.js';
import { describeValue, dottedPath, validateData } from './validate.js';
import { YamlFile } from './yaml-file.js';

/** Validates YAML text against a schema and returns the formatted problems. */
function check(schema: JsonSchema, text: string): string[] {
  const validate = pluginValidator(schema);
  if (typeof validate === 'string') throw new Error(validate);
  const source = new YamlFile(text, 'q.yaml');
  return validateData(validate, source.toPlain().value, source).map(formatProblem);
}

describe('validateData', () => {
  it('words range, length, item and uniqueness errors with the key', () => {
    const schema = {
      type: 'object',
      properties: {
        n: { type: 'integer', minimum: 1, maximum: 5 },
        s: { type: 'string', minLength: 1 },
        list: { type: 'array', minItems: 1, uniqueItems: true },
      },
    };
    expect(check(schema, 'n: 9\ns: ""\nlist: [a, b, a]\n')).to.deep.equal([
      'q.yaml:1:4: "n" must be at most 5, got 9',
      'q.yaml:2:4: "s" must not be empty',
      'q.yaml:3:14: "list" lists the string "a" twice (items 1 and 3)',
    ]);
    expect(check(schema, 'list: []\n')).to.deep.equal(['q.yaml:1:7: "list" must list at least one item']);
  });

  it('suggests the closest enum value', () => {
    expect(check({ enum: ['process', 'host'] }, 'proces\n')).to.deep.equal(['q.yaml:1:1: the top level must be one of process, host; got "proces"; did you mean "process"?']);
  });

  it('names list items by their index', () => {
    expect(check({ type: 'object', properties: { y: { type: 'array', items: { type: 'string' } } } }, 'y: [a, 2]\n')).to.deep.equal(['q.yaml:1:8: "y[1]" must be a string, got the number 2']);
  });

  it('keeps only the branch of a oneOf that fits the value', () => {
    const schema = {
      oneOf: [
        { $ref: '#/$defs/name' },
        { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { $ref: '#/$defs/name' }, n: { type: 'integer' } } },
      ],
      $defs: { name: { type: 'string', enum: ['a', 'b'] } },
    };
    expect(check(schema, 'name: c\nn: 1\n')).to.deep.equal(['q.yaml:1:7: "name" must be one of a, b; got "c"']);
    expect(check(schema, 'c\n')).to.deep.equal(['q.yaml:1:1: the top level must be one of a, b; got "c"']);
    expect(check(schema, '[1]\n')).to.deep.equal(['q.yaml:1:1: the top level must be a string or a mapping, got a list']);
  });

  it('says once what the forms were when several fit', () => {
    const schema = { type: 'object', properties: { r: { anyOf: [{ type: 'string', enum: ['eu'] }, { type: 'string', pattern: '^:' }] } } };
    expect(check(schema, 'r: x\n')).to.deep.equal(['q.yaml:1:4: "r" matches none of the allowed forms: it must be one of eu; got "x"; or it must match the pattern ^:, got the string "x"']);
  });
});

describe('suggestions', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('titel', 'title')).to.equal(1);
    expect(editDistance('', 'abc')).to.equal(3);
  });

  it('suggests close names, ignoring case and separators, and nothing for far ones', () => {
    expect(suggest('evry', ['every', 'cron'])).to.equal('every');
    expect(suggest('publicUrl', ['public_url', 'port'])).to.equal('public_url');
    expect(suggest('colour', ['type'])).to.equal(undefined);
    expect(didYouMean('sorce', ['source'])).to.equal('; did you mean "source"?');
  });

  it('describes values and paths for messages', () => {
    expect(describeValue('x')).to.equal('the string "x"');
    expect(describeValue(3)).to.equal('the number 3');
    expect(describeValue(null)).to.equal('nothing (an empty value)');
    expect(dottedPath(['widgets', 2, 'size', 'w'])).to.equal('widgets[2].size.w');
  });
});
