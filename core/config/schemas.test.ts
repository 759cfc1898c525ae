import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { editorSchema, withNotifierTypes, withSourceTypes } from './editor-schema.js';
import { builtinPlugins } from '../../plugins/builtin.js';
import { NOTIFIER_TYPES } from '../alerts/notifiers/index.js';
import { DURATION_PATTERN } from '../duration.js';
import { bundledDashboardDir, packageRoot } from '../paths.js';
import { loadDashboardDir } from './dashboard-config.js';
import { formatProblem } from './problem.js';
import { readSchema, schemaValidator, type SchemaName } from './schema-store.js';
import { WIDGET_TYPES } from './widget.js';

type Schema = Record<string, unknown>;

/** Every `properties` entry in a schema, with its path, however deep. */
function propertiesOf(schema: unknown, path = '#'): { path: string; schema: Schema }[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const out: { path: string; schema: Schema }[] = [];
  for (const [key, value] of Object.entries(schema as Schema)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      // `false` forbids a key (a rule's `dashboard` inside a dashboard): there is nothing to describe.
      for (const [name, sub] of Object.entries(value as Schema)) if (sub !== false) out.push({ path: `${path}/properties/${name}`, schema: sub as Schema });
    }
    // `if` branches only restate properties to test them; they are not documentation.
    if (key !== 'if') out.push(...propertiesOf(value, `${path}/${key}`));
  }
  return out;
}

/** Every `pattern` that describes a duration. */
function durationPatterns(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Schema;
  const own = typeof s['pattern'] === 'string' && (s['pattern'] as string).includes('ms|s|m|h|d|w') ? [s['pattern'] as string] : [];
  return [...own, ...Object.values(s).flatMap(durationPatterns)];
}

describe('published schemas', () => {
  for (const [name, id] of [
    ['config', 'https://rtdash.dev/schemas/config.json'],
    ['dashboard', 'https://rtdash.dev/schemas/dashboard.json'],
  ] as [SchemaName, string][]) {
    it(`${name}: has its $id, a title and a description, and compiles in strict mode`, () => {
      const schema = readSchema(name);
      expect(schema['$id']).to.equal(id);
      expect(schema['title']).to.be.a('string');
      expect(schema['description']).to.be.a('string');
      expect(schemaValidator(name)).to.be.a('function');
    });

    it(`${name}: describes every property, for editors`, () => {
      const undocumented = propertiesOf(readSchema(name)).filter((p) => typeof p.schema['description'] !== 'string');
      expect(undocumented.map((p) => p.path)).to.deep.equal([]);
    });

    it(`${name}: writes durations with the pattern parseDuration accepts`, () => {
      const patterns = durationPatterns(readSchema(name));
      expect(patterns.length).to.be.greaterThan(0);
      for (const pattern of patterns) expect(pattern).to.equal(DURATION_PATTERN);
    });
  }

  it('alerts: has its $id, a title and a description, describes every property, and compiles with the rule of dashboard.json', () => {
    const schema = readSchema('alerts');
    expect(schema['$id']).to.equal('https://rtdash.dev/schemas/alerts.json');
    expect(schema['title']).to.be.a('string');
    expect(schema['description']).to.be.a('string');
    expect(propertiesOf(schema).filter((p) => typeof p.schema['description'] !== 'string')).to.deep.equal([]);
    expect(schemaValidator('alerts')).to.be.a('function');
  });

  it('dashboard: lists the widget types the loader knows', () => {
    const widget = (readSchema('dashboard')['$defs'] as Record<string, Schema>)['widget'] as Schema;
    expect(((widget['properties'] as Record<string, Schema>)['type'] as Schema)['enum']).to.deep.equal(WIDGET_TYPES);
  });

  it('the bundled dashboards pass the schema', async () => {
    const { problems } = await loadDashboardDir(bundledDashboardDir, { sources: (name) => ({ type: name }) });
    expect(problems.map(formatProblem)).to.deep.equal([]);
  });
});

describe('the config schema as editors get it', () => {
  // An editor checks config.yaml as written, before `${VAR}` is filled in.
  const raw = parseYaml(readFileSync(join(packageRoot, 'config.example.yaml'), 'utf8')) as unknown;
  const strictWith = (schema: object) => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    return ajv.compile(schema);
  };

  it('accepts ${PORT:-8080} and other references where a number, a boolean or a pattern is expected', () => {
    const validate = strictWith(editorSchema(readSchema('config')));
    expect(validate(raw), JSON.stringify(validate.errors)).to.equal(true);
    expect(validate({ server: { port: '${PORT}', limits: { coalesce: '${COALESCE:-15ms}' } }, log: { level: '${LOG_LEVEL:-info}' } }), JSON.stringify(validate.errors)).to.equal(true);
  });

  it('still refuses a value that is neither the type nor a whole reference', () => {
    const validate = strictWith(editorSchema(readSchema('config')));
    for (const port of ['eighty', 'x${PORT}', '${PORT']) expect(validate({ server: { port } }), port).to.equal(false);
  });

  it('checks each notifier type\'s options, as the loader does', () => {
    const validate = strictWith(editorSchema(withNotifierTypes(readSchema('config'), NOTIFIER_TYPES.values())));
    expect(validate({ notifiers: { am: { type: 'alertmanager', url: 'http://127.0.0.1:9093', resend: '${RESEND:-1m}' } } }), JSON.stringify(validate.errors)).to.equal(true);
    expect(validate({ notifiers: { am: { type: 'alertmanager', url: 'http://127.0.0.1:9093', secrt: 'x' } } }), 'an unknown option').to.equal(false);
    expect(validate({ notifiers: { mail: { type: 'email', smtp: { host: 'h', port: '${SMTP_PORT}' }, from: 'a@b.c', to: ['d@e.f'] } } }), JSON.stringify(validate.errors)).to.equal(true);
    expect(validate({ notifiers: { mail: { type: 'email', smtp: { host: 'h', port: 25 } } } }), 'email without from and to').to.equal(false);
  });

  it('checks each data source\'s options against its plugin, as the loader does', () => {
    const validate = strictWith(editorSchema(withSourceTypes(readSchema('config'), builtinPlugins)));
    expect(validate(raw), JSON.stringify(validate.errors)).to.equal(true);
    expect(validate({ datasources: { db: { type: 'postgres', url: 'postgres://h/db', timeout: '5s', pool_size: '${POOL:-4}' } } }), JSON.stringify(validate.errors)).to.equal(true);
    expect(validate({ datasources: { db: { type: 'postgres', urll: 'postgres://h/db' } } }), 'a misspelt option').to.equal(false);
    expect(validate({ datasources: { db: { type: 'redis', url: 'postgres://h/db' } } }), 'another plugin\'s URL').to.equal(false);
  });

  it('is what the loader checks filled-in values against, less the references', () => {
    expect(strictWith(readSchema('config'))(raw), 'the file schema takes numbers as numbers').to.equal(false);
  });
});
