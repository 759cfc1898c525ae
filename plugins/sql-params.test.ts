import { expect } from 'chai';
import { bindNamed, mysqlPlaceholders, parameters, postgresPlaceholders } from './sql-params.js';

describe('bindNamed', () => {
  const vars = { region: 'eu', day: '2026-11-28' };

  it('binds each distinct name once for PostgreSQL and each use for MySQL', () => {
    const sql = 'SELECT * FROM o WHERE region = :region OR backup = :region AND d > :day';
    expect(bindNamed(sql, vars, postgresPlaceholders)).to.deep.equal({ text: 'SELECT * FROM o WHERE region = $1 OR backup = $1 AND d > $2', values: ['eu', '2026-11-28'] });
    expect(bindNamed(sql, vars, mysqlPlaceholders)).to.deep.equal({ text: 'SELECT * FROM o WHERE region = ? OR backup = ? AND d > ?', values: ['eu', 'eu', '2026-11-28'] });
  });

  it('leaves literals, identifiers, comments, dollar quotes and casts alone', () => {
    const sql = `SELECT ':region', "a:region", \`b:region\`, created_at::date, $fn$ :region $fn$ -- :region
      /* :region */ FROM t WHERE 'it''s :region' <> :region`;
    const bound = bindNamed(sql, vars, postgresPlaceholders);
    expect(bound.values).to.deep.equal(['eu']);
    expect(bound.text.match(/\$1/g)).to.have.length(1);
    expect(bound.text).to.include("created_at::date");
  });

  it('never splices a hostile value into the text', () => {
    const bound = bindNamed('SELECT * FROM orders WHERE region = :region', { region: "eu'; DROP TABLE orders;--" }, postgresPlaceholders);
    expect(bound.text).to.equal('SELECT * FROM orders WHERE region = $1');
    expect(bound.values).to.deep.equal(["eu'; DROP TABLE orders;--"]);
  });

  it('binds the time range as Dates and the bucket as a number, on a dashboard with time', () => {
    const ctx = { variables: { region: 'eu' }, range: { from: 1796104800000, to: 1796126400000 }, bucketSeconds: 60 };
    const bound = bindNamed('SELECT date_bin(make_interval(secs => :bucket), t, \'epoch\') FROM o WHERE t >= :from AND t < :to AND r = :region', parameters(ctx), postgresPlaceholders);
    expect(bound.text).to.equal("SELECT date_bin(make_interval(secs => $1), t, 'epoch') FROM o WHERE t >= $2 AND t < $3 AND r = $4");
    expect(bound.values).to.deep.equal([60, new Date(1796104800000), new Date(1796126400000), 'eu']);
    expect(bound.values[1]).to.be.instanceOf(Date);
    // Without `time:` there is no range to bind: :from stays an unknown name.
    expect(() => bindNamed('SELECT :from', parameters({ variables: {}, range: { from: 0, to: 1 } }), postgresPlaceholders)).to.throw('no variable "from"');
  });

  it('refuses a name that is not a variable', () => {
    expect(() => bindNamed('SELECT :nope', vars, postgresPlaceholders)).to.throw('the query uses :nope, but the dashboard has no variable "nope"');
  });
});
