/**
 * custom-elements.json (written by `npm run build`) is what editors, Storybook and documentation tools read: it must
 * pass the Custom Elements Manifest schema, and declare every element with its tag name.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { packageRoot } from '../core/paths.js';

const require = createRequire(import.meta.url);

describe('custom-elements.json', () => {
  const manifest = JSON.parse(readFileSync(join(packageRoot, 'custom-elements.json'), 'utf8')) as { modules: { declarations?: { tagName?: string }[] }[] };

  it('passes the Custom Elements Manifest schema', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(require('custom-elements-manifest/schema.json') as object);
    validate(manifest);
    expect((validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)).to.deep.equal([]);
  });

  it('declares every element by its tag name', () => {
    const tags = manifest.modules.flatMap((m) => m.declarations ?? []).flatMap((d) => (d.tagName === undefined ? [] : [d.tagName]));
    expect(tags.sort()).to.deep.equal(['rt-alerts', 'rt-chart', 'rt-dashboard', 'rt-dashboard-list', 'rt-gauge', 'rt-stat', 'rt-status', 'rt-table', 'rt-text']);
  });
});
