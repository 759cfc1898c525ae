/**
 * The files of the outbox folder: an entry is written so that it is either absent or complete and
 * durable (temp file, fsync, rename, fsync of the folder), and read back with a check of its shape.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from '../errors.js';
import type { NotificationGroup } from './notification.js';

/** The content of one outbox file. */
export interface OutboxEntry {
  version: 1;
  id: string;
  /** The name of the notifier under `notifiers:` that delivers it. */
  notifier: string;
  createdAt: string;
  group: NotificationGroup;
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
    const entry = JSON.parse(await readFile(join(dir, name), 'utf8')) as Partial<OutboxEntry> | null;
    const group = entry?.group;
    if (entry?.version === 1 && entry.id === id && typeof entry.notifier === 'string' && typeof group?.id === 'string' && Array.isArray(group.notifications)) {
      return { entry: entry as OutboxEntry };
    }
    return { reason: 'not an outbox entry of version 1' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { reason: messageOf(err) };
  }
}
