/**
 * Watching a folder of YAML files (dashboards/, alerts/) for saves: events are gathered for a moment and
 * answered with one reload. A folder that does not exist yet is waited for in its parent.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../plugin.js';

/** How long file events are gathered before one reload (editors write in several steps). */
export const WATCH_DEBOUNCE_MS = 50;

const YAML_FILE = /\.ya?ml$/i;
/**
 * A Kubernetes ConfigMap volume updates by writing a new `..2026_…` folder and renaming a `..data_tmp` link over
 * `..data`, which each file links through: the only events are on those names, none on the YAML files themselves.
 */
const CONFIGMAP_SWAP = /^\.\.data(_tmp)?$/;

/**
 * Calls `onChange` about 50 ms after the last change to a *.yaml / *.yml file of `dir`; returns a function that stops.
 * @example const stop = watchFolder('alerts', () => void reload(), logger, 'alerts')
 */
export function watchFolder(dir: string, onChange: () => void, logger: Logger, what: string): () => void {
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let stopped = false;
  const changed = () => {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      if (!stopped) onChange();
    }, WATCH_DEBOUNCE_MS);
  };
  const onError = (err: Error) => logger.error({ err: err.message, dir }, `cannot watch the ${what} folder`);
  const start = (): void => {
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || YAML_FILE.test(name.toString()) || CONFIGMAP_SWAP.test(name.toString())) changed();
      });
      watcher.on('error', onError);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return onError(err as Error);
      // Not there yet: watch its parent until it appears, then the folder itself (and load what it holds).
      try {
        watcher = watch(dirname(dir), { persistent: false }, (_event, name) => {
          if (name?.toString() !== basename(dir) || stopped) return;
          watcher?.close();
          start();
          changed();
        });
        watcher.on('error', onError);
      } catch (parentErr) {
        onError(parentErr as Error);
      }
    }
  };
  start();
  return () => {
    stopped = true;
    watcher?.close();
    if (debounce) clearTimeout(debounce);
  };
}
