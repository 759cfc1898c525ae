/**
 * The browser part of `npm run bench`: the same dashboard of 20 widgets at 1 Hz, shown by the rtdash elements and by
 * a naive page, each in headless Chromium (Debian's, driven by playwright-core as the tests drive it) for
 * BENCH_BROWSER_SECONDS; prints main-thread busy share, long tasks and the JS heap of both pages, their ratio, the
 * goals, the web bundle's sizes and where each page's time goes. Skipped with one line when Chromium is missing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { packageRoot } from '../core/paths.js';
import { CHROMIUM_ARGS, launchChromium } from '../test/support/browser.js';
import { SERVICES } from '../test/support/services.js';
import { MID_HEAP_MS, SETTLE_MS, measurePage, type PageAssets, type PageMeasurement } from './browser-measure.js';
import { startPageServer, type NaiveBundle, type PageServer } from './browser-pages.js';
import {
  breakdownTable,
  browserGoalLines,
  browserNoteLines,
  browserProfileLines,
  browserTable,
  bundleLines,
  perUpdateLine,
  type BundleFile,
} from './browser-report.js';
import { VIEWPORT, mixLine } from './browser-scenario.js';
import type { Settings } from './settings.js';
import { SourceMap } from './source-map.js';

/** Where `npm run build` puts the web bundle. */
const WEB_DIR = join(packageRoot, 'dist', 'web');
/** The naive page's source. */
const NAIVE_ENTRY = join(packageRoot, 'bench', 'browser-naive', 'naive-page.mts');

/** The browser and the page server while the suite runs, for `interruptBrowserSuite`. */
let open: { browser?: Browser; pages: PageServer } | undefined;

/**
 * On Ctrl-C or SIGTERM: closes the browser and the page server if the suite is running (bounded; never throws).
 * The rtdash server processes are bench children, ended by killAll.
 */
