import { expect } from 'chai';
import { expectOneProblemIn, problemsFrom } from './testing.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { bundledDashboardDir } from '../paths.js';
import { definePlugin, type PluginDefinition } from '../plugin.js';
import { ConfigError } from './problem.js';
import { DEFAULT_LIMITS, EMBEDDED_DEFAULTS, checkDatasources, loadServerConfig, parseServerConfig, type PluginLookup } from './server-config.js';

const create = (): { query: () => Promise<{ fields: [] }>; health: () => Promise<{ status: 'ok' }> } => ({ query: async () => ({ fields: [] }), health: async () => ({ status: 'ok' }) });

/** A plugin with a host, an optional port (default 5432) and nothing else. */
const fakeDb: PluginDefinition = definePlugin({
  type: 'fakedb',
  description: 'a pretend database',
  optionsSchema: {
    type: 'object',
    required: ['host'],
    additionalProperties: false,
    properties: { host: { type: 'string' }, port: { type: 'integer', default: 5432 } },
  },
  querySchema: { type: 'string' },
  create,
});
const demo = definePlugin({ type: 'demo', description: 'demo', optionsSchema: { type: 'object' }, querySchema: {}, create });
const system = definePlugin({ type: 'system', description: 'system', optionsSchema: { type: 'object' }, querySchema: {}, create });
const all: PluginDefinition[] = [fakeDb, demo as PluginDefinition, system as PluginDefinition];
const registry: PluginLookup = { get: (type) => all.find((p) => p.type === type), types: () => all.map((p) => p.type) };

/** The problems a text yields, formatted as file:line:col: message. */
function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  return problemsFrom(() => parseServerConfig(text, 'config.yaml', env, registry));
}

/** Asserts the text yields exactly one problem, at `where`, whose message contains every fragment. */
function expectOneProblem(text: string, where: string, ...fragments: string[]): void {
  expectOneProblemIn(problemsOf(text), where, ...fragments);
}

const GOOD = `# yaml-language-server: $schema=https://rtdash.dev/schemas/config.json
server:
  host: 0.0.0.0
  port: \${PORT:-8080}
  public_url: https://dash.example.com
  origins: [https://shop.example.com]
  limits:
    max_message_bytes: 32768
    heartbeat: 10s
auth:
  admin_tokens: ["\${ADMIN_TOKEN}"]
  embed_secret: \${EMBED_SECRET}
datasources:
  shopdb:
    type: fakedb
    host: db.internal
    timeout: 5s
  demo:
    type: demo
plugins: [./plugins/weather.js, rtdash-plugin-x]
dashboards:
  dir: boards
  watch: false
notifiers:
  ops-webhook: { type: webhook, url: https://hooks.example.com, secret: "\${WEBHOOK_SECRET}" }
cluster:
  redis: redis://redis:6379
storage:
  type: redis
log:
  level: debug
`;

const ENV = { ADMIN_TOKEN: 'a-long-admin-token-123', EMBED_SECRET: 'x'.repeat(32), WEBHOOK_SECRET: 'a-webhook-secret-123' };

