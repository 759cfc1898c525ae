import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { MemoryRelease, glibcTrim } from './memory-release.js';

describe('MemoryRelease', () => {
  const counting = () => {
    const trims: boolean[] = [];
    const release = new MemoryRelease({ trim: () => trims.length % 2 === 0, everyMs: 1000, burst: 3, periodsAfter: 2, onTrim: (r) => trims.push(r) });
    const accept = (n: number) => Array.from({ length: n }, () => release.connectionAccepted());
    return { release, trims, accept };
  };

  it('never trims while connections come and go slower than a burst', () => {
    const { release, trims, accept } = counting();
    for (let i = 0; i < 5; i++) {
      accept(2);
      expect(release.endPeriod()).to.equal(false);
    }
    expect(trims).to.deep.equal([]);
  });

  it('trims in the quiet periods after a burst, not during it, then stops; a new burst starts again', () => {
    const { release, trims, accept } = counting();
    accept(3);
    expect(release.endPeriod(), 'the period of the burst').to.equal(false);
    expect([release.endPeriod(), release.endPeriod(), release.endPeriod()]).to.deep.equal([true, true, false]);
    expect(trims).to.deep.equal([true, false]); // what the allocator answered is passed on
    accept(10);
    expect(release.endPeriod()).to.equal(false);
    expect(release.endPeriod()).to.equal(true);
    accept(10); // a burst inside the trailing periods starts them over
    expect(release.endPeriod()).to.equal(false);
    expect([release.endPeriod(), release.endPeriod(), release.endPeriod()]).to.deep.equal([true, true, false]);
  });
});

describe('glibcTrim', function () {
  this.timeout(30_000);

  before(function () {
    if (process.platform === 'linux') return;
    console.log(`      (skipped: malloc_trim is glibc's; this is ${process.platform})`);
    this.skip();
  });

  it('gives back to the system the pages of memory freed below memory still in use', () => {
    expect(glibcTrim(), 'koffi (an optional dependency) loads and finds malloc_trim in libc.so.6').to.be.a('function');
    // In a process of its own: small native buffers fill the malloc heap, one in 64 stays (pinning the heap's
    // top, so free() alone gives nothing back), the rest are collected; then the heap's resident size is read
    // before and after a trim.
    const child = `
      import { readFileSync } from 'node:fs';
      import { glibcTrim } from ${JSON.stringify(new URL('./memory-release.js', import.meta.url).href)};
      const heapKiB = () => {
        const maps = readFileSync('/proc/self/smaps', 'utf8').split(/\\n(?=[0-9a-f]+-)/);
        const heap = maps.find((m) => m.split('\\n')[0].endsWith('[heap]')) ?? '';
        return Number(/\\nRss:\\s+(\\d+)/.exec(heap)?.[1] ?? 0);
      };
      let buffers = Array.from({ length: 40_000 }, () => new ArrayBuffer(1024));
      const kept = buffers.filter((_, i) => i % 64 === 63);
      buffers = [];
      for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 100)); }
      const before = heapKiB();
      const released = glibcTrim()();
      console.log(JSON.stringify({ before, after: heapKiB(), released, kept: kept.length }));
    `;
    const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', child], { encoding: 'utf8' });
    const { before, after, released } = JSON.parse(out) as { before: number; after: number; released: boolean };
    expect(released, out).to.equal(true);
    // About 39 MiB were freed; at least 20 MiB of it must have left the process.
    expect(before - after, out).to.be.greaterThan(20 * 1024);
  });
});
