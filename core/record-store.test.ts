import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from './frame.js';
import type { Logger } from './plugin.js';
import { RecordStore } from './record-store.js';

/** A logger that keeps its warnings. */
function keptLogger(): { logger: Logger; warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  const none = () => undefined;
  const logger = {
    trace: none,
    debug: none,
    info: none,
    warn: (_fields: unknown, message: string) => warnings.push(message),
    error: (_fields: unknown, message: string) => errors.push(message),
    fatal: none,
    child: () => logger,
  } as unknown as Logger;
  return { logger, warnings, errors };
}

const rows = (from: number, n: number, step: number): Frame => ({
  fields: [
    { name: 'time', type: 'time', values: Array.from({ length: n }, (_, i) => from + i * step) },
    { name: 'v', type: 'number', values: Array.from({ length: n }, (_, i) => i) },
  ],
});

describe('RecordStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-records-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('buckets a range to at most (to - from) / bucket rows, each the mean of its points, at the bucket start', () => {
    const store = new RecordStore({ dir, logger: keptLogger().logger });
    store.open('s', 'widget x', 86_400_000, 1000);
    const now = 1_800_000_000_000;
    store.append('s', rows(now - 100_000, 1000, 100), now); // 100 s of 100 ms points
    const frame = store.read('s', now - 60_000, now, 10)!;
    const times = frame.fields[0]!.values as number[];
    expect(times).to.have.length(6);
    expect(times.every((t) => t % 10_000 === 0)).to.equal(true);
    // A whole bucket holds 100 consecutive counters (mean ends in .5); the first is cut by `from` (99 of them).
    expect(frame.fields[1]!.values).to.deep.equal([450, 549.5, 649.5, 749.5, 849.5, 949.5]);
    expect(store.read('s', now - 5000, now)!.fields[0]!.values).to.have.length(49); // (now-5 s, now]: the last point is at now-100 ms
  });

  it('keeps a series under its share of the byte cap, newest points first, and says so once', () => {
    const { logger, warnings } = keptLogger();
    const store = new RecordStore({ dir, logger, maxBytes: 24 * 1000 });
    store.open('s', 'widget x', 86_400_000, 1000);
    const now = 1_800_000_000_000;
    for (let i = 0; i < 5; i++) store.append('s', rows(now - 10_000 + i * 2000, 2000, 1), now);
    const size = store.size('s');
    expect(size.bytes).to.be.at.most(24 * 1000);
    expect(size.rows).to.equal(1000); // 24 bytes a row: the time, the value and its size
    expect(size.oldest).to.equal(now - 10_000 + 4 * 2000 + 1000);
    expect(warnings.filter((w) => w.includes('storage.record_max_mb'))).to.have.length(1);
    expect(warnings[0]).to.include('widget x: recording 1440 min needs more than its share');
  });

  it('drops points older than the series records', () => {
    const store = new RecordStore({ dir, logger: keptLogger().logger });
    store.open('s', 'widget x', 60_000, 1000);
    const now = 1_800_000_000_000;
    store.append('s', rows(now - 120_000, 120, 1000), now);
    expect(store.size('s').oldest).to.equal(now - 60_000);
  });

  it('keeps the points in memory when the folder cannot be written, says so once, and writes them whole later', () => {
    const { logger, errors } = keptLogger();
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, 'a file where the data folder should be');
    const store = new RecordStore({ dir: blocked, logger });
    store.open('s', 'widget x', 86_400_000, 1000);
    const now = 1_800_000_000_000;
    store.append('s', rows(now - 10_000, 5, 1000), now);
    store.flush();
    store.append('s', rows(now - 5000, 5, 1000), now);
    store.flush();
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include('cannot write the recorded points of widget x');
    expect(store.size('s').rows).to.equal(10);
    rmSync(blocked);
    store.flush();
    const file = join(blocked, 'records', 's.jsonl');
    expect(existsSync(file)).to.equal(true);
    expect(readFileSync(file, 'utf8').trim().split('\n')).to.have.length(11); // the header and 10 points
  });
});
