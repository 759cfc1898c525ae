import { expect } from 'chai';
import { AllowedHosts } from './allowed-hosts.js';

describe('AllowedHosts', () => {
  it('answers IP addresses, localhost and requests without a Host, and no other name by default', () => {
    const hosts = new AllowedHosts({ host: '127.0.0.1' });
    for (const host of [undefined, '', '127.0.0.1:8080', '[::1]:8080', '192.0.2.4', 'localhost:8080', 'LOCALHOST.', 'app.localhost']) expect(hosts.allows(host), String(host)).to.equal(true);
    for (const host of ['rebind.attacker.example', 'rebind.attacker.example:8080', '127.0.0.1.nip.io', 'a b', '[zz]:1']) expect(hosts.allows(host), host).to.equal(false);
  });

  it('answers server.host, the host of server.public_url and server.hostnames, in any case', () => {
    const hosts = new AllowedHosts({ host: 'box.lan', publicUrl: 'https://Dash.Example.com/rt', hostnames: ['other.example'] });
    for (const host of ['box.lan:8080', 'dash.example.com', 'DASH.example.com:443', 'other.example.']) expect(hosts.allows(host), host).to.equal(true);
    expect(hosts.allows('shop.example.com')).to.equal(false);
    expect(new AllowedHosts({ host: '0.0.0.0', hostnames: ['*'] }).allows('anything.example')).to.equal(true);
  });

  it('names the refused name and how to add one, but not the names it answers to', () => {
    expect(new AllowedHosts({ host: '127.0.0.1', publicUrl: 'https://dash.example.com', hostnames: ['secret.internal'] }).refusal('Rebind.Attacker.Example:8080')).to.equal(
      'this server does not answer to the name "rebind.attacker.example" (the Host header). If it is one of this server\'s names, add it to server.hostnames (or set server.public_url) in config.yaml',
    );
  });
});
