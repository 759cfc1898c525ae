/**
 * Acknowledgements in Redis, for instances that share alert state there: the hash and channel
 * `<prefix>:acknowledgements` (see redis-entries.ts), so an alert acknowledged through any instance stops the
 * repeats of the one leading. The leader deletes one when its alert resolves.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../plugin.js';
import { acknowledgementProblem, cleanAcknowledgement, type Acknowledgement, type AcknowledgementBackend } from './acknowledgements.js';
import { RedisEntries } from './redis-entries.js';

/** An AcknowledgementBackend on a Redis hash; `watch` tells of changes made by any instance. */
export class RedisAcknowledgements extends RedisEntries<Acknowledgement> implements AcknowledgementBackend {
  /** `key` is the hash and the channel, such as `rtdash:acknowledgements`. */
  constructor(redis: Redis, key: string, logger: Logger) {
    super(redis, key, { noun: 'acknowledgement', problem: acknowledgementProblem, clean: cleanAcknowledgement }, logger);
  }
}
