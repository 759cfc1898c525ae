/** `rtdash serve`: runs the server until SIGINT or SIGTERM, then shuts down gracefully. */
import { existsSync } from 'node:fs';
import { ConfigError } from '../../core/config/index.js';
import { loadServerConfig } from '../../core/config/index.js';
import { createLogger } from '../../core/logger.js';
import { PluginFaults, containPluginFailures } from '../../core/plugin-faults.js';
import { startServer } from '../../core/server.js';
import { builtinPlugins } from '../../plugins/builtin.js';
import { USAGE_EXIT, parseCommand } from './args.js';

const USAGE = `Usage: rtdash serve [--config FILE] [--port N] [--host H]

Runs the server. The config is FILE, else $RTDASH_CONFIG, else ./config.yaml if it exists,
else the embedded defaults (the bundled demo dashboards, no database needed).
The port is --port, else $PORT, else the config's server.port (8080). --port also sets \${PORT} for the
config, so a source that reads the server's own address (http://127.0.0.1:\${PORT:-8080}) follows it.`;

/** Runs `rtdash serve`; resolves with the exit code once the server has stopped. */
export async function serveCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(args, { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' }, host: { type: 'string' } }, USAGE);
  if (!parsed) return 0;
  const file = (parsed.values.config as string | undefined) ?? process.env.RTDASH_CONFIG ?? (existsSync('config.yaml') ? 'config.yaml' : undefined);
  const portText = (parsed.values.port as string | undefined) ?? (process.env.PORT || undefined);
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    console.error(`rtdash serve: ${parsed.values.port === undefined ? 'PORT' : '--port'} must be a whole number from 0 to 65535; got "${portText}"`);
    return parsed.values.port === undefined ? 1 : USAGE_EXIT;
  }
  let config;
  try {
    config = await loadServerConfig(file, portText === undefined ? process.env : { ...process.env, PORT: portText });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const logger = createLogger(config.log.level);
  // A plugin's stray timer or unawaited rejection takes its own sources out of service, not the process.
  const faults = new PluginFaults(logger);
  containPluginFailures(faults, logger);
  let server;
  try {
    server = await startServer(config, { plugins: builtinPlugins, logger, port, host: parsed.values.host as string | undefined, faults });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    const listenProblem = listenFailure(err);
    if (listenProblem !== undefined) {
      console.error(`rtdash serve: ${listenProblem}`);
      return 1;
    }
    throw err;
  }
  const signIn = server.auth.modes;
  // Says who can get in: with no sign-in, every public dashboard is open to whoever reaches the address.
  const who = signIn.length === 0 ? 'open to anyone who can reach it, no sign-in (docs/auth.md)' : `sign-in: ${signIn.join(', ')}`;
  logger.info({ url: server.url, config: config.file ?? 'embedded defaults', dashboards: server.store.list().map((d) => d.id), signIn }, `rtdash serving on ${server.url}, ${who}`);
  if (!process.stdout.isTTY) console.error(`rtdash serving on ${server.url}, ${who}`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn('second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      void server.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // Operators reload with a signal (systemctl reload, kill -HUP): the dashboards and alert files, as POST /api/reload does.
    process.on('SIGHUP', () => {
      void server.reload().then(
        (result) => logger.info({ dashboards: result.dashboards, changed: result.changed, problems: result.problems.length }, 'reloaded on SIGHUP'),
        (err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, 'reload on SIGHUP failed'),
      );
    });
  });
  return 0;
}

/** What to tell someone whose server could not take its address, or undefined for any other error. */
function listenFailure(err: unknown): string | undefined {
  const { code, address, port } = err as { code?: string; address?: string; port?: number };
  const where = `${address ?? 'its address'}${port === undefined ? '' : `:${port}`}`;
  if (code === 'EADDRINUSE') return `${where} is already in use (another rtdash, or another server); stop it, or serve on another port with --port N or PORT=N`;
  if (code === 'EACCES') return `may not listen on ${where}: ports below 1024 need root (or CAP_NET_BIND_SERVICE); use a port from 1024 up, behind a proxy`;
  if (code === 'EADDRNOTAVAIL') return `${address ?? 'the host'} is not an address of this machine (server.host or --host)`;
  return undefined;
}
