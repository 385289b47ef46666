/**
 * The one place where a reference's scheme picks a backend. Workflows only see the
 * interfaces of `store/types.ts` and `cluster/types.ts`; each backend, and the client library
 * or parser it needs (Vault, the cluster, YAML manifests), is loaded only when a reference
 * names it, so that a Lambda function loads what its settings use.
 */
import { parseConsumerRef } from './cluster/consumer-ref.js';
import { FileConsumer } from './cluster/file-consumers.js';
import type { BundleConsumer, HubLock, SecretTarget, Workloads } from './cluster/types.js';
import { ConfigError } from './errors.js';
import type { Logger } from './log.js';
import type { CaStore, InventorySource } from './store/types.js';
import type { FleetSecret } from './workflows/scan/fleet.js';

/** A reference: a scheme, a colon and where (`dir:./ca_certs`). */
const REFERENCE = /^([a-z0-9-]+):(.+)$/;

/** A parsed reference: `dir:./ca_certs` → { scheme: 'dir', rest: './ca_certs' }. */
export function parseRef(ref: string, setting: string): { scheme: string; rest: string } {
  const match = REFERENCE.exec(ref);
  if (!match) {
    throw new ConfigError(`${setting} ${JSON.stringify(ref)} is not of the form scheme:location`);
  }
  return { scheme: match[1]!, rest: match[2]! };
}

/**
 * Starts loading the modules of the backends `refs` name (Vault, the cluster) without waiting
 * for them, so that a cold start loads them while it waits for Secrets Manager. Opening a
 * backend then finds its module loaded; a module that fails to load fails there again.
 */
export function preloadBackends(refs: readonly (string | undefined)[]): void {
  for (const ref of refs) {
    const scheme = REFERENCE.exec(ref ?? '')?.[1];
    if (scheme === 'vault') import('./store/vault.js').catch(() => {});
    if (scheme === 'k8s') import('./cluster/k8s.js').catch(() => {});
  }
}

/** The environment backends read their own conventions from (VAULT_ADDR, KUBECONFIG, …). */
export type Env = Record<string, string | undefined>;

/** What backends need beyond the reference: the environment, and resolved secret settings. */
export interface BackendOptions {
  env: Env;
  /** A kubeconfig document (YAML), e.g. resolved from Secrets Manager. */
  kubeconfig?: string;
  log?: Logger;
}

const defaults = (): BackendOptions => ({ env: process.env });

export async function openStore(ref: string, options = defaults()): Promise<CaStore> {
  const { scheme, rest } = parseRef(ref, '--store');
  switch (scheme) {
    case 'dir': {
      const { DirStore } = await import('./store/dir.js');
      return new DirStore(rest);
    }
    case 'tgz': {
      const { TgzStore } = await import('./store/tgz.js');
      return new TgzStore(rest);
    }
    case 'vault': {
      const { openVaultStore } = await import('./store/vault.js');
      return openVaultStore(rest, options);
    }
    default:
      throw unknownScheme('--store', ref, ['dir', 'tgz', 'vault']);
  }
}

/** Where the Secret goes, with the lock that guards changes to it and its workloads. */
export interface Publication {
  secret: SecretTarget;
  lock: HubLock;
  /** Absent for file targets: there is nothing to restart. */
  workloads?: Workloads;
}

export async function openPublication(ref: string, options = defaults()): Promise<Publication> {
  const { scheme, rest } = parseRef(ref, '--secret');
  switch (scheme) {
    case 'file': {
      const { FileLock, FileSecret } = await import('./cluster/file.js');
      return { secret: new FileSecret(rest), lock: new FileLock(`${rest}.lock`) };
    }
    case 'k8s': {
      const { openK8sPublication } = await import('./cluster/k8s.js');
      return openK8sPublication(rest, options);
    }
    default:
      throw unknownScheme('--secret', ref, ['file', 'k8s']);
  }
}

export async function openInventory(ref: string, options = defaults()): Promise<InventorySource> {
  const { scheme, rest } = parseRef(ref, '--inventory');
  switch (scheme) {
    case 'file': {
      const { FileInventory } = await import('./store/inventory-file.js');
      return new FileInventory(rest);
    }
    case 'vault': {
      const { openVaultInventory } = await import('./store/vault.js');
      return openVaultInventory(rest, options);
    }
    default:
      throw unknownScheme('--inventory', ref, ['file', 'vault']);
  }
}

/** Pages of Secrets for the fleet scan: `file:` a kubectl JSON dump, `k8s:` a live list. */
export async function openFleet(
  ref: string,
  options = defaults(),
): Promise<AsyncIterable<readonly FleetSecret[]>> {
  const { scheme, rest } = parseRef(ref, '--fleet');
  switch (scheme) {
    case 'file': {
      const { fileFleetPages } = await import('./cluster/fleet-file.js');
      return fileFleetPages(rest);
    }
    case 'k8s': {
      // k8s:NAMESPACE?labelSelector=app%3Djupyterhub&limit=500
      const [namespace = '', query = ''] = rest.split('?', 2);
      const params = new URLSearchParams(query);
      const limit = Number(params.get('limit') ?? 500);
      if (
        !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) ||
        !Number.isInteger(limit) ||
        limit < 1
      ) {
        throw new ConfigError(
          `--fleet ${JSON.stringify(ref)} is not k8s:NAMESPACE[?labelSelector=…&limit=N]`,
        );
      }
      const { openK8sFleet } = await import('./cluster/k8s-fleet.js');
      return openK8sFleet(options).listSecrets(namespace, params.get('labelSelector') ?? '', limit);
    }
    default:
      throw unknownScheme('--fleet', ref, ['file', 'k8s']);
  }
}

/**
 * The trust-bundle copies of the `consumers` setting: `file:PATH#CA` on disk, anything else
 * a ConfigMap or Secret in the cluster (`NAMESPACE/KIND/NAME#KEY`). Every entry is parsed
 * before the cluster client is loaded, so a typo is refused without connecting.
 */
export async function openConsumers(
  refs: readonly string[],
  options = defaults(),
): Promise<BundleConsumer[]> {
  const parsed = refs.map(parseConsumerRef);
  const inCluster = parsed.flatMap((p) => (p.kind === 'k8s' ? [p] : []));
  const cluster = inCluster.length > 0 ? await import('./cluster/k8s-consumers.js') : undefined;
  const k8s = cluster ? cluster.openK8sConsumers(inCluster, options) : [];
  return parsed.map((p) =>
    p.kind === 'file' ? new FileConsumer(p.ref, p.path, p.bundle) : k8s[inCluster.indexOf(p)]!,
  );
}

function unknownScheme(setting: string, ref: string, known: string[]): ConfigError {
  const list = known.map((s) => `${s}:`).join(', ');
  return new ConfigError(
    `${setting} ${JSON.stringify(ref)} has an unknown scheme; use one of ${list}`,
  );
}
