/**
 * The JSON Schemas config files are checked against: rtdash's own (read at run time from core/schemas/,
 * the same files served at /schemas/) and the ones plugins declare for their options and queries.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type Options, type ValidateFunction } from 'ajv/dist/2020.js';
import { messageOf } from '../errors.js';
import type { JsonSchema } from '../plugin.js';
import { schemaDir } from '../paths.js';

/** The schema files rtdash publishes, by the name they are served under (`/schemas/NAME.json`). */
export const SCHEMA_FILES = { config: 'config.schema.json', dashboard: 'dashboard.schema.json', alerts: 'alerts.schema.json' } as const;

/** A schema rtdash publishes. */
export type SchemaName = keyof typeof SCHEMA_FILES;

// Editors (vscode-json-languageservice, hence yaml-language-server) show `patternErrorMessage` instead of
// a raw regexp; we read it for our own messages too, so ajv must accept it as a known keyword.
const ANNOTATIONS = ['patternErrorMessage'];

const common: Options = {
  allErrors: true,
  verbose: true,
  // Our messages name keys and values themselves; ajv's own texts are only a fallback.
  messages: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  logger: false,
};

// Our own schemas are strict, so a typo in a keyword fails the test suite instead of silently passing data.
const ownAjv = new Ajv2020({ ...common, strictSchema: true });
ownAjv.addVocabulary(ANNOTATIONS);

// Plugin schemas come from third parties: tolerate unknown keywords and formats, and fill in their
// declared defaults, so a plugin receives its options complete.
const pluginAjv = new Ajv2020({ ...common, strictSchema: false, validateFormats: false, useDefaults: true });
pluginAjv.addVocabulary(ANNOTATIONS);

const ownValidators = new Map<SchemaName, ValidateFunction>();
const pluginValidators = new WeakMap<object, ValidateFunction>();

/** The parsed JSON of one of rtdash's schema files. */
export function readSchema(name: SchemaName): JsonSchema {
  return JSON.parse(readFileSync(join(schemaDir, SCHEMA_FILES[name]), 'utf8')) as JsonSchema;
}

/** The compiled validator of one of rtdash's schemas, compiled once per process. */
export function schemaValidator(name: SchemaName): ValidateFunction {
  let validate = ownValidators.get(name);
  if (validate === undefined) {
    // alerts.json refers to the rule definition in dashboard.json, which must be known to ajv first.
    if (name === 'alerts') schemaValidator('dashboard');
    validate = ownAjv.compile(readSchema(name));
    ownValidators.set(name, validate);
  }
  return validate;
}

/**
 * The compiled validator of a plugin's options or query schema, or the reason it does not compile
 * (a bug in the plugin, reported against the config that uses it).
 */
export function pluginValidator(schema: JsonSchema): ValidateFunction | string {
  const cached = pluginValidators.get(schema);
  if (cached !== undefined) return cached;
  let validate: ValidateFunction;
  try {
    validate = pluginAjv.compile(schema);
  } catch (err) {
    // A reloaded plugin brings a new schema object with the same $id; the old one must make way.
    const id = typeof schema['$id'] === 'string' ? schema['$id'] : undefined;
    if (id === undefined || pluginAjv.getSchema(id) === undefined) return messageOf(err);
    pluginAjv.removeSchema(id);
    try {
      validate = pluginAjv.compile(schema);
    } catch (again) {
      return messageOf(again);
    }
  }
  pluginValidators.set(schema, validate);
  return validate;
}
