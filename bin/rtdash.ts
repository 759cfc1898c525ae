#!/usr/bin/env node
/** The `rtdash` command line: serve, validate, init, plugin new, token create, cluster status, user. */
import { VERSION } from '../core/server.js';
import { serveCommand } from './commands/serve.js';
import { validateCommand } from './commands/validate.js';
import { initCommand } from './commands/init.js';
import { pluginCommand } from './commands/plugin-new.js';
import { notifierCommand } from './commands/notifier-new.js';
import { tokenCommand } from './commands/token.js';
import { clusterCommand } from './commands/cluster.js';
import { userCommand } from './commands/user.js';
import { USAGE_EXIT, UsageError } from './commands/args.js';

const USAGE = `rtdash ${VERSION} — real-time dashboards from YAML

Usage:
  rtdash serve [--config FILE] [--port N] [--host H]   run the server (PORT also sets the port)
  rtdash validate [FILES|DIRS...] [--config FILE]       check dashboards (and config.yaml) and print file:line:col errors
  rtdash init [DIR]                                     write a starter config.yaml and dashboard into DIR
  rtdash plugin new NAME [DIR]                          scaffold a data-source plugin with passing tests
  rtdash notifier new NAME [DIR]                        scaffold a notifier with passing tests
  rtdash token create --dashboard ID [--var NAME=VALUE]... --ttl 1h [--config FILE]
                                                        sign an embed token for a dashboard (printed on stdout)
  rtdash cluster status [--config FILE] [--json]        the instances of a cluster and the jobs each one runs
  rtdash user add NAME [--groups G1,G2] | remove NAME | list
                                                        the local users who sign in at /login (auth.users_file)
  rtdash --help | --version

With no config file, serve runs the bundled demo dashboards on 127.0.0.1:8080.
Exit codes: 0 done, 1 bad input (a config, a dashboard, a refused token), 2 a command used wrongly.`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  serve: serveCommand,
  validate: validateCommand,
  init: initCommand,
  plugin: pluginCommand,
  notifier: notifierCommand,
  token: tokenCommand,
  cluster: clusterCommand,
  user: userCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? USAGE_EXIT : 0;
  }
  if (command === '--version' || command === '-v') {
    console.log(VERSION);
    return 0;
  }
  const run = COMMANDS[command];
  if (run === undefined) {
    console.error(`rtdash: unknown command "${command}"\n\n${USAGE}`);
    return USAGE_EXIT;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`rtdash: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = err instanceof UsageError ? USAGE_EXIT : 1;
  },
);
