/** `rtdash serve`: runs the server until SIGINT or SIGTERM, then shuts down gracefully. */
import { existsSync } from 'node:fs';
import { ConfigError } from '../../core/config/index.js';
import { loadServerConfig } from '../../core/config/index.js';
import { createLogger } from '../../core/logger.js';
import { PluginFaults, containPluginFailures } from '../../core/plugin-faults.js';
import { startServer } from '../../core/server.js';
import { builtinPlugins } from '../../plugins/builtin.js';
import { parseCommand } from './args.js';

const USAGE = `Usage: rtdash serve [--config FILE] [--port N] [--host H]

Runs the server. The config is FILE, else $RTDASH_CONFIG, else ./config.yaml if it exists,
else the embedded defaults (the bundled demo dashboards, no database needed).
The port is --port, else $PORT, else the config's server.port (8080).`;

/** Runs `rtdash serve`; resolves with the exit code once the server has stopped. */
export async function serveCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(args, { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' }, host: { type: 'string' } }, USAGE);
  if (!parsed) return 0;
  const file = (parsed.values.config as string | undefined) ?? process.env.RTDASH_CONFIG ?? (existsSync('config.yaml') ? 'config.yaml' : undefined);
  const portText = (parsed.values.port as string | undefined) ?? process.env.PORT;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    console.error(`rtdash serve: --port must be a whole number from 0 to 65535; got "${portText}"`);
    return 1;
  }
  let config;
  try {
    config = await loadServerConfig(file);
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
    throw err;
  }
  logger.info({ url: server.url, config: config.file ?? 'embedded defaults', dashboards: server.store.list().map((d) => d.id) }, `rtdash serving on ${server.url}`);
  if (!process.stdout.isTTY) console.error(`rtdash serving on ${server.url}`);
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
  });
  return 0;
}
