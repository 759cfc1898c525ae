import { expect } from 'chai';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import type { Frame, QueryContext } from '../../core/plugin.js';
import { SERVICES, needService } from '../../test/support/services.js';
import { fakePluginContext, fakeQueryContext, runConformance, runExampleChecks } from '../conformance.js';
import { dialectCases } from '../sql-dialect-cases.js';
import mysqlPlugin, { type MysqlOptions, type MysqlSource } from './index.js';
import { admin, running, waitFor } from './test-helpers.js';

const OPTIONS: MysqlOptions = { url: SERVICES.mysql.url };
// This run's own tables: runs side by side on one server must not drop each other's.
const ORDERS = `rtdash_my_test_orders_${process.pid}`;
const TYPES = `rtdash_my_test_types_${process.pid}`;

describe('mysql plugin (MariaDB)', function () {
  before(async function () {
    await needService(this, 'mysql');
  });

  runConformance({
    plugin: mysqlPlugin,
    options: OPTIONS,
    queries: [
      { name: 'one row', query: 'SELECT 1 AS one, NOW() AS t, 2.5 AS v' },
      { name: 'a variable', query: 'SELECT :region AS region', variables: { region: 'eu' } },
      { name: 'zero rows', query: 'SELECT 1 AS one FROM DUAL WHERE 1 = 0' },
    ],
    slowQuery: { name: 'SLEEP(5)', query: 'SELECT SLEEP(5) AS slept' },
    boundQuery: { name: 'a filter on a variable', query: "SELECT COUNT(*) AS n FROM (SELECT 'eu' AS region UNION ALL SELECT 'us') AS r WHERE region = :region", variable: 'region' },
  });

  runExampleChecks({ plugin: mysqlPlugin, dir: join(packageRoot, 'plugins', 'mysql'), sources: ['shopmy'] });

  let source: MysqlSource;
  const ask = (sql: string, ctx: Partial<QueryContext> = {}): Promise<Frame> => source.query(sql, fakeQueryContext(ctx));
  const column = (frame: Frame, name: string) => {
    const field = frame.fields.find((f) => f.name === name);
    if (field === undefined) throw new Error(`no column ${name}`);
    return field;
  };

  before(async () => {
    source = (await mysqlPlugin.create(fakePluginContext(OPTIONS))) as MysqlSource;
    await admin(`DROP TABLE IF EXISTS ${ORDERS}, ${TYPES}`);
    await admin(`CREATE TABLE ${ORDERS} (id INT PRIMARY KEY, created_at DATETIME, region VARCHAR(8), total DECIMAL(10,2), status VARCHAR(16))`);
    await admin(`INSERT INTO ${ORDERS} VALUES (1, '2024-06-12 12:00:00', 'eu', 10.50, 'paid'), (2, '2024-06-12 12:01:00', 'us', 20.25, 'paid'), (3, '2024-06-12 12:02:00', 'eu', 5.00, 'failed')`);
  });
  after(async () => {
    await source?.close();
    await admin(`DROP TABLE IF EXISTS ${ORDERS}, ${TYPES}`).catch(() => undefined);
  });

  for (const form of dialectCases('mysql')) {
    it(`binds the parameter after ${form.name}`, async () => {
      const frame = await ask(form.sql, { variables: { region: 'eu-1', other: 'WRONG' } });
      expect(column(frame, 'r').values).to.deep.equal(['eu-1']);
    });
  }

  it('maps each MySQL type to a frame type, NULL staying null', async () => {
    await admin(`CREATE TABLE ${TYPES} (
      ti TINYINT, b1 TINYINT(1), si SMALLINT, mi MEDIUMINT, i INT, bi BIGINT, ub BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec10 DECIMAL(10,2),
      y YEAR, dt DATETIME(3), ts TIMESTAMP NULL, dd DATE, tm TIME, bit1 BIT(1), bit8 BIT(8), vc VARCHAR(10), tx TEXT, en ENUM('a','b'),
      js JSON, bl BLOB, nul INT NULL)`);
    await admin(`INSERT INTO ${TYPES} VALUES (-5, 1, 300, 70000, 123456, 9007199254740993, 18446744073709551615, 1.5, 2.25, 12345678.91,
      2024, '2024-06-12 12:34:56.789', '2024-06-12 12:00:00', '2024-06-12', '01:02:03', b'1', b'00000101', 'hé', 'long text', 'b',
      '{"a": 1}', x'00ff', NULL)`);
    const frame = await ask(`SELECT * FROM ${TYPES}`);
    const types = Object.fromEntries(frame.fields.map((f) => [f.name, f.type]));
    expect(types).to.deep.equal({
      ti: 'number', b1: 'number', si: 'number', mi: 'number', i: 'number', bi: 'number', ub: 'number', f: 'number', d: 'number', dec10: 'number',
      y: 'number', dt: 'time', ts: 'time', dd: 'time', tm: 'string', bit1: 'boolean', bit8: 'number', vc: 'string', tx: 'string', en: 'string',
      js: 'string', bl: 'string', nul: 'number',
    });
    const row = Object.fromEntries(frame.fields.map((f) => [f.name, f.values[0]]));
    expect(row).to.deep.equal({
      ti: -5, b1: 1, si: 300, mi: 70000, i: 123456, bi: 9007199254740992, ub: 18446744073709552000, f: 1.5, d: 2.25, dec10: 12345678.91,
      y: 2024, dt: Date.UTC(2024, 5, 12, 12, 34, 56, 789), ts: Date.UTC(2024, 5, 12, 12), dd: Date.UTC(2024, 5, 12), tm: '01:02:03',
      bit1: true, bit8: 5, vc: 'hé', tx: 'long text', en: 'b', js: '{"a": 1}', bl: '00ff', nul: null,
    });
  });

  it('reads DATETIME in the configured zone; TIMESTAMP is the same instant in any zone', async () => {
    const plus2 = (await mysqlPlugin.create(fakePluginContext({ ...OPTIONS, timezone: '+02:00' }))) as MysqlSource;
    try {
      const sql = "SELECT CAST('2024-01-01 12:00:00' AS DATETIME) AS dt, @@session.time_zone AS zone";
      expect((await ask(sql)).fields.map((f) => f.values[0])).to.deep.equal([Date.UTC(2024, 0, 1, 12), '+00:00']);
      expect((await plus2.query(sql, fakeQueryContext())).fields.map((f) => f.values[0])).to.deep.equal([Date.UTC(2024, 0, 1, 10), '+02:00']);
      await admin(`CREATE TABLE ${TYPES}_tz (ts TIMESTAMP)`);
      await admin(`INSERT INTO ${TYPES}_tz VALUES (FROM_UNIXTIME(1704110400))`);
      for (const s of [source, plus2]) {
        expect(column(await s.query(`SELECT ts FROM ${TYPES}_tz`, fakeQueryContext()), 'ts').values).to.deep.equal([1704110400_000]);
      }
    } finally {
      await plus2.close();
      await admin(`DROP TABLE IF EXISTS ${TYPES}_tz`);
    }
  });

  it('binds named variables as parameters, a variable used twice included', async () => {
    const frame = await ask('SELECT :a AS x, :b AS y, CONCAT(:a, \'-\', :b) AS z', { variables: { a: 'eu', b: 'us' } });
    expect(frame.fields.map((f) => [f.name, f.values[0]])).to.deep.equal([['x', 'eu'], ['y', 'us'], ['z', 'eu-us']]);
    const eu = await ask(`SELECT id, total FROM ${ORDERS} WHERE region = :region AND (:region <> 'x') ORDER BY id`, { variables: { region: 'eu' } });
    expect(column(eu, 'id').values).to.deep.equal([1, 3]);
    expect(column(eu, 'total').values).to.deep.equal([10.5, 5]);
    // ':region' inside a literal and @v:=1 are SQL, not variables.
    const literal = await ask("SELECT ':region' AS text, @v:=1 AS v", { variables: {} });
    expect(literal.fields.map((f) => f.values[0])).to.deep.equal([':region', 1]);
  });

  it('answers zero rows with typed fields and no values', async () => {
    const frame = await ask(`SELECT created_at, region, total FROM ${ORDERS} WHERE region = :region`, { variables: { region: 'nowhere' } });
    expect(frame).to.deep.equal({
      fields: [
        { name: 'created_at', type: 'time', values: [] },
        { name: 'region', type: 'string', values: [] },
        { name: 'total', type: 'number', values: [] },
      ],
    });
  });

  it('binds a hostile value harmlessly: it is compared, never run', async () => {
    const region = `eu'; DROP TABLE ${ORDERS};--`;
    const frame = await ask(`SELECT COUNT(*) AS n FROM ${ORDERS} WHERE region = :region`, { variables: { region } });
    expect(column(frame, 'n').values).to.deep.equal([0]);
    const echo = await ask('SELECT :region AS region', { variables: { region } });
    expect(column(echo, 'region').values).to.deep.equal([region]);
    expect((await admin(`SELECT COUNT(*) AS n FROM ${ORDERS}`))[0]).to.deep.equal({ n: 3 });
  });

  it('rejects objects, arrays and other non-strings as variable values', async () => {
    for (const [value, kind] of [[{ region: 'eu' }, 'an object'], [['eu', 'us'], 'an array'], [1, 'a number'], [null, 'null']] as const) {
      const variables = { region: value } as unknown as Record<string, string>;
      await expectRejection(ask(`SELECT COUNT(*) AS n FROM ${ORDERS} WHERE :region`, { variables }), `mysql "test": variable "region" is ${kind}; only strings are bound as parameters`);
    }
  });

  it("reports the database's own message, prefixed with the source", async () => {
    await expectRejection(ask('SELECT * FROM rtdash_my_test_missing'), `mysql "test": Table 'test.rtdash_my_test_missing' doesn't exist`);
    await expectRejection(ask('SELEKT 1'), /^mysql "test": You have an error in your SQL syntax/);
    await expectRejection(ask('SELECT :nope AS x'), 'mysql "test": the query uses :nope, but the dashboard has no variable "nope"');
    await expectRejection(ask('SELECT 1 AS a, 2 AS a'), 'mysql "test": the column name "a" appears twice; give one of them another name with AS');
    await expectRejection(source.query('  ', fakeQueryContext()), /^mysql "test": the query must be SQL text/);
    // The pool is fine after errors.
    expect(column(await ask('SELECT 7 AS n'), 'n').values).to.deep.equal([7]);
  });

  it('answers a statement without a result set with an empty frame', async () => {
    expect(await ask('DO 1')).to.deep.equal({ fields: [] });
  });

  describe('row cap', () => {
    it('cuts a million rows at maxRows and flags it, quickly', async () => {
      const started = Date.now();
      const frame = await ask('SELECT seq AS n, seq * 2 AS twice FROM seq_1_to_1000000', { maxRows: 100 });
      expect(Date.now() - started).to.be.below(1000);
      expect(frame.meta).to.deep.equal({ truncated: true });
      expect(column(frame, 'n').values).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
    });

    it('stops a query whose own LIMIT overrides the cap, and kills it on the server', async () => {
      const started = Date.now();
      const sql = 'WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5000000) SELECT n /* rtdash_my_test_cap */ FROM r LIMIT 5000000';
      const frame = await ask(sql, { maxRows: 50 });
      expect(Date.now() - started).to.be.below(2000);
      expect(frame.meta).to.deep.equal({ truncated: true });
      expect(column(frame, 'n').values).to.have.length(50);
      await waitFor('the capped query to leave the process list', async () => (await running('rtdash_my_test_cap')) === 0, 1000);
    });

    it('does not flag a result of exactly maxRows rows, nor a cap with room to spare', async () => {
      expect((await ask('SELECT seq FROM seq_1_to_100', { maxRows: 100 })).meta).to.equal(undefined);
      expect(column(await ask('SELECT seq FROM seq_1_to_5', { maxRows: 3 }), 'seq').values).to.deep.equal([1, 2, 3]);
      // The cap keeps the query's order: it is not a wrapping subquery, whose ORDER BY MariaDB would drop.
      expect(column(await ask('SELECT seq FROM seq_1_to_1000 ORDER BY seq DESC', { maxRows: 3 }), 'seq').values).to.deep.equal([1000, 999, 998]);
      // A different cap on the same connection resets the session's limit.
      expect(column(await ask('SELECT seq FROM seq_1_to_5', { maxRows: 10 }), 'seq').values).to.deep.equal([1, 2, 3, 4, 5]);
    });
  });
});

async function expectRejection(promise: Promise<unknown>, expected: string | RegExp): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  expect(error, 'expected a rejection').to.be.instanceOf(Error);
  const message = (error as Error).message;
  if (typeof expected === 'string') expect(message).to.equal(expected);
  else expect(message).to.match(expected);
}
