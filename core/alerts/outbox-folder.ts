/**
 * The outbox in a folder (`<storage.dir>/outbox`), its medium when the alert state is not shared: a file per entry,
 * written so that it is either absent or complete and durable (temp file, fsync, rename, fsync of the folder), and
 * read back with a check of its shape.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from '../errors.js';
import type { NotificationGroup } from './notification.js';
import type { LoadedEntries, OutboxMedium } from './outbox-medium.js';
import { byCreation } from './outbox-order.js';

/**
 * The outbox's folder, created when needed. Only this process reads it; the outbox runs the changes of one entry one
 * after another, so a rewrite never follows the removal of its entry.
 */
export class OutboxFolder implements OutboxMedium {
  readonly shared = false;
  readonly #ownTemps = new Set<string>();
  #ready: Promise<unknown> | undefined;

  constructor(readonly dir: string) {}

  get where(): string {
    return this.dir;
  }

  /** Every complete entry, oldest first; temp files torn by a crash are removed, unreadable files renamed `*.corrupt`. */
  async load(): Promise<LoadedEntries> {
    await this.#ensureDir();
    const scan = await scanFolder(this.dir, this.#ownTemps, () => false);
    return { ...scan, entries: scan.entries.sort(byCreation) };
  }

  async put(entry: OutboxEntry): Promise<boolean> {
    await this.#ensureDir();
    await writeEntryFile(this.dir, entry.id, JSON.stringify(entry), this.#ownTemps);
    return true;
  }

  async remove(id: string): Promise<boolean> {
    try {
      await unlink(join(this.dir, `${id}.json`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return true;
  }

  #ensureDir(): Promise<unknown> {
    this.#ready ??= mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }
}

/** The id (and file name without `.json`) of the entry delivering `groupId` through `notifier`. */
export function outboxEntryId(notifier: string, groupId: string): string {
  return createHash('sha256').update(JSON.stringify([notifier, groupId])).digest('hex').slice(0, 32);
}

/** What one notification of an entry is about: its alert's series key within the rule, and the transition it tells. */
export interface NotificationAbout {
  series: string;
  /** Epoch ms: when the transition happened. */
  at: number;
  /** The state the alert moved to (`firing`, `nodata`, `error` or `resolved`; a repeat tells the state it repeats). */
  state: string;
}

/**
 * An outbox entry, the content of one outbox file (version 1), written to `.<entry id>.<pid>.<random>.tmp`, fsynced, renamed:
 *   { "version": 1, "id": "<entry id>", "notifier": "ops-webhook", "createdAt": "<ISO>", "seq": 7, "group": NotificationGroup,
 *     "alerts": { "<notification id>": { "series": "host=\"a\"", "at": <ms>, "state": "firing" } } }
 * (`seq` and `alerts` came later; an entry without them is ordered by `createdAt` and its alerts told apart by their labels).
 */
export interface OutboxEntry {
  version: 1;
  id: string;
  /** The name of the notifier under `notifiers:` that delivers it. */
  notifier: string;
  createdAt: string;
  /** Orders entries made in the same millisecond by one process. Absent in entries written before it was. */
  seq?: number;
  group: NotificationGroup;
  /** By notification id: what it is about, so a newer state of the same alert supersedes it. Absent in older entries. */
  alerts?: Record<string, NotificationAbout>;
}

/**
 * Writes `<id>.json` in `dir` atomically and durably. The temp file's name is in `ownTemps` while it
 * exists, so a concurrent scan of the folder does not take it for a crash's leftover.
 */
export async function writeEntryFile(dir: string, id: string, text: string, ownTemps: Set<string>): Promise<void> {
  const temp = `.${id}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  ownTemps.add(temp);
  try {
    const handle = await open(join(dir, temp), 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(join(dir, temp), join(dir, `${id}.json`));
  } catch (err) {
    await unlink(join(dir, temp)).catch(() => undefined);
    throw err;
  } finally {
    ownTemps.delete(temp);
  }
  // The rename is durable only once the folder itself is synced; some platforms cannot, which is no worse.
  const folder = await open(dir, 'r').catch(() => undefined);
  await folder?.sync().catch(() => undefined);
  await folder?.close();
}

/** Reads `name` from `dir`: its entry, why it is not one, or undefined when it is gone. */
export async function readEntryFile(dir: string, name: string, id: string): Promise<{ entry: OutboxEntry } | { reason: string } | undefined> {
  try {
    return parseEntry(await readFile(join(dir, name), 'utf8'), id);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { reason: messageOf(err) };
  }
}

/** The entry stored as `text` under `id`, or why it is not one. */
export function parseEntry(text: string, id: string): { entry: OutboxEntry } | { reason: string } {
  let entry: Partial<OutboxEntry> | null;
  try {
    entry = JSON.parse(text) as Partial<OutboxEntry> | null;
  } catch (err) {
    return { reason: messageOf(err) };
  }
  const group = entry?.group;
  if (entry?.version === 1 && entry.id === id && typeof entry.notifier === 'string' && typeof group?.id === 'string' && Array.isArray(group.notifications)) {
    // What the notifications are about only orders them: an entry that says it badly is sent as it is.
    if (entry.alerts !== undefined && !isAbout(entry.alerts)) delete entry.alerts;
    if (typeof entry.seq !== 'number') delete entry.seq;
    return { entry: entry as OutboxEntry };
  }
  return { reason: 'not an outbox entry of version 1' };
}

function isAbout(v: unknown): v is Record<string, NotificationAbout> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  return Object.values(v).every((a: unknown) => typeof a === 'object' && a !== null && typeof (a as NotificationAbout).series === 'string' && Number.isFinite((a as NotificationAbout).at) && typeof (a as NotificationAbout).state === 'string');
}

/** What a scan of the folder found: the entries, and what it removed or moved aside. */
export interface FolderScan {
  entries: OutboxEntry[];
  /** Temp files a crash left mid-write, removed. */
  torn: string[];
  /** Files that are not entries, renamed to `*.corrupt`, and why. */
  corrupt: { file: string; reason: string }[];
}

/**
 * Reads every entry in `dir` but those `skip` names; removes temp files torn by a crash (not those in
 * `ownTemps`, being written now) and renames a file that cannot be an entry to `*.corrupt`, out of the way but kept.
 */
export async function scanFolder(dir: string, ownTemps: ReadonlySet<string>, skip: (id: string) => boolean): Promise<FolderScan> {
  const scan: FolderScan = { entries: [], torn: [], corrupt: [] };
  for (const name of (await readdir(dir)).sort()) {
    if (name.endsWith('.tmp') && !ownTemps.has(name)) {
      // A temp file outlives only a crash mid-write; its enqueue never returned, so nobody counts on it.
      await unlink(join(dir, name)).catch(() => undefined);
      scan.torn.push(name);
      continue;
    }
    const id = name.endsWith('.json') ? name.slice(0, -'.json'.length) : undefined;
    if (id === undefined || skip(id)) continue;
    const result = await readEntryFile(dir, name, id);
    if (result === undefined) continue;
    if ('entry' in result) scan.entries.push(result.entry);
    else {
      await rename(join(dir, name), join(dir, `${name}.corrupt`)).catch(() => undefined);
      scan.corrupt.push({ file: name, reason: result.reason });
    }
  }
  return scan;
}
