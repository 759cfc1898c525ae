/**
 * Local users, for a setup without an identity provider: a YAML file of names, argon2id password hashes and
 * groups, written by `rtdash user add`. The file is read again when it changes, so adding or removing a user, or
 * changing their groups, needs no restart (and a removed user's sessions end at the next check).
 */
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile, rename } from 'node:fs/promises';
import { hash, verify } from '@node-rs/argon2';
import { parse, stringify } from 'yaml';
import { RtdashError } from '../errors.js';

/** One user as the file keeps them. */
export interface LocalUser {
  readonly password: string;
  readonly groups: readonly string[];
}

/** A user name: what `rtdash user add` accepts. */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** A hash to verify against when the user does not exist, so a wrong name takes as long as a wrong password. */
let decoy: Promise<string> | undefined;

/** The users file of one server. */
export class LocalUsers {
  readonly file: string;
  #users = new Map<string, LocalUser>();
  #mtimeMs = -1;
  /** The read under way: the check of every open session at once makes one, not one each. */
  #reading: Promise<ReadonlyMap<string, LocalUser>> | undefined;

  constructor(file: string) {
    this.file = file;
  }

  /** The users as the file has them now (read again only when it changed). Throws with the file's problem. */
  users(): Promise<ReadonlyMap<string, LocalUser>> {
    this.#reading ??= this.#read().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  async #read(): Promise<ReadonlyMap<string, LocalUser>> {
    const info = await stat(this.file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (info === undefined) {
      this.#users = new Map();
      this.#mtimeMs = -1;
      return this.#users;
    }
    if (info.mtimeMs !== this.#mtimeMs) {
      this.#users = parseUsers(await readFile(this.file, 'utf8'), this.file);
      this.#mtimeMs = info.mtimeMs;
    }
    return this.#users;
  }

  /** The user if the password is theirs; undefined otherwise (a wrong name and a wrong password take as long). */
  async check(name: string, password: string): Promise<{ name: string; groups: readonly string[] } | undefined> {
    const user = (await this.users()).get(name);
    if (user === undefined) {
      decoy ??= hash('not a password of anyone');
      await verify(await decoy, password).catch(() => false);
      return undefined;
    }
    return (await verify(user.password, password).catch(() => false)) ? { name, groups: user.groups } : undefined;
  }
}

/** Reads a users file's text. */
export function parseUsers(text: string, file: string): Map<string, LocalUser> {
  const doc = (parse(text) ?? {}) as { users?: unknown };
  const users = new Map<string, LocalUser>();
  const entries = doc.users ?? {};
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) throw new RtdashError('RTDASH_CONFIG_INVALID', `${file}: "users" must be a mapping of names to { password, groups }`);
  for (const [name, raw] of Object.entries(entries)) {
    const user = raw as { password?: unknown; groups?: unknown };
    if (!USER_NAME.test(name) || typeof user?.password !== 'string' || !user.password.startsWith('$argon2')) {
      throw new RtdashError('RTDASH_CONFIG_INVALID', `${file}: user "${name}" needs a name of letters, digits and ._@- and an argon2 "password" hash (write it with rtdash user add)`);
    }
    const groups = Array.isArray(user.groups) ? user.groups.filter((g): g is string => typeof g === 'string') : [];
    users.set(name, { password: user.password, groups });
  }
  return users;
}

/**
 * Adds a user to the file (or replaces their password and groups), writing it atomically; makes the file if needed.
 * @example await addUser('users.yaml', 'alice', 'a long passphrase', ['ops'])
 */
export async function addUser(file: string, name: string, password: string, groups: readonly string[]): Promise<'added' | 'updated'> {
  if (!USER_NAME.test(name)) throw new RtdashError('RTDASH_BAD_REQUEST', `"${name}" is not a user name: use letters, digits and . _ @ - (at most 64)`);
  if (password.length < 8) throw new RtdashError('RTDASH_BAD_REQUEST', 'the password is shorter than 8 characters');
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '' : Promise.reject(err)));
  const users = parseUsers(text, file);
  const existed = users.has(name);
  users.set(name, { password: await hash(password), groups: [...groups] });
  await writeUsers(file, users);
  return existed ? 'updated' : 'added';
}

/** Removes a user from the file; false when there was none by that name. */
export async function removeUser(file: string, name: string): Promise<boolean> {
  const users = parseUsers(await readFile(file, 'utf8'), file);
  if (!users.delete(name)) return false;
  await writeUsers(file, users);
  return true;
}

/** What to tell an operator whose users file is not written yet (undefined: there is one, or none is set). */
export function missingUsersFile(file: string | undefined): string | undefined {
  return file !== undefined && !existsSync(file) ? `auth.users_file ${file} does not exist: nobody can sign in until \`rtdash user add NAME\` writes it` : undefined;
}

/** Writes the users file whole, atomically (a temporary file renamed over it), readable by its owner only. */
async function writeUsers(file: string, users: ReadonlyMap<string, LocalUser>): Promise<void> {
  const body = stringify({ users: Object.fromEntries([...users].map(([n, u]) => [n, { password: u.password, groups: [...u.groups] }])) });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `# rtdash local users: written by \`rtdash user add\` (argon2id hashes). Keep this file private.\n${body}`, { mode: 0o600 });
  await rename(temp, file);
}
