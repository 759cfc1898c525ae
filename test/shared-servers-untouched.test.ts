/**
 * The suite leaves this machine's own PostgreSQL, MariaDB and Redis alone: never restarted, flushed or
 * reconfigured (a developer's data lives there). Mocha's global fixtures (test/support/global-fixtures.ts) read
 * the shared servers' fingerprints before the first test file of the run and compare after the last, and the run
 * fails naming what changed. Here, the check is shown to notice each kind of change, on private servers.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { usePrivateMariadb } from './support/private-mariadb.js';
import { usePrivatePostgres } from './support/private-postgres.js';
import { usePrivateRedis } from './support/private-redis.js';
import { differences, fingerprint, plantSentinels } from './support/server-fingerprint.js';

describe('the check that the shared servers were left alone', function () {
  this.timeout(60_000);

  describe('on a private Redis', () => {
    const redis = usePrivateRedis();

    it('notices nothing when nothing happened, and a restart, a FLUSHALL or a persistence change when they did', async () => {
      const watched = { redis: redis().url };
      await plantSentinels(redis().url);
      const start = await fingerprint(watched);
      expect(start.redis?.runId).to.match(/^\w{40}$/);
      expect(differences(start, await fingerprint(watched))).to.deep.equal([]);

      const admin = new Redis(redis().url);
      try {
        await admin.config('SET', 'save', '3600 1');
        await admin.select(5);
        await admin.flushdb();
        expect(differences(start, await fingerprint(watched))).to.deep.equal([`Redis's save was changed from "" to "3600 1"`, 'Redis db 5 was flushed (a key written at the start is gone)']);
      } finally {
        admin.disconnect();
      }
      await redis().restart();
      const found = differences(start, await fingerprint(watched));
      expect(found[0], found.join('; ')).to.match(/^Redis was restarted \(run_id \w+ → \w+\)$/);
      await redis().stop();
      expect(differences(start, await fingerprint(watched))).to.deep.equal(['Redis no longer answers']);
    });
  });

  describe('on a private PostgreSQL', () => {
    const postgres = usePrivatePostgres();

    it('notices a restart', async () => {
      const watched = { postgres: postgres().url };
      const start = await fingerprint(watched);
      expect(start.postgres?.startedAt).to.be.a('string').and.not.equal('');
      expect(differences(start, await fingerprint(watched))).to.deep.equal([]);
      await postgres().restart();
      const found = differences(start, await fingerprint(watched));
      expect(found, found.join('; ')).to.have.length(1);
      expect(found[0]).to.match(/^PostgreSQL was restarted \(started at .+, now at .+\)$/);
    });
  });

  describe('on a private MariaDB', () => {
    const mariadb = usePrivateMariadb();

    it('notices a restart, and not the second or two its Uptime-derived start time may wander', async () => {
      const watched = { mariadb: mariadb().url };
      const start = await fingerprint(watched);
      expect(start.mariadb?.startedAt).to.be.a('number').and.above(0);
      expect(differences(start, await fingerprint(watched))).to.deep.equal([]);
      // A restart within the tolerance would go unnoticed; a real one takes longer than that after a while up.
      await new Promise((resolve) => setTimeout(resolve, 3100));
      await mariadb().kill();
      await mariadb().start();
      const found = differences(start, await fingerprint(watched));
      expect(found, found.join('; ')).to.have.length(1);
      expect(found[0]).to.match(/^MariaDB was restarted \(started at .+, now at .+\)$/);
    });
  });
});
