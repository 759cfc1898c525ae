import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { TrustedProxies, bareAddress, isLoopbackAddress, proxyEntryProblem } from './trusted-proxies.js';

/** A request from `peer` with these headers, as far as TrustedProxies reads one. */
function from(peer: string, headers: Record<string, string> = {}): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers } as unknown as IncomingMessage;
}

describe('TrustedProxies', () => {
  const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);

  it('ignores X-Forwarded-For from an untrusted peer, but marks the request as proxied', () => {
    expect(new TrustedProxies().clientOf(from('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }))).to.deep.equal({ ip: '127.0.0.1', proxied: true });
    expect(proxies.clientOf(from('198.51.100.7', { 'x-forwarded-for': '203.0.113.9' }))).to.deep.equal({ ip: '198.51.100.7', proxied: true });
    expect(proxies.clientOf(from('198.51.100.7'))).to.deep.equal({ ip: '198.51.100.7', proxied: false });
    expect(new TrustedProxies().clientOf(from('::1', { forwarded: 'for=203.0.113.9' })).proxied).to.equal(true);
  });

  it('takes the right-most untrusted address of a trusted peer’s X-Forwarded-For, never one the client wrote', () => {
    // The client wrote 1.1.1.1 itself; the proxy appended the address it saw.
    expect(proxies.clientOf(from('::ffff:127.0.0.1', { 'x-forwarded-for': '1.1.1.1, 203.0.113.9' }))).to.deep.equal({ ip: '203.0.113.9', proxied: true });
    expect(proxies.clientOf(from('10.1.2.3', { 'x-forwarded-for': '203.0.113.9, 10.9.9.9' })).ip).to.equal('203.0.113.9');
    expect(proxies.clientOf(from('fd00::1', { 'x-forwarded-for': '[2001:db8::5]:4711' })).ip).to.equal('2001:db8::5');
    expect(proxies.clientOf(from('127.0.0.1', { 'x-forwarded-for': '203.0.113.9:5555' })).ip).to.equal('203.0.113.9');
  });

  it('stops at garbage, keeping the last good hop, and counts a trusted peer without the header as proxied', () => {
    expect(proxies.clientOf(from('127.0.0.1', { 'x-forwarded-for': 'evil, 10.0.0.2' })).ip).to.equal('10.0.0.2');
    expect(proxies.clientOf(from('127.0.0.1'))).to.deep.equal({ ip: '127.0.0.1', proxied: true });
  });

  it('checks entries and addresses', () => {
    expect(proxyEntryProblem('10.0.0.0/8')).to.equal(undefined);
    expect(proxyEntryProblem('::1')).to.equal(undefined);
    expect(proxyEntryProblem('10.0.0.0/33')).to.equal('the prefix length of an IPv4 range is 0 to 32');
    expect(proxyEntryProblem('fd00::/129')).to.equal('the prefix length of an IPv6 range is 0 to 128');
    expect(proxyEntryProblem('1.2.3')).to.match(/expected an IP address/);
    expect(bareAddress('::ffff:10.0.0.1')).to.equal('10.0.0.1');
    expect([isLoopbackAddress('127.0.0.2'), isLoopbackAddress('::1'), isLoopbackAddress('::ffff:127.0.0.1'), isLoopbackAddress('10.0.0.1')]).to.deep.equal([true, true, true, false]);
  });
});
