/** Argument parsing shared by the commands: node's parseArgs with `--help` and `--version` everywhere. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VERSION } from '../../core/server.js';
import { didYouMean } from '../../core/config/suggest.js';

/** The exit code of a command used wrongly (an unknown option or subcommand, a missing argument): 1 is for bad input. */
export const USAGE_EXIT = 2;

/** A command used wrongly: the message ends with its usage; `rtdash` exits with USAGE_EXIT. */
export class UsageError extends Error {}

/** Parsed flags and positionals. */
export interface ParsedCommand {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses `args`; prints help or the version and returns undefined when asked for them. */
export function parseCommand(args: string[], options: NonNullable<ParseArgsConfig['options']>, usage: string): ParsedCommand | undefined {
  const all = { ...options, help: { type: 'boolean' as const, short: 'h' }, version: { type: 'boolean' as const, short: 'v' } };
  let parsed: ParsedCommand;
  try {
    parsed = parseArgs({ args, options: all, allowPositionals: true, strict: true }) as ParsedCommand;
  } catch (err) {
    const option = /'(-[^']*)'/.exec((err as Error).message)?.[1];
    const known = Object.keys(all).map((o) => `--${o}`);
    const hint = option?.startsWith('--') ? didYouMean(option.split('=')[0]!, known) : '';
    throw new UsageError(`${option ? `unknown or incomplete option "${option}"${hint}` : (err as Error).message}\n\n${usage}`, { cause: err });
  }
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
