/**
 * A Prometheus Alertmanager of a test's own (Debian's `prometheus-alertmanager`), on a free loopback port, with its
 * data in a temp folder, clustering off and one receiver that sends nowhere: the test reads its API.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinary, scratchDir } from './private-process.js';
import { foregroundControl, privateServer, usePrivate, type PrivateServer, type Removable } from './private-server.js';
import { freePort } from './tcp-proxy.js';

/** What this machine lacks to run a private Alertmanager, or undefined when it has it. */
export function missingForAlertmanager(): string | undefined {
  return alertmanagerBinary() === undefined ? 'prometheus-alertmanager (apt-get install prometheus-alertmanager)' : undefined;
}

function alertmanagerBinary(): string | undefined {
  return findBinary('prometheus-alertmanager', '/usr/bin/prometheus-alertmanager', 'alertmanager');
}

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/-/ready`)).ok;
  } catch {
    return false;
  }
}

/** Starts a private Alertmanager (`url` is `http://127.0.0.1:PORT`); `remove` (or process exit) ends it and removes its folder. */
export async function startPrivateAlertmanager(): Promise<Removable<PrivateServer>> {
  const binary = alertmanagerBinary();
  if (binary === undefined) throw new Error('prometheus-alertmanager is not installed');
  const dir = scratchDir('alertmanager');
  const port = await freePort();
  writeFileSync(join(dir.path, 'alertmanager.yml'), 'route:\n  receiver: nowhere\n  group_wait: 1s\nreceivers:\n  - name: nowhere\n');
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${join(dir.path, 'alertmanager.yml')}`,
    `--storage.path=${join(dir.path, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ];
  const control = foregroundControl(binary, args, `the private Alertmanager on port ${port}`, () => ready(url), 30_000);
  return privateServer({ port, url, dir, control });
}

/** A private Alertmanager for the calling `describe`, removed after its tests. */
export function usePrivateAlertmanager(): () => PrivateServer {
  return usePrivate(missingForAlertmanager, startPrivateAlertmanager, 60_000);
}
