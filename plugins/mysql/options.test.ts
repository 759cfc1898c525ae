import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dashboardContext, parseDashboard, parseServerConfig } from '../../core/config/index.js';
import { packageRoot } from '../../core/paths.js';
import type { PluginDefinition } from '../../core/plugin.js';
import { PluginRegistry } from '../../core/registry.js';
import { builtinPlugins } from '../builtin.js';
import mysqlPlugin from './index.js';
import { settingsFrom } from './options.js';

const DIR = join(packageRoot, 'plugins', 'mysql');

describe('mysql options', () => {
  it('reads a url, with separate keys overriding its parts', () => {
    const { connection } = settingsFrom({ url: 'mysql://app:p%40ss@db.internal:3307/shop', password: 'other' }, 'shopmy');
    expect(connection).to.include({ host: 'db.internal', port: 3307, user: 'app', password: 'other', database: 'shop' });
    expect(settingsFrom({ url: 'mariadb://app:p%40ss@[::1]/shop' }, 'x').connection).to.include({ host: '::1', port: 3306, password: 'p@ss' });
  });

  it('fills the defaults and binds safely', () => {
    const settings = settingsFrom({}, 'x');
    expect(settings).to.include({ poolSize: 5, queueLimit: 50, idleTimeoutMs: 60_000, sessionTimeZone: '+00:00' });
    expect(settings.connection).to.include({
      host: 'localhost',
      port: 3306,
      connectTimeout: 5000,
      timezone: 'Z',
      namedPlaceholders: false,
      multipleStatements: false,
      decimalNumbers: true,
      rowsAsArray: true,
    });
    expect(settings.connection.flags).to.deep.equal(['-LOCAL_FILES']);
    expect(settingsFrom({ timezone: '-05:30', pool_size: 2, queue_limit: 0 }, 'x')).to.include({ sessionTimeZone: '-05:30', poolSize: 2, queueLimit: 0 });
  });

  it('turns ssl into mysql2 TLS options', () => {
    expect(settingsFrom({ ssl: false }, 'x').connection.ssl).to.equal(undefined);
    expect(settingsFrom({ ssl: true }, 'x').connection.ssl).to.deep.equal({ rejectUnauthorized: true });
    expect(settingsFrom({ ssl: { ca: 'PEM', reject_unauthorized: false } }, 'x').connection.ssl).to.deep.equal({ ca: 'PEM', rejectUnauthorized: false });
  });

  it('fails fast on bad options, naming the source and the option', () => {
    const cases: [Parameters<typeof settingsFrom>[0], string][] = [
      [{ url: 'postgres://x@y/z' }, 'mysql "shopmy": url must start with mysql:// or mariadb://; got "postgres://"'],
      [{ url: 'not a url' }, 'mysql "shopmy": url is not a valid URL; write it like mysql://user:password@host:3306/database'],
      [{ url: 'mysql://x@y/z?ssl=true' }, 'mysql "shopmy": url must not carry ?parameters; write options such as ssl or timezone as their own keys'],
      [{ timezone: 'Europe/Paris' }, 'mysql "shopmy": timezone must be "Z" (UTC) or an offset like "+02:00"; got "Europe/Paris"'],
      [{ connect_timeout: 'soon' }, 'mysql "shopmy": connect_timeout: "soon" is not a duration (write it like 500ms, 5s, 1m, 1h)'],
      [{ idle_timeout: '0s' }, 'mysql "shopmy": idle_timeout must be longer than 0; got "0s"'],
      [{ pool_size: 0 }, 'mysql "shopmy": pool_size must be a whole number of at least 1; got 0'],
      [{ queue_limit: -1 }, 'mysql "shopmy": queue_limit must be a whole number of at least 0; got -1'],
    ];
    for (const [options, message] of cases) expect(() => settingsFrom(options, 'shopmy')).to.throw(TypeError, message);
  });
});

describe('mysql documented examples', () => {
  // What test/docs-examples.test.ts checks for every plugin, with mysql registered and a `shopmy` source.
  const registry = new PluginRegistry();
  for (const p of builtinPlugins.filter((p) => p.type !== 'mysql')) registry.register(p);
  registry.register(mysqlPlugin as PluginDefinition);
  const config = parseServerConfig('datasources: { shopmy: { type: mysql, url: "mysql://root@127.0.0.1/test" } }', 'embedded.yaml', {}, registry);
  const context = dashboardContext(config, registry);

  it('the README config blocks are valid config files, and the embedded example a valid dashboard', () => {
    const lines = readFileSync(join(DIR, 'README.md'), 'utf8').split('\n');
    let blocks = 0;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.trim() !== '```yaml') continue;
      const start = i + 1;
      while (++i < lines.length && lines[i]!.trim() !== '```');
      const text = lines.slice(start, i).join('\n');
      const where = `plugins/mysql/README.md:${start + 1}`;
      if (/^\s*widgets:/m.test(text) || /^id:/m.test(text)) parseDashboard(text, where, context);
      else parseServerConfig(text, where, { PORT: '8080' }, registry, packageRoot);
      blocks++;
    }
    expect(blocks).to.equal(2);
  });

  it('example.yaml is a valid dashboard on a mysql source named shopmy', () => {
    const dashboard = parseDashboard(readFileSync(join(DIR, 'example.yaml'), 'utf8'), 'plugins/mysql/example.yaml', context);
    expect(dashboard.widgets.map((w) => w.type)).to.deep.equal(['stat', 'line', 'bar', 'table']);
  });
});
