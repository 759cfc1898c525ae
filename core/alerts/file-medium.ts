/**
 * Alert state in a file (`storage.type: file`): the alert document (see alert-document.ts) in
 * `<dir>/alerts.json`, `dir` being the data folder. Written atomically (temp file, fsync, rename; see
 * outbox-folder.ts); a file that does not parse is moved aside to `alerts.json.<ms>.corrupt`.
 */
import { mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../plugin.js';
import { DocumentAlertStore, type FileAlertStoreOptions, type StateMedium } from './alert-store.js';
import { writeEntryFile } from './outbox-folder.js';

const FILE = 'alerts';

/** A file in the data folder, written atomically (temp file, fsync, rename). */
export class FileMedium implements StateMedium {
  readonly #ownTemps = new Set<string>();
  constructor(readonly dir: string) {}

  get where(): string {
    return join(this.dir, `${FILE}.json`);
  }

  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // A crash between creating a temp file and renaming it leaves `.alerts.<pid>.<random>.tmp` behind.
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (name.startsWith(`.${FILE}.`) && name.endsWith('.tmp') && !this.#ownTemps.has(name)) await unlink(join(this.dir, name)).catch(() => undefined);
    }
  }

  async read(): Promise<string | undefined> {
    try {
      return await readFile(this.where, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async write(text: string): Promise<boolean> {
    await writeEntryFile(this.dir, FILE, text, this.#ownTemps);
    return true;
  }

  async moveAside(at: number): Promise<string> {
    const aside = `${this.where}.${at}.corrupt`;
    await rename(this.where, aside);
    return aside;
  }
}

/** The store in `<dir>/alerts.json`, `dir` being the data folder (created when needed). */
export class FileAlertStore extends DocumentAlertStore {
  constructor(dir: string, logger: Logger, options: FileAlertStoreOptions = {}) {
    super(new FileMedium(dir), logger, options);
  }
}
