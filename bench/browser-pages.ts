/**
 * The two pages of the browser suite, served by a small HTTP server of the orchestrator on 127.0.0.1: a real
 * server rather than `page.route`, because Chromium counts a page that playwright fulfils as being on the public
 * network, and its Local Network Access checks then block the page's WebSocket to 127.0.0.1 (<rt-dashboard> then
 * falls back to SSE, which is not what is to be measured). The pages are on another origin than the rtdash
 * server, as on a site that embeds a dashboard; the server allows that origin.
 *
 * - `/rtdash.html?server=URL`: `<rt-dashboard server dashboard>` and the bundle from the rtdash server.
 * - `/naive.html?server=URL`: the same grid, sizes and palette in plain CSS, and the naive module.
 * - `/naive.js`, `/naive.js.map`: the naive page, bundled with ApexCharts by the suite.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BROWSER_DASHBOARD_ID, ROW_HEIGHT_PX } from './browser-scenario.js';

/** The naive page's module, bundled by the suite. */
export interface NaiveBundle {
  js: string;
  map: string;
}

/** The running page server. */
export interface PageServer {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  close(): Promise<void>;
}

/** Only rtdash servers of this machine's loopback are put into a page. */
const SERVER_URL = /^http:\/\/127\.0\.0\.1:\d{1,5}$/;

/** The page of the rtdash elements. */
function rtdashHtml(server: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>rtdash</title><link rel="icon" href="data:,"><style>body{margin:0;background:#f4f6f9}</style><script type="module" src="${server}/rt-dashboard.js"></script></head>
<body><rt-dashboard server="${server}" dashboard="${BROWSER_DASHBOARD_ID}" style="--rt-row-height:${ROW_HEIGHT_PX}px"></rt-dashboard></body></html>`;
}

/** The naive page: the same grid, sizes and palette as <rt-dashboard>, in plain CSS. */
function naiveHtml(server: string): string {
  const style = `body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b2230;background:#f4f6f9}
#base{padding:12px}header{margin-bottom:12px}h1{font-size:1.35rem;font-weight:650;margin:0;letter-spacing:-.01em}
#grid{display:grid;grid-template-columns:repeat(12,minmax(0,1fr));grid-auto-rows:${ROW_HEIGHT_PX}px;gap:12px}
.panel{min-width:0;min-height:0;display:flex;flex-direction:column;background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:10.8px 12px;box-sizing:border-box;overflow:hidden}
.panel h2{flex:none;margin:0 0 .35rem;font-size:.9rem;font-weight:600}.body{flex:1 1 auto;min-height:0}
.stat{font-size:2rem;font-weight:650}table{width:100%;font-size:.75rem;border-collapse:collapse}td,th{text-align:left;padding:1px 4px}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>naive</title><link rel="icon" href="data:,"><style>${style}</style><script type="module" src="/naive.js"></script></head>
<body data-server="${server}" data-dashboard="${BROWSER_DASHBOARD_ID}"><div id="base"><header><h1 id="title">Loading…</h1></header><div id="grid"></div></div></body></html>`;
}

/** Starts the page server on an ephemeral port of 127.0.0.1. */
export async function startPageServer(naive: NaiveBundle): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const target = url.searchParams.get('server') ?? '';
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if ((url.pathname === '/rtdash.html' || url.pathname === '/naive.html') && !SERVER_URL.test(target)) return send(400, 'text/plain', 'server= must be http://127.0.0.1:PORT');
    switch (url.pathname) {
      case '/rtdash.html':
        return send(200, 'text/html; charset=utf-8', rtdashHtml(target));
      case '/naive.html':
        return send(200, 'text/html; charset=utf-8', naiveHtml(target));
      case '/naive.js':
        return send(200, 'text/javascript; charset=utf-8', naive.js);
      case '/naive.js.map':
        return send(200, 'application/json', naive.map);
      default:
        return send(404, 'text/plain', 'not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
