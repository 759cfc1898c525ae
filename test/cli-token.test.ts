/** `rtdash token create` as a site owner runs it: a real process on a real config, and the token it prints opening a real server. */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';
import { verifyEmbedToken } from '../core/embed-token.js';
import { connect } from './support/ws-client.js';
import { servingUrl } from './support/serving.js';

const BIN = join(packageRoot, 'dist', 'bin', 'rtdash.js');
const SECRET = 'cli-test-embed-secret-0123456789abcdef';

const CONFIG = `server:
  port: 0
auth:
  embed_secret: \${RTDASH_EMBED_SECRET}
datasources:
  demo: { type: demo }
log:
  level: warn
`;

const SALES = `id: sales
title: Sales
access: token
variables:
  region: { type: select, options: [eu, us, apac], default: eu }
  shop: { type: text, pattern: "[a-z]{2,10}", default: main }
widgets:
  - { id: users, title: Users, type: stat, source: demo, query: { metric: active_users, region: ":region" }, every: 1s }
`;

describe('rtdash token create', function () {
  this.timeout(20_000);
  let dir: string;
  const run = (args: string[], env: Record<string, string | undefined> = { RTDASH_EMBED_SECRET: SECRET }) =>
    spawnSync(process.execPath, [BIN, 'token', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, RTDASH_CONFIG: undefined, LOG_FORMAT: 'json', ...env } });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-token-'));
    mkdirSync(join(dir, 'dashboards'));
    writeFileSync(join(dir, 'config.yaml'), CONFIG);
    writeFileSync(join(dir, 'dashboards', 'sales.yaml'), SALES);
    writeFileSync(join(dir, 'no-secret.yaml'), 'datasources:\n  demo: { type: demo }\n');
    writeFileSync(join(dir, 'short-tokens.yaml'), CONFIG.replace('auth:\n', 'auth:\n  embed_token_max_ttl: 1d\n'));
    writeFileSync(join(dir, 'long-tokens.yaml'), CONFIG.replace('auth:\n', 'auth:\n  embed_token_max_ttl: 90d\n'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the token alone on stdout and its expiry on stderr', () => {
    const started = Date.now();
    const result = run(['create', '--dashboard', 'sales', '--var', 'region=us', '--var', 'shop=berlin', '--ttl', '2h']);
    const finished = Date.now();
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^v1\.[\w-]+\.[\w-]+\n$/);
    const claims = verifyEmbedToken(result.stdout.trim(), SECRET, { dashboard: 'sales' });
    expect(claims.vars).to.deep.equal({ region: 'us', shop: 'berlin' });
    // Issued while the command ran, however long a loaded machine took to start it.
    expect(claims.expiresAt).to.be.within(started + 2 * 3_600_000, finished + 2 * 3_600_000 + 1000); // exp is rounded up to a second
    expect(result.stderr.trim().split('\n')).to.deep.equal([`token for dashboard "sales" with region=us, shop=berlin fixed, expires ${new Date(claims.expiresAt).toISOString()} (in 2h)`]);
  });

  it('signs a token up to the config’s auth.embed_token_max_ttl', () => {
    const result = run(['create', '--dashboard', 'sales', '--ttl', '60d', '--config', 'long-tokens.yaml']);
    expect(result.status, result.stderr).to.equal(0);
    expect(verifyEmbedToken(result.stdout.trim(), SECRET, { maxTtlMs: 90 * 86_400_000 }).dashboard).to.equal('sales');
  });

  it('prints its usage with --help, and is listed in rtdash --help', () => {
    const help = run(['create', '--help']);
    expect(help.status).to.equal(0);
    expect(help.stdout).to.match(/^Usage: rtdash token create --dashboard ID/);
    expect(run(['--help']).stdout).to.match(/^Usage: rtdash token create/);
    const top = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(top.stdout).to.include('rtdash token create --dashboard ID');
  });

  const bad: [string, string[], Record<string, string | undefined> | undefined, string][] = [
    ['an unknown dashboard', ['--dashboard', 'sale', '--ttl', '1h'], undefined, 'no dashboard "sale" in '],
    ['an undeclared variable', ['--dashboard', 'sales', '--var', 'country=de', '--ttl', '1h'], undefined, 'dashboard "sales" has no variable "country" (declared: region, shop)'],
    ['a value outside the options', ['--dashboard', 'sales', '--var', 'region=mars', '--ttl', '1h'], undefined, 'variable "region" must be one of eu, us, apac; got "mars"'],
    ['a value not matching the pattern', ['--dashboard', 'sales', '--var', 'shop=Main St', '--ttl', '1h'], undefined, 'variable "shop" must match /[a-z]{2,10}/'],
    ['a --var without =', ['--dashboard', 'sales', '--var', 'region', '--ttl', '1h'], undefined, '--var must be NAME=VALUE; got "region"'],
    ['a variable given twice', ['--dashboard', 'sales', '--var', 'region=eu', '--var', 'region=us', '--ttl', '1h'], undefined, '--var region is given twice'],
    ['a ttl that is not a duration', ['--dashboard', 'sales', '--ttl', 'soon'], undefined, '--ttl: "soon" is not a duration'],
    ['a ttl without a unit', ['--dashboard', 'sales', '--ttl', '3600'], undefined, '--ttl: "3600" is not a duration'],
    ['a ttl of zero', ['--dashboard', 'sales', '--ttl', '0s'], undefined, '--ttl must be more than 0'],
    ['a negative ttl', ['--dashboard', 'sales', '--ttl=-1h'], undefined, '--ttl must be more than 0'],
    ['a ttl over a year', ['--dashboard', 'sales', '--ttl', '400d'], undefined, '--ttl must be at most 366d'],
    ['a ttl over auth.embed_token_max_ttl', ['--dashboard', 'sales', '--ttl', '31d'], undefined, '--ttl 31d is longer than the server accepts: auth.embed_token_max_ttl is 30d in config.yaml, and it refuses tokens that live longer; use a shorter --ttl, or raise auth.embed_token_max_ttl (at most 366d)'],
    ['a ttl over a lower auth.embed_token_max_ttl', ['--dashboard', 'sales', '--ttl', '2d', '--config', 'short-tokens.yaml'], undefined, 'auth.embed_token_max_ttl is 1d in short-tokens.yaml'],
    ['no --ttl', ['--dashboard', 'sales'], undefined, '--ttl is required'],
    ['no --dashboard', ['--ttl', '1h'], undefined, '--dashboard ID is required'],
    ['a stray argument', ['--dashboard', 'sales', '--ttl', '1h', 'region=eu'], undefined, 'unexpected argument "region=eu"'],
    ['a config without a secret', ['--dashboard', 'sales', '--ttl', '1h', '--config', 'no-secret.yaml'], undefined, 'auth.embed_secret is not set in no-secret.yaml'],
  ];
  for (const [what, args, env, message] of bad) {
    it(`refuses ${what} in one line, printing no token`, () => {
      const result = run(['create', ...args], env);
      expect(result.status).to.equal(1);
      expect(result.stdout).to.equal('');
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).to.have.length(1);
      expect(lines[0]).to.match(/^rtdash token create: /).and.include(message);
    });
  }

  it('names the unset environment variable of the secret at its line and column', () => {
    const result = run(['create', '--dashboard', 'sales', '--ttl', '1h'], { RTDASH_EMBED_SECRET: undefined });
    expect(result.status).to.equal(1);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.include('config.yaml:4:17: environment variable "RTDASH_EMBED_SECRET" is not set');
  });

  it('suggests the dashboard that was meant and refuses an unknown subcommand', () => {
    expect(run(['create', '--dashboard', 'sale', '--ttl', '1h']).stderr).to.include('did you mean "sales"?');
    const unknown = run(['make', '--dashboard', 'sales']);
    expect(unknown.status).to.equal(2);
    expect(unknown.stderr).to.include('unknown subcommand "make"');
  });

  it('makes a token that opens its dashboard on a running server, with its variables fixed', async () => {
    const token = run(['create', '--dashboard', 'sales', '--var', 'region=apac', '--ttl', '10m']).stdout.trim();
    const child = spawn(process.execPath, [BIN, 'serve', '--config', 'config.yaml'], { cwd: dir, env: { ...process.env, RTDASH_EMBED_SECRET: SECRET, LOG_FORMAT: 'json' } });
    try {
      const url = await servingUrl(child);
      const ws = url.replace('http', 'ws') + '/ws';
      const viewer = await connect(`${ws}?token=${token}`);
      viewer.send({ type: 'subscribe', dashboard: 'sales' });
      expect(await viewer.nextOf('snapshot')).to.deep.include({ dashboard: 'sales', vars: { region: 'apac', shop: 'main' } });
      await viewer.close();
      const stranger = await connect(ws);
      stranger.send({ type: 'subscribe', dashboard: 'sales' });
      expect((await stranger.nextOf('error')).code).to.equal('RTDASH_TOKEN_REQUIRED');
      await stranger.close();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('is warned about by rtdash validate when the config has no secret', () => {
    const result = spawnSync(process.execPath, [BIN, 'validate', '--config', 'no-secret.yaml', 'dashboards'], { cwd: dir, encoding: 'utf8' });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stderr).to.include('dashboards/sales.yaml:3:9: warning: dashboard "sales" has access: token, but auth.embed_secret is not set in');
    expect(result.stdout).to.match(/^ok: 1 dashboard valid/);
  });
});