describe('parseServerConfig', () => {
  it('reads a full config into the normalised model', () => {
    const config = parseServerConfig(GOOD, '/etc/rtdash/config.yaml', ENV, registry);
    expect(config.file).to.equal('/etc/rtdash/config.yaml');
    expect(config.server).to.deep.equal({
      host: '0.0.0.0',
      port: 8080,
      publicUrl: 'https://dash.example.com',
      allowedOrigins: ['https://shop.example.com'],
      limits: { ...DEFAULT_LIMITS, maxMessageBytes: 32768, heartbeatMs: 10_000 },
    });
    expect(config.auth).to.deep.equal({ adminTokens: ['a-long-admin-token-123'], embedSecret: 'x'.repeat(32) });
    expect(config.datasources).to.deep.equal([
      { name: 'shopdb', type: 'fakedb', timeoutMs: 5000, options: { host: 'db.internal', port: 5432 }, position: { file: '/etc/rtdash/config.yaml', line: 14, col: 3 } },
      { name: 'demo', type: 'demo', options: {}, position: { file: '/etc/rtdash/config.yaml', line: 18, col: 3 } },
    ]);
    expect(config.plugins).to.deep.equal(['/etc/rtdash/plugins/weather.js', 'rtdash-plugin-x']);
    expect(config.dashboards).to.deep.equal({ dir: '/etc/rtdash/boards', watch: false });
    expect(config.notifiers).to.deep.equal({ 'ops-webhook': { type: 'webhook', timeoutMs: 10_000, options: { url: 'https://hooks.example.com', secret: 'a-webhook-secret-123', format: 'rtdash' } } });
    expect(config.cluster).to.deep.equal({ redis: 'redis://redis:6379', prefix: 'rtdash', leaseTtlMs: 10_000 });
    expect(config.storage).to.deep.equal({ type: 'redis', dir: '/etc/rtdash/data' });
    expect(config.log).to.deep.equal({ level: 'debug' });
  });

  it('fills ${VAR:-default} and ${VAR} from the environment', () => {
    expect(parseServerConfig(GOOD, 'config.yaml', { ...ENV, PORT: '9090' }).server.port).to.equal(9090);
    expect(parseServerConfig(GOOD, 'config.yaml', ENV).server.port).to.equal(8080);
  });

  it('reports ${MISSING} at its position, and not again as a wrong type', () => {
    expect(problemsOf('server:\n  port: ${MISSING}\n')).to.deep.equal(['config.yaml:2:9: environment variable "MISSING" is not set and ${MISSING} has no default (set it, or write ${MISSING:-default})']);
  });

  it('applies defaults to a minimal file, with paths relative to the file', () => {
    const config = parseServerConfig('datasources: {}\n', 'conf/config.yaml', {});
    expect(config.server).to.deep.equal({ host: '127.0.0.1', port: 8080, allowedOrigins: [], limits: DEFAULT_LIMITS });
    expect(config.auth).to.deep.equal({ adminTokens: [] });
    expect(config.datasources).to.deep.equal([]);
    expect(config.dashboards).to.deep.equal({ dir: resolve('conf/dashboards'), watch: true });
    expect(config.storage).to.deep.equal({ type: 'embedded', dir: resolve('conf/data') });
    expect(config.log.level).to.equal('info');
  });

  it('gives a config without `datasources` the built-in demo and system sources; a list of its own replaces them', () => {
    const text = 'notifiers:\n  ops: { type: slack, url: "https://hooks.example.com/x" }\nstorage: { dir: state }\ndashboards: { dir: boards }\n';
    const config = parseServerConfig(text, 'conf/config.yaml', {}, registry);
    expect(config.datasources.map((d) => [d.name, d.type])).to.deep.equal([
      ['demo', 'demo'],
      ['system', 'system'],
    ]);
    expect(config.datasources[0]?.position?.file).to.equal(EMBEDDED_DEFAULTS);
    expect(parseServerConfig('datasources:\n  shopdb: { type: fakedb, host: db }\n', 'config.yaml', {}, registry).datasources.map((d) => d.name)).to.deep.equal(['shopdb']);
  });

  it('reports a YAML syntax error at its line and column', () => {
    expectOneProblem('server:\n  port: [8080\n', 'config.yaml:2:9', 'this "[" is never closed');
  });

  it('reports an unknown key with a suggestion', () => {
    expectOneProblem('server:\n  prot: 8080\n', 'config.yaml:2:3', 'unknown key "prot" in "server"; did you mean "port"?');
    expectOneProblem('server:\n  publicUrl: https://x.example\n', 'config.yaml:2:3', 'unknown key "publicUrl" in "server"; did you mean "public_url"?');
  });

  it('points a config still using allowed_origins to origins', () => {
    expectOneProblem('server:\n  allowed_origins: [https://x.example]\n', 'config.yaml:2:3', 'unknown key "allowed_origins" in "server"; allowed keys: host, port, public_url, origins, hostnames, trusted_proxies, limits');
    expect(parseServerConfig('server:\n  origins: [https://x.example, "*"]\n', 'config.yaml', {}).server.allowedOrigins).to.deep.equal(['https://x.example', '*']);
    expectOneProblem('server:\n  origins: [https://x.example/shop]\n', 'config.yaml:2:13', 'must be an origin such as https://shop.example.com');
  });

  it('refuses an embed secret shorter than 32 characters', () => {
    expectOneProblem('auth:\n  embed_secret: short\n', 'config.yaml:2:17', 'embed_secret');
  });

  it('reports a wrong type naming the key', () => {
    expectOneProblem('server:\n  port: x\n', 'config.yaml:2:9', '"port" must be an integer, got the string "x"');
  });

  it('reports a limit duration that is not positive', () => {
    expectOneProblem('server:\n  limits:\n    heartbeat: 0s\n', 'config.yaml:3:16', '"heartbeat" must be greater than zero');
  });

  it('reports an unknown data-source type, listing the known types', () => {
    expectOneProblem('datasources:\n  shopdb:\n    type: postgress\n', 'config.yaml:3:11', 'unknown data-source type "postgress" in datasource "shopdb"', 'known types: fakedb, demo, system');
  });

  it('checks data-source options against the plugin optionsSchema, at their positions', () => {
    expectOneProblem('datasources:\n  shopdb:\n    type: fakedb\n    host: db\n    prot: 5432\n', 'config.yaml:5:5', 'unknown key "prot" in datasource "shopdb"; did you mean "port"?');
    expectOneProblem('datasources:\n  shopdb:\n    type: fakedb\n    host: db\n    port: "5432x"\n', 'config.yaml:5:11', '"port" must be an integer, got the string "5432x"');
    expectOneProblem('datasources:\n  shopdb:\n    type: fakedb\n', 'config.yaml:2:3', 'missing required key "host" in datasource "shopdb"');
  });

  it('can check data sources later, once the plugins a config names are loaded', () => {
    const config = parseServerConfig('datasources:\n  shopdb:\n    type: fakedb\n    hots: db\n', 'config.yaml', {});
    expect(() => checkDatasources(config, registry)).to.throw(ConfigError, 'config.yaml:4:5: unknown key "hots" in datasource "shopdb"; did you mean "host"?');
  });

  it('keeps a __proto__ key out of data-source options and reports it', () => {
    expectOneProblem('datasources:\n  shopdb:\n    type: fakedb\n    host: db\n    __proto__: { polluted: true }\n', 'config.yaml:5:5', 'unknown key "__proto__"');
    const config = parseServerConfig('datasources:\n  shopdb:\n    type: fakedb\n    host: db\n', 'config.yaml', {}, registry);
    expect(Object.getPrototypeOf(config.datasources[0]?.options)).to.equal(Object.prototype);
    expect(Object.prototype).to.not.have.property('polluted');
  });

  it('keeps alert state in Redis once cluster.redis is set, unless storage.type says otherwise', () => {
    const clustered = parseServerConfig('cluster:\n  redis: redis://r:6379\n  prefix: shop-eu\n  lease_ttl: 3s\n', 'config.yaml', {});
    expect(clustered.cluster).to.deep.equal({ redis: 'redis://r:6379', prefix: 'shop-eu', leaseTtlMs: 3000 });
    expect(clustered.storage.type).to.equal('redis');
    expect(parseServerConfig('cluster:\n  redis: redis://r:6379\nstorage:\n  type: embedded\n', 'config.yaml', {}).storage.type).to.equal('embedded');
    expect(parseServerConfig('server:\n  port: 1\n', 'config.yaml', {}).storage.type).to.equal('embedded');
  });

  it('refuses a lease_ttl under 1s and a prefix with spaces', () => {
    expectOneProblem('cluster:\n  redis: redis://r:6379\n  lease_ttl: 200ms\n', 'config.yaml:3:14', '"lease_ttl" must be at least 1000ms, got 200ms');
    expect(() => parseServerConfig('cluster:\n  redis: redis://r:6379\n  prefix: "a b"\n', 'config.yaml', {})).to.throw(/prefix/);
  });

  it('requires cluster.redis for redis storage', () => {
    expectOneProblem('storage:\n  type: redis\n', 'config.yaml:2:9', 'storage type "redis" needs the Redis URL in "cluster.redis"');
  });

  it('reads each notifier type with its defaults', () => {
    const text = `notifiers:
  hook: { type: webhook, url: https://h.example/x, headers: { Authorization: Bearer t }, timeout: 3s }
  mail:
    type: email
    smtp: { host: smtp.example.com, port: 465, secure: true, user: rtdash, password: "\${SMTP_PASSWORD}" }
    from: rtdash <alerts@example.com>
    to: [ops@example.com]
  chat: { type: slack, url: "\${SLACK_URL}" }
`;
    const config = parseServerConfig(text, 'config.yaml', { SMTP_PASSWORD: 'pw', SLACK_URL: 'https://hooks.slack.com/services/T/B/x' });
    expect(config.notifiers).to.deep.equal({
      hook: { type: 'webhook', timeoutMs: 3000, options: { url: 'https://h.example/x', headers: { Authorization: 'Bearer t' }, format: 'rtdash' } },
      mail: { type: 'email', timeoutMs: 10_000, options: { smtp: { host: 'smtp.example.com', port: 465, secure: true, user: 'rtdash', password: 'pw' }, from: 'rtdash <alerts@example.com>', to: ['ops@example.com'] } },
      chat: { type: 'slack', timeoutMs: 10_000, options: { url: 'https://hooks.slack.com/services/T/B/x' } },
    });
    expect(parseServerConfig('datasources: {}\n', 'config.yaml', {}).notifiers).to.deep.equal({});
  });

  it('reports notifier problems at their positions', () => {
    expectOneProblem('notifiers:\n  ops:\n    type: webhook\n', 'config.yaml:2:3', 'missing required key "url" in notifier "ops"');
    expectOneProblem('notifiers:\n  chat:\n    type: slack\n', 'config.yaml:2:3', 'missing required key "url" in notifier "chat"');
    expectOneProblem('notifiers:\n  ops:\n    url: https://h.example\n', 'config.yaml:2:3', 'missing required key "type" in notifier "ops"');
    expectOneProblem('notifiers:\n  ops:\n    type: webhok\n    url: https://h.example\n', 'config.yaml:3:11', 'unknown notifier type "webhok" in notifier "ops"; did you mean "webhook"? (types: webhook, email, slack, alertmanager, discord, teams, pagerduty, telegram, ntfy; add others under "plugins")');
    expectOneProblem('notifiers:\n  ops:\n    type: webhook\n    url: https://h.example\n    secrt: a-webhook-secret-123\n', 'config.yaml:5:5', 'unknown key "secrt" in notifier "ops"; did you mean "secret"?');
    expectOneProblem('notifiers:\n  chat:\n    type: slack\n    url: https://h.example\n    secret: a-webhook-secret-123\n', 'config.yaml:5:5', 'unknown key "secret" in notifier "chat"; allowed keys: type, timeout, url');
    expectOneProblem('notifiers:\n  chat:\n    type: slack\n    url: hooks.slack.com/x\n', 'config.yaml:4:10', '"url" must be an http:// or https:// URL');
    expectOneProblem('notifiers:\n  chat:\n    type: slack\n    url: https://h.example\n    timeout: 0s\n', 'config.yaml:5:14', '"timeout" must be greater than zero');
    expectOneProblem('notifiers:\n  pd:\n    type: pagerduty\n', 'config.yaml:2:3', 'missing required key "routing_key" in notifier "pd"');
    expectOneProblem('notifiers:\n  tg:\n    type: telegram\n    bot_token: "123456:abc"\n    chat_id: general\n', 'config.yaml:5:14', '"chat_id" must be a chat id such as -1001234567890 or @mychannel');
    expectOneProblem('notifiers:\n  push:\n    type: ntfy\n    topic: "ops alerts"\n', 'config.yaml:4:12', '"topic" must be 1 to 64 letters, digits, _ or -');
    expectOneProblem('notifiers:\n  Ops:\n    type: slack\n    url: https://h.example\n', 'config.yaml:2:3', 'key "Ops" in "notifiers": a name must start with a lowercase letter');
  });

  it('reports email notifier problems at their positions', () => {
    const mail = (smtp: string, rest = '    from: a@example.com\n    to: [b@example.com]\n'): string => `notifiers:\n  mail:\n    type: email\n    smtp: ${smtp}\n${rest}`;
    expectOneProblem(mail('{ host: h, port: 587, usr: a }'), 'config.yaml:4:33', 'unknown key "usr" in "smtp" of notifier "mail"; did you mean "user"?');
    expectOneProblem(mail('{ host: h }'), 'config.yaml:4:5', 'missing required key "port" in "smtp" of notifier "mail"');
    expectOneProblem(mail('{ host: h, port: 587, user: a }'), 'config.yaml:4:33', '"user" needs "password" as well in "smtp" of notifier "mail"');
    expectOneProblem(mail('{ host: h, port: 587 }', '    to: [b@example.com]\n'), 'config.yaml:2:3', 'missing required key "from" in notifier "mail"');
    expectOneProblem(mail('{ host: h, port: 587 }', '    from: a@example.com\n    to: []\n'), 'config.yaml:6:9', '"to" must list at least one item');
  });

  it('reports an empty file', () => {
    expectOneProblem('', 'config.yaml:1:1', 'the file is empty');
  });

  it('reports a file whose top level is a list', () => {
    expectOneProblem('- server\n', 'config.yaml:1:1', 'the top level must be a mapping', 'got a list');
  });
});

