/**
 * The one place where a reference's scheme picks a backend. Workflows only see the
 * interfaces of `store/types.ts` and `cluster/types.ts`; client libraries for Vault and the
 * cluster are loaded only when a reference needs them.
 */
import { FileLock, FileSecret } from './cluster/file.js';
import type { HubLock, SecretTarget, Workloads } from './cluster/types.js';
import { ConfigError } from './errors.js';
import type { Logger } from './log.js';
import { DirStore } from './store/dir.js';
import { FileInventory } from './store/inventory-file.js';
import { TgzStore } from './store/tgz.js';
import type { CaStore, InventorySource } from './store/types.js';

/** A parsed reference: `dir:./ca_certs` → { scheme: 'dir', rest: './ca_certs' }. */
export function parseRef(ref: string, setting: string): { scheme: string; rest: string } {
  const match = /^([a-z0-9-]+):(.+)$/.exec(ref);
  if (!match) {
    throw new ConfigError(`${setting} ${JSON.stringify(ref)} is not of the form scheme:location`);
  }
  return { scheme: match[1]!, rest: match[2]! };
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
    case 'dir':
      return new DirStore(rest);
    case 'tgz':
      return new TgzStore(rest);
    default:
      throw unknownScheme('--store', ref, ['dir', 'tgz']);
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
    case 'file':
      return { secret: new FileSecret(rest), lock: new FileLock(`${rest}.lock`) };
    default:
      throw unknownScheme('--secret', ref, ['file']);
  }
}

export async function openInventory(ref: string, options = defaults()): Promise<InventorySource> {
  const { scheme, rest } = parseRef(ref, '--inventory');
  switch (scheme) {
    case 'file':
      return new FileInventory(rest);
    default:
      throw unknownScheme('--inventory', ref, ['file']);
  }
}

function unknownScheme(setting: string, ref: string, known: string[]): ConfigError {
  const list = known.map((s) => `${s}:`).join(', ');
  return new ConfigError(
    `${setting} ${JSON.stringify(ref)} has an unknown scheme; use one of ${list}`,
  );
}
