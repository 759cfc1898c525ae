/**
 * Query variables on MariaDB (a table of this suite's own in the shared `test` database, dropped after it):
 * options from the first column, a chained variable bound as a parameter, and a value outside them refused.
 */
import { expect } from 'chai';
import { admin } from '../plugins/mysql/test-helpers.js';
import { needService, SERVICES } from './support/services.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { connect, type Message } from './support/ws-client.js';

const TABLE = `rtdash_qvars_${process.pid}`;

const DASHBOARD = `id: qvmy
title: Query variables on MariaDB
variables:
  region: { type: query, source: shopmy, query: "SELECT DISTINCT region FROM ${TABLE} ORDER BY 1", refresh: 1s }
  host: { type: query, source: shopmy, query: "SELECT host FROM ${TABLE} WHERE region = :region ORDER BY 1", refresh: 1s, default: eu-2 }
widgets:
  - { id: count, type: stat, source: shopmy, query: "SELECT COUNT(*) AS n FROM ${TABLE} WHERE host = :host", every: 500ms }
`;

const optionsOf = (snapshot: Message, name: string): string[] | undefined =>
  (snapshot.definition as { variables: { name: string; options?: string[] }[] }).variables.find((v) => v.name === name)?.options;

describe('query variables (MariaDB)', function () {
  this.timeout(30_000);
  let ts: TestServer | undefined;
  let created = false;

  before(async function () {
    await needService(this, 'mysql');
    created = true;
    await admin(`DROP TABLE IF EXISTS ${TABLE}`);
    await admin(`CREATE TABLE ${TABLE} (region VARCHAR(16) NOT NULL, host VARCHAR(16) NOT NULL)`);
    await admin(`INSERT INTO ${TABLE} VALUES ('eu', 'eu-1'), ('eu', 'eu-2'), ('us', 'us-1')`);
    ts = await startTestServer({ 'qvmy.yaml': DASHBOARD }, {}, false, { datasources: [{ name: 'shopmy', type: 'mysql', options: { url: SERVICES.mysql.url } }] });
  });

  after(async () => {
    await ts?.stop();
    if (created) await admin(`DROP TABLE IF EXISTS ${TABLE}`);
  });

  it('reads options from the first column, chains, and refuses a value outside them', async () => {
    const client = await connect(ts!.wsUrl);
    try {
      client.send({ type: 'subscribe', dashboard: 'qvmy' });
      const first = await client.nextOf('snapshot');
      expect(first.vars).to.deep.equal({ region: 'eu', host: 'eu-2' });
      expect(optionsOf(first, 'region')).to.deep.equal(['eu', 'us']);
      expect(optionsOf(first, 'host')).to.deep.equal(['eu-1', 'eu-2']);
      client.send({ type: 'subscribe', dashboard: 'qvmy', vars: { region: 'us' } });
      const us = await client.nextOf('snapshot');
      // The default eu-2 is not among us's hosts: the first one is taken.
      expect(us.vars).to.deep.equal({ region: 'us', host: 'us-1' });
      client.send({ type: 'subscribe', dashboard: 'qvmy', vars: { region: 'us', host: "eu-1' OR '1'='1" } });
      const refused = await client.nextOf('error');
      expect(refused).to.include({ code: 'RTDASH_VARIABLE_INVALID', dashboard: 'qvmy' });
      expect(refused.message).to.match(/variable "host" has no option .*: it must be one of us-1/);
    } finally {
      await client.close();
    }
  });
});
