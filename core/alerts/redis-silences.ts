/**
 * Silences in Redis, for instances that share alert state there: the hash and channel `<prefix>:silences` (see
 * redis-entries.ts). A silence that has ended is deleted when they are next read.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../plugin.js';
import { RedisEntries } from './redis-entries.js';
import { cleanSilence, silenceProblem, type Silence, type SilenceBackend } from './silences.js';

/** A SilenceBackend on a Redis hash; `watch` tells of changes made by any instance. */
export class RedisSilences extends RedisEntries<Silence> implements SilenceBackend {
  /** `key` is the hash and the channel, such as `rtdash:silences`. */
  constructor(redis: Redis, key: string, logger: Logger) {
    super(redis, key, { noun: 'silence', problem: silenceProblem, clean: cleanSilence, ended: (s, now) => s.endsAt <= now }, logger);
  }
}
