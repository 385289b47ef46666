/**
 * The rotation's backends from the settings, for both adapters (CLI and function): the
 * store, the Secret with its lock and workloads, the inventory, the bundle copies and the
 * JupyterHub API. Opened the same way for both, so the two cannot drift apart.
 */
import {
  type BackendOptions,
  openConsumers,
  openInventory,
  openPublication,
  openStore,
} from '../../backends.js';
import { JupyterHubApi } from '../../cluster/hub-api.js';
import type { Settings } from '../../config.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { RotationContext } from './model.js';

/** What the adapter adds to the settings. */
export interface OpenOptions {
  backends: BackendOptions;
  actor: string;
  log: Logger;
  now: () => Date;
}

/** A rotation context for the hub the settings describe. */
export async function openRotation(
  settings: Settings,
  options: OpenOptions,
): Promise<RotationContext> {
  if (!settings.store) throw new ConfigError('rotate needs --store (HUBCERTS_STORE)');
  if (!settings.secret) throw new ConfigError('rotate needs --secret (HUBCERTS_SECRET)');
  const publication = await openPublication(settings.secret, options.backends);
  if (settings.restart.length > 0 && !publication.workloads) {
    throw new ConfigError(
      `--restart needs a cluster Secret (k8s:), not ${settings.secret}; restart the proxy ` +
        `and hub yourself`,
    );
  }
  return {
    store: await openStore(settings.store, options.backends),
    publication,
    inventory: settings.inventory
      ? await openInventory(settings.inventory, options.backends)
      : undefined,
    consumers: await openConsumers(settings.consumers, options.backends),
    // An empty HUB_API (a blank deployment parameter) counts as not set.
    activeServers: settings.hubApi
      ? new JupyterHubApi(settings.hubApi, settings.hubApiToken || undefined)
      : undefined,
    keyType: settings.keyType,
    caDays: settings.caDays,
    leafDays: settings.leafDays,
    certipyPrefix: settings.certipyPrefix,
    restart: settings.restart,
    probes: settings.probe,
    twoPerson: settings.rotationTwoPerson,
    rolloutWaitMs: settings.rolloutTimeout * 1000,
    hub: settings.hub,
    alerts: settings.alerts,
    actor: options.actor,
    log: options.log,
    now: options.now,
  };
}
