/**
 * Hands memory the C allocator holds free back to the operating system after a burst of connections.
 *
 * Every TCP connection allocates native parts (libuv handle, HTTP parser state, write requests, read
 * buffers) with malloc. When thousands open and close in a burst, glibc's malloc keeps the freed pages: it
 * gives memory back on its own only from the top of its heap, and one chunk still in use up there pins the
 * rest. In a soak of 200,000 connections this left the process about 10 MiB above where it started after the
 * JavaScript heap had long shrunk back. glibc's `malloc_trim(0)` releases every whole free page wherever it
 * is (madvise), which brings the process back; servers that churn connections commonly call it now and then.
 *
 * Node has no binding for it, so it is called through koffi (an FFI library that ships prebuilt binaries, so
 * installing needs no compiler). Elsewhere (musl, macOS, Windows, koffi absent) there is nothing to call and
 * nothing to do: those allocators do not keep pages the way glibc does.
 */
import { createRequire } from 'node:module';

/** The part of koffi used here (it is an optional dependency, so its types may be absent). */
interface Koffi {
  load(path: string): { func(declaration: string): unknown };
}

/** Releases free allocator memory; true when some was given back. */
export type AllocatorTrim = () => boolean;

/** glibc's malloc_trim(0), or undefined where there is no glibc or no koffi. */
export function glibcTrim(): AllocatorTrim | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    const mallocTrim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (pad: number) => number;
    return () => mallocTrim(0) === 1;
  } catch {
    return undefined; // no koffi (an optional dependency), or a C library without malloc_trim (musl)
  }
}

/** When to trim. */
export interface MemoryReleaseOptions {
  trim: AllocatorTrim;
  /** How often to look at the connection count (ms). */
  everyMs: number;
  /** Connections accepted in one period that count as a burst. */
  burst: number;
  /**
   * Periods to go on trimming after the last burst: the native parts of a closed socket are freed only when
   * V8 collects its JavaScript object, which it may do a while after the burst is over.
   */
  periodsAfter: number;
  /** Told of each trim, for the metrics. */
  onTrim?: (released: boolean) => void;
}

/** Calls the allocator's trim in the periods after a burst of connections: not during one, nor while quiet. */
export class MemoryRelease {
  readonly #options: MemoryReleaseOptions;
  #accepted = 0;
  #periodsLeft = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: MemoryReleaseOptions) {
    this.#options = options;
  }

  /** Counts one accepted connection (any kind: a refused upgrade allocated as much as an accepted one). */
  connectionAccepted(): void {
    this.#accepted++;
  }

  /**
   * Ends one period; says whether it trimmed. A period with a burst does not trim (the memory would be taken again
   * at once, and the walk over the heap would delay the viewers); each of the `periodsAfter` quiet ones after it does.
   */
  endPeriod(): boolean {
    const busy = this.#accepted >= this.#options.burst;
    this.#accepted = 0;
    if (busy) this.#periodsLeft = this.#options.periodsAfter;
    if (busy || this.#periodsLeft === 0) return false;
    this.#periodsLeft--;
    this.#options.onTrim?.(this.#options.trim());
    return true;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.endPeriod(), this.#options.everyMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
