/**
 * A data source whose behaviour each query chooses, for driving the server through its failure
 * paths: counts its calls so tests can assert one query per tick.
 */
import { EventEmitter } from 'node:events';
import { definePlugin, type Frame } from '../../core/plugin.js';

/** What a test query asks the source to do. */
export interface TestQuery {
  /** counter: one time/value row per call; big: `rows` rows of padding; the others fail in their own way. */
  behave: 'counter' | 'throw' | 'reject' | 'hang' | 'malformed' | 'big' | 'slow' | 'flaky' | 'level' | 'hosts';
  /** For `flaky`: how many calls fail before it recovers. */
  failures?: number;
  /** For `slow`: how long each call takes. */
  delayMs?: number;
  /** For `big`: rows per frame. */
  rows?: number;
  /** For `big`: every row's padding changes on every call, so no update can be sent as a few rows. */
  fresh?: boolean;
  /** Any string; lets one dashboard have several distinct jobs. */
  tag?: string;
}

/** Pushed changes: emit a channel name to notify every widget that listens to it. */
export const channels = new EventEmitter();

/** Calls per tag (or behaviour), shared by every instance in the process. */
export const calls = new Map<string, number>();
/** The time range each call was asked for, by tag (or behaviour), in order. */
export const askedRanges = new Map<string, { from: number; to: number }[]>();

/** Health checks asked of test sources, all instances together. */
export const healthChecks = { count: 0 };

/** The value a `level` query returns for its tag (0 when unset): a test moves it across a threshold. */
export const levels = new Map<string, number | null>();

/** Tags whose queries fail while they are in here: a test turns a working source off and on again. */
export const failing = new Set<string>();

/** The test plugin definition. */
export const testPlugin = definePlugin<Record<string, unknown>, TestQuery>({
  type: 'test',
  description: 'A data source for tests whose queries choose how it behaves',
  optionsSchema: { type: 'object', additionalProperties: false, properties: { note: { type: 'string' } } },
  querySchema: {
    type: 'object',
    required: ['behave'],
    additionalProperties: false,
    properties: {
      behave: { enum: ['counter', 'throw', 'reject', 'hang', 'malformed', 'big', 'slow', 'flaky', 'level', 'hosts'] },
      failures: { type: 'integer', minimum: 0 },
      delayMs: { type: 'integer', minimum: 0 },
      rows: { type: 'integer', minimum: 1 },
      fresh: { type: 'boolean' },
      tag: { type: 'string' },
    },
  },
  listenSchema: { type: 'string', description: 'A channel name; tests emit it on `channels`' },
  create() {
    let n = 0;
    return {
      subscribe(listen, onChange) {
        const channel = listen as string;
        channels.on(channel, onChange);
        return () => channels.off(channel, onChange);
      },
      query(query, ctx): Promise<Frame> {
        const key = query.tag ?? query.behave;
        calls.set(key, (calls.get(key) ?? 0) + 1);
        askedRanges.set(key, [...(askedRanges.get(key) ?? []), { from: ctx.range.from, to: ctx.range.to }]);
        n++;
        const now = ctx.range.to;
        if (query.tag !== undefined && failing.has(query.tag)) return Promise.reject(new Error(`the test source "${query.tag}" is down for now`));
        switch (query.behave) {
          case 'flaky':
            if ((calls.get(key) ?? 0) <= (query.failures ?? 3)) return Promise.reject(new Error('the test source is down for now'));
            return Promise.resolve(counterFrame(now, n));
          case 'throw':
            throw new Error('the test source throws synchronously');
          case 'reject':
            return Promise.reject(new Error('the test source rejects'));
          case 'level': {
            const level = levels.has(query.tag ?? '') ? (levels.get(query.tag ?? '') as number | null) : 0;
            return Promise.resolve({ fields: [{ name: 'time', type: 'time', values: level === null ? [] : [now] }, { name: 'value', type: 'number', values: level === null ? [] : [level] }] });
          }
          case 'hosts': {
            // One row per host, its value from levels under `TAG:HOST` (0 when unset): a rule split `by: [host]`.
            const hosts = ['a', 'b', 'c'];
            const value = (h: string) => (levels.get(`${query.tag ?? ''}:${h}`) as number | undefined) ?? 0;
            return Promise.resolve({ fields: [{ name: 'time', type: 'time', values: hosts.map(() => now) }, { name: 'host', type: 'string', values: hosts }, { name: 'value', type: 'number', values: hosts.map(value) }] });
          }
          case 'hang':
            return new Promise(() => undefined);
          case 'malformed':
            return Promise.resolve({ fields: [{ name: 'a', type: 'number', values: [1, 2] }, { name: 'b', type: 'number', values: [1] }] } as Frame);
          case 'big': {
            const rows = query.rows ?? 100;
            const t = Array.from({ length: rows }, (_, i) => now - rows + i + 1);
            const pad = query.fresh === true ? String(n).padEnd(200, 'x') : 'x'.repeat(200);
            return Promise.resolve({ fields: [{ name: 'time', type: 'time', values: t }, { name: 'pad', type: 'string', values: t.map(() => pad) }] });
          }
          case 'slow':
            return new Promise((resolve, reject) => {
              const timer = setTimeout(() => resolve(counterFrame(now, n)), query.delayMs ?? 1000);
              ctx.signal.addEventListener('abort', () => {
                clearTimeout(timer);
                reject(ctx.signal.reason);
              });
            });
          default:
            return Promise.resolve(counterFrame(now, n));
        }
      },
      async health() {
        healthChecks.count++;
        return { status: 'ok' };
      },
    };
  },
});

function counterFrame(t: number, n: number): Frame {
  return { fields: [{ name: 'time', type: 'time', values: [t] }, { name: 'value', type: 'number', values: [n] }] };
}
