/** Waiting for a `rtdash serve` child process to listen. */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/** Resolves with the URL the child prints once it listens (`rtdash serving on URL`); rejects if it exits first. */
export function servingUrl(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /rtdash serving on (http:\/\/[^\s,]+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}
