/**
 * Fault: requests with one huge header or thousands of headers, on the API and on the WebSocket upgrade.
 * Each gets 431 and its connection closed; the server keeps serving its viewers (nothing lost) and new
 * requests.
 */
import { expect } from 'chai';
import { connect as tcpConnect } from 'node:net';
import { connectSubscribed } from '../support/ws-client.js';
import { contiguousSeqs } from '../support/seq-check.js';
import { streamGauges } from '../support/server-metrics.js';
import { startTestServer, testDashboard, until, type TestServer } from '../support/test-server.js';

/** Sends `head` (a request without its blank line) and `\r\n`; resolves with everything read until the server closes. */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    // The server may close while the flood is still being written: a reset is then the expected end.
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    socket.on('close', () => resolve(answer));
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer within 10 s; got ${JSON.stringify(answer.slice(0, 200))}`)));
    socket.end(`${head}\r\n`);
  });
}

const upgrade = 'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
const api = 'GET /api/dashboards HTTP/1.1\r\nHost: 127.0.0.1\r\n';
const hugeHeader = `X-Huge: ${'a'.repeat(1024 * 1024)}\r\n`;
const manyHeaders = Array.from({ length: 20_000 }, (_, i) => `X-H${i}: v\r\n`).join('');

describe('fault: header floods', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'f.yaml': testDashboard('f', { a: { behave: 'counter', tag: 'header-floods' } }, '100ms') });
  });
  after(() => t.stop());

  it('answers 431 to each flood and keeps serving viewers and new requests', async () => {
    const viewer = await connectSubscribed(t.wsUrl, 'f');

    const cases: [string, string][] = [
      ['a 1 MB header on the API', api + hugeHeader],
      ['20,000 headers on the API', api + manyHeaders],
      ['a 1 MB header on the upgrade', upgrade + hugeHeader],
      ['20,000 headers on the upgrade', upgrade + manyHeaders],
    ];
    const answers = await Promise.all(cases.map(([, head]) => rawRequest(t.server.port, head)));
    answers.forEach((answer, i) => expect(answer.split('\r\n')[0], cases[i]![0]).to.equal('HTTP/1.1 431 Request Header Fields Too Large'));

    // None of them became a connection or a viewer; the viewer and new clients are served.
    expect(await streamGauges(t.server.url)).to.include({ connections: 1, viewers: 1 });
    expect((await fetch(`${t.server.url}/api/dashboards`)).status).to.equal(200);
    const late = await connectSubscribed(t.wsUrl, 'f');
    await late.nextOf('update');
    const count = viewer.messages.length;
    await until(() => viewer.messages.length > count + 3, 3000, 'more updates for the viewer');
    expect(contiguousSeqs(viewer.messages).get('a')!.length).to.be.greaterThan(5);
    await Promise.all([viewer.close(), late.close()]);
  });
});