describe('loadServerConfig', () => {
  it('runs on the embedded defaults without a file', async () => {
    const config = await loadServerConfig(undefined, {}, registry);
    expect(config.file).to.equal(undefined);
    expect(config.server.host).to.equal('127.0.0.1');
    expect(config.server.port).to.equal(8080);
    expect(config.server.limits).to.deep.equal(DEFAULT_LIMITS);
    expect(config.datasources.map((d) => [d.name, d.type])).to.deep.equal([
      ['demo', 'demo'],
      ['system', 'system'],
    ]);
    expect(config.dashboards).to.deep.equal({ dir: bundledDashboardDir, watch: true });
    expect(config.storage).to.deep.equal({ type: 'embedded', dir: resolve('data') });
  });

  it('reads a file, resolving paths against its folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtdash-config-'));
    try {
      const file = join(dir, 'config.yaml');
      await writeFile(file, 'dashboards: { dir: ./boards }\n');
      const config = await loadServerConfig(file, {});
      expect(config.file).to.equal(file);
      expect(config.dashboards.dir).to.equal(join(dirname(file), 'boards'));
      // Standalone alert files default to alerts/ next to config.yaml.
      expect(config.alerts).to.deep.equal({ dir: join(dirname(file), 'alerts') });
      await writeFile(file, 'alerts: { dir: ./rules }\n');
      expect((await loadServerConfig(file, {})).alerts).to.deep.equal({ dir: join(dirname(file), 'rules') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a file it cannot read', async () => {
    const error = await loadServerConfig('/nonexistent/config.yaml', {}).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).message).to.match(/^\/nonexistent\/config\.yaml:1:1: cannot read the file/);
    expect((error as ConfigError).code).to.equal('RTDASH_CONFIG_INVALID');
  });
});

