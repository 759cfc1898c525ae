import { expect } from 'chai';
import { parseServerConfig } from './config/index.js';
import { exposureWarnings, listensLocally } from './exposure-warnings.js';

/** The start of each warning for a config text and a listen address. */
function warnings(text: string, host: string): string[] {
  return exposureWarnings(parseServerConfig(text, 'config.yaml', {}), host).map((w) => w.message.split(':')[0]!);
}

describe('exposureWarnings', () => {
  it('says nothing for a loopback server without signs of a proxy, or one with admin tokens and names', () => {
    expect(warnings('datasources: {}\n', '127.0.0.1')).to.deep.equal([]);
    expect(warnings('server: { hostnames: [dash.example.com] }\nauth: { admin_tokens: [a-long-admin-token-123] }\ndatasources: {}\n', '0.0.0.0')).to.deep.equal([]);
  });

  it('warns of missing admin tokens on a public address, and behind a proxy on loopback', () => {
    expect(warnings('datasources: {}\n', '0.0.0.0')).to.deep.equal(['no auth.admin_tokens while listening on 0.0.0.0', 'listening on 0.0.0.0 with neither server.public_url nor server.hostnames']);
    expect(warnings('server: { public_url: "https://dash.example.com" }\ndatasources: {}\n', '127.0.0.1')).to.deep.equal(['no auth.admin_tokens behind a reverse proxy (server.public_url https']);
    expect(warnings('server: { trusted_proxies: [127.0.0.1] }\ndatasources: {}\n', '::1')).to.have.length(1);
  });

  it('knows the loopback addresses', () => {
    expect(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0', '::', '192.0.2.1'].map(listensLocally)).to.deep.equal([true, true, true, true, false, false, false]);
  });
});
