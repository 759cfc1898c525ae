/**
 * Fault matrix, "PostgreSQL restarts": a watched table widget on a private PostgreSQL that is shut down and started
 * again. The machine's own PostgreSQL is never touched.
 */
import { Client } from 'pg';
import { usePrivatePostgres } from '../support/private-postgres.js';
import { restartRow } from '../support/restart-row.js';

describe('fault: PostgreSQL restarts under a watched dashboard', function () {
  const server = usePrivatePostgres();
  restartRow({
    server,
    outage: 'stop',
    source: (url) => ({ type: 'postgres', options: { url, connect_timeout: '1s' }, timeoutMs: 2000 }),
    query: 'SELECT id, note FROM fault_rows ORDER BY id',
    async write(url, ids) {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('CREATE TABLE IF NOT EXISTS fault_rows (id int PRIMARY KEY, note text NOT NULL)');
        for (const id of ids) await client.query('INSERT INTO fault_rows VALUES ($1, $2)', [id, `row ${id}`]);
      } finally {
        await client.end();
      }
    },
    ids: (rows) => rows.map((r) => Number(r['id'])),
  });
});