describe('parseServerConfig: who may act', () => {
  it('reads server.hostnames, server.trusted_proxies and auth.embed_token_max_ttl', () => {
    const text = 'server:\n  hostnames: [dash.example.com]\n  trusted_proxies: [127.0.0.1, 10.0.0.0/8, "fd00::/8"]\nauth:\n  embed_token_max_ttl: 7d\n';
    const config = parseServerConfig(text, 'config.yaml', {});
    expect(config.server.hostnames).to.deep.equal(['dash.example.com']);
    expect(config.server.trustedProxies).to.deep.equal(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
    expect(config.auth.embedTokenMaxTtlMs).to.equal(7 * 86_400_000);
  });

  it('refuses a proxy that is not an address or range, a host name with a scheme, and a token lifetime over 366d', () => {
    expectOneProblem('server:\n  trusted_proxies: [10.0.0.0/40]\n', 'config.yaml:2:21', '"10.0.0.0/40" is not a proxy address: the prefix length of an IPv4 range is 0 to 32');
    expectOneProblem('server:\n  trusted_proxies: [proxy.local]\n', 'config.yaml:2:21', 'must be an IP address such as 10.0.0.5 or a CIDR range');
    expectOneProblem('server:\n  hostnames: [https://dash.example.com]\n', 'config.yaml:2:15', 'must be a host name such as dash.example.com');
    expectOneProblem('auth:\n  embed_token_max_ttl: 400d\n', 'config.yaml:2:24', '"embed_token_max_ttl" must be at most 366d, got 400d');
  });

  it('reads sign-in (session secret, users file, proxy header, roles) and says what is missing or wrong', () => {
    const text = 'auth:\n  session_secret: 0123456789abcdef0123456789abcdef\n  session_ttl: 8h\n  users_file: users.yaml\n  proxy: { header: X-Auth-User, groups_header: X-Auth-Groups, trusted: [10.0.0.0/8] }\n  roles: { admin: [sre], editor: [ops] }\n';
    const auth = parseServerConfig(text, '/etc/rtdash/config.yaml', {}).auth;
    expect(auth).to.deep.include({ sessionTtlMs: 8 * 3_600_000, usersFile: '/etc/rtdash/users.yaml', proxy: { header: 'x-auth-user', groupsHeader: 'x-auth-groups', trusted: ['10.0.0.0/8'] }, roles: { admin: ['sre'], editor: ['ops'] } });
    expectOneProblem('auth:\n  users_file: users.yaml\n', 'config.yaml:2:15', 'local users sign in with a session cookie, which needs auth.session_secret');
    expectOneProblem('auth:\n  proxy: { trusted: [10.0.0.0/99] }\n', 'config.yaml:2:22', '"10.0.0.0/99" is not a proxy address');
    expectOneProblem('auth:\n  session_secret: short\n', 'config.yaml:2:19', 'session_secret');
    expect(problemsOf('auth:\n  proxy: { header: X-User }\n').join('\n')).to.include('trusted');
    expectOneProblem('auth:\n  session_secret: 0123456789abcdef0123456789abcdef\n  oidc: { issuer: "http://id.example.com", client_id: rtdash }\n', 'config.yaml:3:19', '"issuer" must be https (plain http only to this machine');
    expect(parseServerConfig('auth:\n  session_secret: 0123456789abcdef0123456789abcdef\n  oidc: { issuer: "http://127.0.0.1:9000", client_id: rtdash }\n', 'config.yaml', {}).auth.oidc?.issuer).to.equal('http://127.0.0.1:9000');
  });
});

describe('parseServerConfig: the time-range cache', () => {
  it('reads cache.range_max_bytes and cache.range_ttl, and leaves them out when not set', () => {
    expect(parseServerConfig('cache:\n  range_max_bytes: 1048576\n  range_ttl: 6h\n', 'config.yaml', {}).cache).to.deep.equal({ rangeMaxBytes: 1_048_576, rangeTtlMs: 6 * 3_600_000 });
    expect(parseServerConfig('log:\n  level: warn\n', 'config.yaml', {}).cache).to.deep.equal({});
  });
  it('refuses a negative size and a ttl under a second, naming the place', () => {
    expectOneProblem('cache:\n  range_max_bytes: -1\n', 'config.yaml:2:20', 'range_max_bytes');
    expectOneProblem('cache:\n  range_ttl: 200ms\n', 'config.yaml:2:14', '"range_ttl" must be at least 1000ms, got 200ms');
  });
});
