/**
 * JSON-lines logs through pino; on a terminal they are pretty-printed so a person can read them
 * (set LOG_FORMAT=json to keep JSON there too). Secrets are redacted by key name.
 */
import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from './plugin.js';

/** Keys whose values never reach a log line. */
const REDACT = ['password', '*.password', 'token', '*.token', 'secret', '*.secret', 'authorization', '*.authorization', 'headers.authorization'];

/** Creates the server's root logger. */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stdout): Logger {
  const options = { level, base: { name: 'rtdash' }, redact: { paths: REDACT, censor: '[redacted]' } };
  const tty = (destination as { isTTY?: boolean }).isTTY === true && process.env.LOG_FORMAT !== 'json';
  const stream = tty ? pretty({ colorize: true, singleLine: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,name', destination }) : destination;
  return pino(options, stream) as unknown as Logger;
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' }) as unknown as Logger;
}
