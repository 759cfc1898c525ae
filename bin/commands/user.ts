/** `rtdash user add|remove|list`: the local users of auth.users_file (argon2id hashes), for sign-in without an identity provider. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { createInterface } from 'node:readline';
import { loadServerConfig } from '../../core/config/index.js';
import { LocalUsers, addUser, removeUser } from '../../core/auth/local-users.js';
import { RtdashError } from '../../core/errors.js';
import { USAGE_EXIT, parseCommand } from './args.js';
import { VERSION } from '../../core/version.js';

const USAGE = `Usage: rtdash user add NAME [--groups G1,G2] [--file FILE | --config FILE]
       rtdash user remove NAME [--file FILE | --config FILE]
       rtdash user list [--file FILE | --config FILE]

Keeps the local users who sign in at /login. add asks for the password twice on a terminal, or reads
it from the first line of standard input (echo "$PASSWORD" | rtdash user add alice --groups ops); a user
who exists gets the new password and groups. The file is --file, else auth.users_file of the config
(FILE, else $RTDASH_CONFIG, else ./config.yaml). A running server reads the file again when it changes:
a removed user's open dashboards close within 30 s. Roles come from groups (auth.roles).`;

/** Runs `rtdash user …`. */
export async function userCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return sub === undefined ? USAGE_EXIT : 0;
  }
  if (sub === '--version' || sub === '-v') {
    console.log(VERSION);
    return 0;
  }
  if (!['add', 'remove', 'list'].includes(sub)) {
    console.error(`rtdash user: unknown subcommand "${sub}"; there are add, remove and list\n\n${USAGE}`);
    return USAGE_EXIT;
  }
  const parsed = parseCommand(rest, { groups: { type: 'string', short: 'g' }, file: { type: 'string', short: 'f' }, config: { type: 'string', short: 'c' } }, USAGE);
  if (!parsed) return 0;
  const file = await usersFile(parsed.values.file as string | undefined, parsed.values.config as string | undefined);
  const name = parsed.positionals[0];
  if (sub === 'list') {
    for (const [user, { groups }] of await new LocalUsers(file).users()) console.log(`${user}\t${groups.join(',')}`);
    return 0;
  }
  if (name === undefined) {
    console.error(`rtdash user ${sub}: name the user\n\n${USAGE}`);
    return USAGE_EXIT;
  }
  if (sub === 'remove') {
    if (!(await removeUser(file, name).catch(() => false))) {
      console.error(`rtdash user remove: no user "${name}" in ${file}`);
      return 1;
    }
    console.error(`removed ${name} from ${file}`);
    return 0;
  }
  const groups = ((parsed.values.groups as string | undefined) ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
  try {
    const outcome = await addUser(file, name, await readPassword(), groups);
    console.error(`${outcome} ${name}${groups.length > 0 ? ` (groups ${groups.join(', ')})` : ''} in ${file}`);
    return 0;
  } catch (err) {
    if (!(err instanceof RtdashError)) throw err;
    console.error(`rtdash user add: ${err.message}`);
    return 1;
  }
}

/** The users file: --file, else the config's auth.users_file. */
async function usersFile(file: string | undefined, configFile: string | undefined): Promise<string> {
  if (file !== undefined) return file;
  const path = configFile ?? process.env.RTDASH_CONFIG ?? (existsSync('config.yaml') ? 'config.yaml' : undefined);
  if (path === undefined) throw new RtdashError('RTDASH_CONFIG_INVALID', 'no users file: pass --file FILE, or run where config.yaml sets auth.users_file (or --config FILE)');
  // Only auth.users_file is needed: the rest of the config (its secrets in ${VARS} the server's environment has and
  // an admin's shell may not) is read only when that one key is itself written with a variable.
  const raw = (parse(await readFile(path, 'utf8')) ?? {}) as { auth?: { users_file?: unknown } };
  const written = raw.auth?.users_file;
  const found = typeof written === 'string' && !written.includes('${') ? resolve(dirname(path), written) : (await loadServerConfig(path)).auth.usersFile;
  if (found === undefined) throw new RtdashError('RTDASH_CONFIG_INVALID', `${path} does not set auth.users_file: add it (for example users_file: users.yaml), or pass --file FILE`);
  return found;
}

/** The password: asked twice without echo on a terminal, else the first line of standard input. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    throw new RtdashError('RTDASH_BAD_REQUEST', 'no password on standard input');
  }
  const first = await ask('Password: ');
  const second = await ask('Again: ');
  if (first !== second) throw new RtdashError('RTDASH_BAD_REQUEST', 'the two passwords differ');
  return first;
}

function ask(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    // Echo nothing of what is typed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.startsWith(prompt)) process.stderr.write(prompt);
    };
    rl.question(prompt, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
