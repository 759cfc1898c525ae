/**
 * The files of recorded series (core/record-store.ts keeps the series): one append log per series under
 * `<storage.dir>/records/`, a header line then one JSON line per point. A log is appended to and rewritten
 * (temp file + rename) when it has grown to twice what it holds; a torn last line (a crash mid-write) is
 * dropped at load, and a file that cannot be read is moved aside and logged while the server starts without it.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { messageOf } from './errors.js';
import type { FieldValue } from './frame.js';
import type { Logger } from './plugin.js';
import type { Header, Series } from './record-series.js';

/** The version of the series file format, in each header. */
export const FORMAT = 1;

/** The series files in one folder. */
export class RecordFiles {
  readonly dir: string;
  readonly #logger: Logger;
  /** Whether the folder is known to exist; a failed write makes it checked again. */
  folderMade = false;

  constructor(dir: string, logger: Logger) {
    this.dir = dir;
    this.#logger = logger;
  }

  /** Appends the pending rows of a series to its file, or writes the file whole (temp file + rename) when it must. */
  write(series: Series): void {
    if (series.fields === undefined) return;
    if (!series.rewrite && series.pending.length === 0) return;
    this.#ensureFolder();
    if (series.rewrite || series.linesOnDisk + series.pending.length > 2 * series.count + 1000) {
      const header: Header = { format: FORMAT, key: series.key, label: series.label, fields: series.fields };
      const lines = [JSON.stringify(header)];
      for (let r = series.start; r < series.times.length; r++) lines.push(JSON.stringify(series.row(r)));
      const temp = `${series.file}.tmp`;
      writeFileSync(temp, lines.join('\n') + '\n');
      renameSync(temp, series.file);
      series.linesOnDisk = series.count;
      series.rewrite = false;
    } else {
      appendFileSync(series.file, series.pending.map((row) => JSON.stringify(row)).join('\n') + '\n');
      series.linesOnDisk += series.pending.length;
    }
    series.pending = [];
  }

  #ensureFolder(): void {
    if (this.folderMade) return;
    mkdirSync(this.dir, { recursive: true });
    this.folderMade = true;
  }

  /** Reads a series file; one that cannot be read is moved aside so the server starts without it. */
  load(series: Series): void {
    let text: string;
    try {
      text = readFileSync(series.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#logger.warn({ file: series.file, err: messageOf(err) }, `cannot read the recorded points of ${series.label}; starting without them`);
      return;
    }
    const lines = text.split('\n');
    const torn = lines.pop() !== ''; // a file written whole ends with a newline
    try {
      const header = JSON.parse(lines[0] ?? '') as Header;
      if (header.format !== FORMAT || header.key !== series.key || !Array.isArray(header.fields)) throw new Error('its first line is not a series header of this widget');
      series.clear(header.fields.map((f) => ({ name: String(f.name), type: f.type })));
      series.rewrite = torn;
      for (let i = 1; i < lines.length; i++) {
        const row = JSON.parse(lines[i]!) as FieldValue[];
        const time = Array.isArray(row) ? row[series.timeIndex] : undefined;
        if (!Array.isArray(row) || row.length !== header.fields.length || typeof time !== 'number') throw new Error(`line ${i + 1} is not a row of ${header.fields.length} values`);
        if (series.count > 0 && time <= series.times[series.times.length - 1]!) continue;
        series.push(row);
      }
      series.linesOnDisk = lines.length - 1;
      if (torn) this.#logger.warn({ file: series.file }, `the last line of ${series.file} was cut short (a crash while writing?); it is dropped`);
      this.#logger.info({ file: series.file, rows: series.count }, `loaded the recorded points of ${series.label}`);
    } catch (err) {
      const aside = `${series.file}.corrupt-${Date.now()}`;
      series.fields = undefined;
      series.columns = [];
      series.sizes = [];
      series.bytes = 0;
      series.start = 0;
      try {
        renameSync(series.file, aside);
      } catch {
        // If it cannot be moved it is overwritten at the next flush; the server starts either way.
      }
      this.#logger.error({ file: series.file, movedTo: aside, err: messageOf(err) }, `the recorded points of ${series.label} in ${series.file} are unreadable (${messageOf(err)}); moved to ${aside}, starting without them`);
    }
  }
}
