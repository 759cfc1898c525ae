/**
 * dashboards/examples/ (what config.example.yaml serves) holds real files written by the build, not symlinks that
 * npm pack drops: each is its source, and its `$schema` line points at the schema from where the file is.
 */
import { expect } from 'chai';
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { packageRoot } from '../core/paths.js';

const DIR = join(packageRoot, 'dashboards', 'examples');
const SCHEMA_LINE = /^# yaml-language-server: \$schema=(\S+)$/m;

describe('the example dashboards', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

  it('are the six sources, as real files', () => {
    expect(files.sort()).to.deep.equal(['demo.yaml', 'http.yaml', 'mysql.yaml', 'postgres.yaml', 'redis.yaml', 'system.yaml']);
    for (const f of files) expect(lstatSync(join(DIR, f)).isSymbolicLink(), f).to.equal(false);
  });

  for (const name of ['demo.yaml', 'http.yaml', 'mysql.yaml', 'postgres.yaml', 'redis.yaml', 'system.yaml']) {
    it(`${name}: is its source, with a schema line that resolves from dashboards/examples/`, () => {
      const text = readFileSync(join(DIR, name), 'utf8');
      const from = /^# Written by npm run build from (\S+): edit that file, not this one\.$/m.exec(text)?.[1];
      expect(from, 'names its source').to.be.a('string');
      const source = readFileSync(join(packageRoot, from!), 'utf8');
      const strip = (t: string) => t.replace(SCHEMA_LINE, '').replace(/^# Written by npm run build.*$/m, '').trimEnd();
      expect(strip(text)).to.equal(strip(source));
      const schema = SCHEMA_LINE.exec(text)?.[1];
      expect(schema).to.be.a('string');
      expect(existsSync(resolve(dirname(join(DIR, name)), schema!)), schema).to.equal(true);
    });
  }
});
