/** Argument parsing shared by the commands: node's parseArgs with `--help` and `--version` everywhere. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VERSION } from '../../core/server.js';

/** Parsed flags and positionals. */
export interface ParsedCommand {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Parses `args`; prints help or the version and returns undefined when asked for them. */
export function parseCommand(args: string[], options: NonNullable<ParseArgsConfig['options']>, usage: string): ParsedCommand | undefined {
  const parsed = parseArgs({
    args,
    options: { ...options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    allowPositionals: true,
    strict: true,
  }) as ParsedCommand;
  if (parsed.values.help) {
    console.log(usage);
    return undefined;
  }
  if (parsed.values.version) {
    console.log(VERSION);
    return undefined;
  }
  return parsed;
}
