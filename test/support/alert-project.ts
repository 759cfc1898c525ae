/**
 * Mocha hooks for tests of `rtdash serve` on an alert project (test/support/served-cli.ts): for each test a folder
 * of its own, a level source and a real webhook receiver; the servers it starts are killed and everything removed
 * after it. With `redis`, the suite skips in one line without Redis, and each test gets a Redis key prefix of its
 * own (for `cluster.prefix`) whose keys are deleted after it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { httpReceiver, type Answer, type HttpReceiver } from '../../core/alerts/notifiers/testing.js';
import { SERVICES, needService } from './services.js';
import { killCli, levelSource, serveCli, waitReady, writeAlertProject, type AlertProject, type LevelSource, type ServedCli } from './served-cli.js';
import { freePort } from './tcp-proxy.js';

/** A project written for one server: its config file, address and data folder. */
export interface WrittenProject {
  config: string;
  url: string;
  data: string;
}

/** What a test gets from `alertProject`; valid inside a test only. */
export interface AlertProjectFixture {
  readonly dir: string;
  readonly source: LevelSource;
  readonly receiver: HttpReceiver;
  /** The test's Redis key prefix (with `redis`). */
  readonly prefix: string;
  /** An admin Redis client (with `redis`). */
  readonly admin: Redis;
  /** The servers started so far in this test, oldest first. */
  readonly served: readonly ServedCli[];
  /**
   * Writes the project for a server on a free port: the rules notify the receiver, state goes to `data` (a folder
   * named after the port unless given), and with `leaseTtl` the config gets a `cluster:` section on this test's
   * Redis prefix (on `redis`, a Redis of the test's own, or the shared one).
   */
  write(options: Pick<AlertProject, 'rules' | 'repeat'> & { data?: string; leaseTtl?: string; redis?: string }): Promise<WrittenProject>;
  /** Serves a written project and resolves once it answers. */
  serve(project: WrittenProject): Promise<ServedCli>;
  /** Every server's output, for an assertion's message. */
  output(): string;
}

/**
 * Registers the hooks in the calling `describe`; call it first in its body. `answer`: how the receiver answers
 * (200 to every request unless given).
 */
export function alertProject(name: string, options: { redis?: boolean; answer?: Answer } = {}): AlertProjectFixture {
  let dir: string | undefined;
  let source: LevelSource | undefined;
  let receiver: HttpReceiver | undefined;
  let prefix = '';
  let admin: Redis | undefined;
  let served: ServedCli[] = [];
  const inTest = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`alertProject: ${what} exists only inside a test`);
    return value;
  };

  if (options.redis === true) {
    before(async function () {
      await needService(this, 'redis');
      admin = new Redis(SERVICES.redis.url);
    });
    after(() => admin?.disconnect());
  }
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), `rtdash-${name}-`));
    prefix = `rtdash-test-${randomUUID().slice(0, 8)}`;
    source = await levelSource(1);
    receiver = await httpReceiver(options.answer);
  });
  afterEach(async () => {
    for (const child of served) await killCli(child);
    served = [];
    await receiver?.close();
    await source?.close();
    if (admin !== undefined) {
      const keys = await admin.keys(`${prefix}:*`);
      if (keys.length > 0) await admin.del(...keys);
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  return {
    get dir() {
      return inTest(dir, 'the folder');
    },
    get source() {
      return inTest(source, 'the level source');
    },
    get receiver() {
      return inTest(receiver, 'the receiver');
    },
    get prefix() {
      return prefix;
    },
    get admin() {
      return inTest(admin, 'the Redis client');
    },
    get served() {
      return served;
    },
    async write({ rules, repeat, data, leaseTtl, redis }) {
      const port = await freePort();
      const folder = inTest(dir, 'the folder');
      const stateDir = data ?? join(folder, `data-${port}`);
      const config = writeAlertProject({
        dir: folder,
        port,
        sourcePort: inTest(source, 'the level source').port,
        hook: inTest(receiver, 'the receiver').url,
        data: stateDir,
        rules,
        ...(repeat !== undefined && { repeat }),
        ...(leaseTtl !== undefined && { extra: `cluster:\n  redis: ${redis ?? SERVICES.redis.url}\n  prefix: ${prefix}\n  lease_ttl: ${leaseTtl}\n` }),
      });
      return { config, url: `http://127.0.0.1:${port}`, data: stateDir };
    },
    async serve(project) {
      const child = serveCli(project.config, inTest(dir, 'the folder'));
      served.push(child);
      await waitReady(child, project.url);
      return child;
    },
    output() {
      return served.map((child, n) => `--- server ${n}:\n${child.output()}`).join('\n');
    },
  };
}
