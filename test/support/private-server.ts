/**
 * A private database server as tests see it: its address, and stop, start, restart and kill; started by a mocha
 * hook before its suite and removed after it, pass or fail. The per-database files (private-redis.ts,
 * private-postgres.ts, private-mariadb.ts) say how each one is made.
 */
import { until } from './served-cli.js';
import { endProcess, hasExited, needBinaries, startProcess, type ServerProcess } from './private-process.js';

/** Waits until `ready` says yes, failing early with what the process printed when it exits first. */
async function waitServing(server: ServerProcess, what: string, ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await until(
    what,
    async () => {
      if (hasExited(server)) throw new Error(`${what}: the server exited with ${server.child.exitCode ?? server.child.signalCode}: ${server.output()}`);
      return ready().catch(() => false);
    },
    timeoutMs,
  );
}

/** What a test may do to a private server. */
export interface ServerControl {
  /** A clean shutdown; resolves once the server is gone. */
  stop(): Promise<void>;
  /** Starts it on the same port and data (a no-op while it runs); resolves once it answers. */
  start(): Promise<void>;
  /** Stops and starts it: every connection is cut. */
  restart(): Promise<void>;
  /** A crash (SIGKILL or its equivalent); resolves once the server is gone. The next start recovers. */
  kill(): Promise<void>;
}

/** A private server on a loopback port. */
export interface PrivateServer extends ServerControl {
  readonly host: string;
  readonly port: number;
  /** A connection URL for the plugin and the test's own clients. */
  readonly url: string;
}

/** A private server and the removal of everything it left (its process and its folder). */
export type Removable<T> = T & { remove(): Promise<void> };

/** The server in `spec.dir` made from its parts, started; when the start fails, removed and the error rethrown. */
export async function privateServer(spec: { port: number; url: string; dir: { remove(): void }; control: ServerControl }): Promise<Removable<PrivateServer>> {
  const { control } = spec;
  const server: Removable<PrivateServer> = {
    host: '127.0.0.1',
    port: spec.port,
    url: spec.url,
    start: () => control.start(),
    stop: () => control.stop(),
    kill: () => control.kill(),
    async restart() {
      await control.stop();
      await control.start();
    },
    async remove() {
      await control.kill().finally(() => spec.dir.remove());
    },
  };
  try {
    await server.start();
  } catch (err) {
    await server.remove().catch(() => undefined);
    throw err;
  }
  return server;
}

/**
 * The control of a server that runs in the foreground of this process (`command args`), answering when `ready`
 * says so, ending with SIGTERM (clean) or SIGKILL (a crash).
 */
export function foregroundControl(command: string, args: readonly string[], what: string, ready: () => Promise<boolean>, timeoutMs = 30_000): ServerControl {
  let server: ServerProcess | undefined;
  return {
    async start() {
      if (server !== undefined && !hasExited(server)) return;
      const started = startProcess(command, args);
      server = started;
      await waitServing(started, `${what} to answer`, ready, timeoutMs);
    },
    async stop() {
      if (server !== undefined) await endProcess(server, 'SIGTERM', timeoutMs);
    },
    async kill() {
      if (server !== undefined) await endProcess(server, 'SIGKILL');
    },
    async restart() {
      await this.stop();
      await this.start();
    },
  };
}

/**
 * Registers mocha hooks in the calling `describe`: a private server started before its tests (skipped in one line
 * when `missing()` names something this machine lacks, failed under CI) and removed after them, pass or fail.
 * @example const redis = usePrivate(missingForRedis, startPrivateRedis); it('…', async () => { await redis().restart(); });
 */
export function usePrivate<T extends PrivateServer>(missing: () => string | undefined, start: () => Promise<Removable<T>>, timeoutMs = 90_000): () => T {
  let server: Removable<T> | undefined;
  before(async function () {
    this.timeout(timeoutMs);
    needBinaries(this, missing());
    server = await start();
  });
  after(async function () {
    this.timeout(timeoutMs);
    await server?.remove();
    server = undefined;
  });
  return () => {
    if (server === undefined) throw new Error('a private server exists only inside the suite that uses it');
    return server;
  };
}