export async function interruptBrowserSuite(): Promise<void> {
  const running = open;
  open = undefined;
  if (running === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const closing = Promise.all([running.browser?.close().catch(() => undefined), running.pages.close().catch(() => undefined)]);
  await Promise.race([closing, new Promise<void>((resolve) => (timer = setTimeout(resolve, 3000)))]);
  clearTimeout(timer);
}

/** Runs the suite; returns the number of pages that failed. */
export async function runBrowserSuite(settings: Settings, log: (line: string) => void): Promise<number> {
  const { browser: b } = settings;
  if (!existsSync(SERVICES.chromium.path)) {
    console.log(`browser: skipped, Chromium is not installed at ${SERVICES.chromium.path} (apt-get install -y chromium)`);
    return 0;
  }
  if (!existsSync(join(WEB_DIR, 'rt-dashboard.js'))) {
    console.log(`browser: FAILED: ${join(WEB_DIR, 'rt-dashboard.js')} is missing: run \`npm run build\``);
    return 1;
  }
  const naive = await bundleNaivePage();
  const pages = await startPageServer(naive);
  open = { pages };
  const assets: PageAssets = { pageOrigin: pages.origin, sourceMaps: (server) => sourceMaps(server, pages, naive) };
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    open = undefined;
    await pages.close();
    throw err;
  }
  open = { browser, pages };
  const results: PageMeasurement[] = [];
  let failures = 0;
  try {
    console.log(
      `browser scenario: ${mixLine()}; each page alone for ${b.seconds} s after data in every widget and ${SETTLE_MS / 1000} s settling; ` +
        `heap after forced GC at start, ${MID_HEAP_MS / 1000} s and end; Chromium ${browser.version()} (${SERVICES.chromium.path} ${CHROMIUM_ARGS.join(' ')}), ` +
        `viewport ${VIEWPORT.width}x${VIEWPORT.height}; a fresh server process per page; the pages are served from ${pages.origin}`,
    );
    for (const page of b.pages) {
      log(`bench: browser, ${page} page`);
      try {
        results.push(await measurePage(browser, page, b, assets, log));
      } catch (err) {
        failures++;
        // Playwright's messages can carry the browser's whole log: the first line says what failed.
        console.log(`FAILED: browser, ${page} page: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
      }
    }
  } finally {
    open = undefined;
    await browser.close();
    await pages.close();
  }

  const loaded = new Set(results.flatMap((m) => (m.page === 'rtdash' ? m.env.chunks : [])));
  const measuredRtdash = results.some((m) => m.page === 'rtdash');
  console.log('');
  if (results.length > 0) {
    console.log(['main thread, long tasks and JS heap, each page in its window:', browserTable(results)].join('\n'));
    const perUpdate = perUpdateLine(results);
    if (perUpdate !== undefined) console.log(perUpdate);
    console.log('');
    console.log(['the same window: main-thread time by kind (% of wall time), what the page received, DOM size:', breakdownTable(results)].join('\n'));
    console.log('');
  }
  console.log(['web bundle (dist/web):', ...bundleLines([...webBundle(measuredRtdash ? loaded : undefined), naiveFile(naive)])].join('\n'));
  if (results.length > 0) {
    console.log(['goals:', ...browserGoalLines(results)].join('\n'));
    console.log(['notes:', ...browserNoteLines(results)].join('\n'));
    const profiles = browserProfileLines(results, b.profileSeconds);
    if (profiles.length > 0) console.log(profiles.join('\n'));
  }
  return failures;
}

/** Bundles the naive page with ApexCharts, minified with a source map, in memory. */
async function bundleNaivePage(): Promise<NaiveBundle> {
  const result = await build({
    entryPoints: { naive: NAIVE_ENTRY },
    // Not written: only so that the map's paths are relative to dist/, as those of the real bundle are.
    outdir: join(packageRoot, 'dist', 'bench-naive'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    write: false,
    logLevel: 'warning',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'));
  if (js === undefined || map === undefined) throw new Error('esbuild made no naive page bundle');
  return { js: js.text, map: map.text };
}

/** The source maps of the scripts a page may load from `server`: the web bundle's files and the naive page. */
function sourceMaps(server: string, pages: PageServer, naive: NaiveBundle): (url: string) => SourceMap | undefined {
  const cache = new Map<string, SourceMap | undefined>();
  return (url) => {
    if (cache.has(url)) return cache.get(url);
    let map: SourceMap | undefined;
    const rel = url.startsWith(`${server}/`) ? url.slice(server.length + 1).replace(/\?.*$/, '') : undefined;
    try {
      if (url.startsWith(`${pages.origin}/naive.js`)) map = new SourceMap(naive.map);
      else if (rel === 'rt-dashboard.js' || (rel?.startsWith('chunks/') && rel.endsWith('.js'))) map = new SourceMap(readFileSync(join(WEB_DIR, `${rel}.map`), 'utf8'));
    } catch {
      map = undefined;
    }
    cache.set(url, map);
    return map;
  };
}

/** The entry and the chunks in dist/web, with whether the rtdash page loaded each chunk (when it was measured). */
function webBundle(loaded: Set<string> | undefined): BundleFile[] {
  const file = (rel: string, note?: string): BundleFile => {
    const body = readFileSync(join(WEB_DIR, rel));
    return {
      file: `/${rel}`,
      bytes: body.length,
      gzipBytes: gzipSync(body).length,
      ...(loaded !== undefined && rel.startsWith('chunks/') && { loaded: loaded.has(rel) }),
      ...(note !== undefined && { note }),
    };
  };
  const chunks = existsSync(join(WEB_DIR, 'chunks')) ? readdirSync(join(WEB_DIR, 'chunks')).filter((f) => f.endsWith('.js')) : [];
  return [file('rt-dashboard.js', '(the entry every page loads)'), ...chunks.sort().map((c) => file(`chunks/${c}`))];
}

function naiveFile(naive: NaiveBundle): BundleFile {
  const body = Buffer.from(naive.js);
  return { file: 'naive page (bench, not served)', bytes: body.length, gzipBytes: gzipSync(body).length, note: '(its own bundle: the page and all of ApexCharts)' };
}
