import { expect } from 'chai';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_REDIRECTS, HostAllowlist, settingsOf, type HttpOptions } from './options.js';
import { bindJson, bindText, buildRequest, targetUrl } from './request.js';

const settings = (options: Partial<HttpOptions> = {}) => settingsOf({ url: 'http://127.0.0.1:8080/api', ...options });

describe('http options', () => {
  it('fills in the defaults and parses durations', () => {
    const s = settingsOf({ url: 'http://127.0.0.1:8080', header_timeout: '1.5s', body_timeout: '1m' });
    expect([s.maxBytes, s.maxRedirects, s.headerTimeoutMs, s.bodyTimeoutMs]).to.deep.equal([DEFAULT_MAX_BYTES, DEFAULT_MAX_REDIRECTS, 1500, 60_000]);
    expect(DEFAULT_MAX_BYTES).to.equal(10 * 1024 * 1024);
  });

  it('refuses base URLs it cannot use safely, saying what to do instead', () => {
    expect(() => settingsOf({ url: 'ftp://h/x' })).to.throw(/must use http or https/);
    expect(() => settingsOf({ url: 'http://user:pw@h/' })).to.throw(/must not hold credentials; send them with "headers"/);
    expect(() => settingsOf({ url: 'http://h/?key=1' })).to.throw(/put query values under "query"/);
    expect(() => settingsOf({ url: 'not a url/t0ken' })).to.throw(/absolute http/).with.property('message').that.does.not.include('t0ken');
    // A number where text belongs (an unquoted ${TOKEN} of 12345) is named as such, not as a multi-line value.
    expect(() => settingsOf({ url: 'http://h', headers: { Authorization: 12345 as unknown as string } })).to.throw('the value of header "Authorization" must be text; got a number');
    expect(() => settingsOf({ url: 'http://h', header_timeout: 'soon' })).to.throw(/"header_timeout": "soon" is not a duration/);
    expect(() => settingsOf({ url: 'http://h', max_bytes: 0 })).to.throw(/"max_bytes" must be an integer of at least 1/);
  });

  it('never quotes a header value in its messages', () => {
    let message = '';
    try {
      settingsOf({ url: 'http://h', headers: { Authorization: 'Bearer s3cret\r\nX-Evil: 1' } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.match(/header "Authorization" must be one line/);
    expect(message).not.to.include('s3cret');
  });

  it('allows the base host at its port, and allowed_hosts entries by name, name:port or *.domain', () => {
    const hosts = new HostAllowlist(new URL('http://api.example.com'), ['cdn.example.net', 'metrics.local:9100', '*.example.org', '[::1]:80']);
    const allowed = ['http://api.example.com/x', 'http://API.example.com:80/', 'https://cdn.example.net:8443/', 'http://metrics.local:9100/', 'https://a.b.example.org/', 'http://[::1]/'];
    const refused = ['https://api.example.com/', 'http://api.example.com:8080/', 'http://metrics.local:9101/', 'http://example.org/', 'http://evil.com/', 'file:///etc/passwd', 'http://api.example.com.evil.com/'];
    for (const url of allowed) expect(hosts.allows(new URL(url)), url).to.equal(true);
    for (const url of refused) expect(hosts.allows(new URL(url)), url).to.equal(false);
    expect(() => new HostAllowlist(new URL('http://h'), ['*'])).to.throw(/must be a host name/);
    expect(() => new HostAllowlist(new URL('http://h'), ['h/path'])).to.throw(/must be a host name/);
  });
});

describe('http requests', () => {
  it('binds whole ":name" values only, from own properties', () => {
    expect(bindText(':region', { region: 'eu' }, 'params.r')).to.equal('eu');
    expect(bindText('plain text', {}, 'params.r')).to.equal('plain text');
    expect(bindText('ratio 1:2 and a:b', {}, 'params.r')).to.equal('ratio 1:2 and a:b');
    expect(() => bindText(':missing', {}, 'params.r')).to.throw(/params.r: variable "missing" is not set/);
    expect(() => bindText(':toString', {}, 'params.r')).to.throw(/variable "toString" is not set/);
    expect(() => bindText('region=:region', { region: 'eu' }, 'params.r')).to.throw(/mixes text and a :variable/);
  });

  it('binds variables in a JSON body as whole string values, leaving keys alone', () => {
    const body = bindJson({ ':k': ':v', list: [':v', 1, null], nested: { deep: ':v' } }, { v: '"quoted"', k: 'no' }, 'body');
    expect(body).to.deep.equal({ ':k': '"quoted"', list: ['"quoted"', 1, null], nested: { deep: '"quoted"' } });
  });

  it('joins the path under the base URL and keeps the host whatever the path says', () => {
    const s = settings();
    expect(targetUrl('/v1/items', s).href).to.equal('http://127.0.0.1:8080/api/v1/items');
    expect(targetUrl(undefined, s).href).to.equal('http://127.0.0.1:8080/api');
    expect(targetUrl('//evil.com/x', s).host).to.equal('127.0.0.1:8080');
    expect(() => targetUrl('/items/:id', s)).to.throw(/may not hold variables/);
    expect(() => targetUrl('/items?x=1', s)).to.throw(/may not hold "\?" or "#"/);
    expect(() => targetUrl('items', s)).to.throw(/must start with \//);
  });

  it('accepts an absolute URL on an allowed host only', () => {
    const s = settings({ allowed_hosts: ['other.local'] });
    expect(targetUrl('http://other.local:9000/x', s).href).to.equal('http://other.local:9000/x');
    expect(() => targetUrl('http://evil.com/x', s)).to.throw(/http:\/\/evil.com is not an allowed host \(allowed: 127.0.0.1:8080, other.local\)/);
  });

  it('URL-encodes values, lets params replace default query values, and repeats list values', () => {
    const s = settings({ query: { api_key: 'k', format: 'json' }, headers: { 'X-Token': 't' } });
    const request = buildRequest({ path: '/q', params: { format: 'csv', q: ':q', match: ['a', ':q'], n: 5, on: true }, fields: [] }, s, { q: 'a&b=c#x/../' });
    expect(request.url.pathname).to.equal('/api/q');
    expect([...request.url.searchParams]).to.deep.equal([
      ['api_key', 'k'],
      ['format', 'csv'],
      ['q', 'a&b=c#x/../'],
      ['match', 'a'],
      ['match', 'a&b=c#x/../'],
      ['n', '5'],
      ['on', 'true'],
    ]);
    expect(request.url.hash).to.equal('');
    expect(request.headers).to.include({ accept: 'application/json', 'x-token': 't' });
    expect(request.body).to.equal(undefined);
  });

  it('sends a JSON body with POST only', () => {
    const request = buildRequest({ method: 'POST', body: { region: ':r' }, fields: [] }, settings(), { r: 'eu' });
    expect(request.body).to.equal('{"region":"eu"}');
    expect(request.headers['content-type']).to.equal('application/json');
    expect(() => buildRequest({ body: { a: 1 }, fields: [] }, settings(), {})).to.throw(/only sent with method: POST/);
  });
});
