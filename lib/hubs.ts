/**
 * The hubs one configuration looks after. Most deployments have one, described by the
 * top-level settings; a site with several lists them in the `hubs` setting as JSON, each
 * entry overriding the references of the top level.
 */

import type { Settings } from './config.js';
import { ConfigError } from './errors.js';

export interface HubConfig {
  name: string;
  store?: string;
  secret?: string;
  inventory?: string;
  restart: string[];
  probes: string[];
  /** Fleet sources: `k8s:NAMESPACE?labelSelector=…` or `file:./secrets.json`. */
  fleet: string[];
}

const FIELDS = ['name', 'store', 'secret', 'inventory', 'restart', 'probes', 'fleet'];
const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The hubs of `settings`: the `hubs` list when given, else one hub from the top level. */
export function hubsOf(settings: Settings): HubConfig[] {
  const base: HubConfig = {
    name: settings.hub,
    store: settings.store,
    secret: settings.secret,
    inventory: settings.inventory,
    restart: settings.restart,
    probes: settings.probe,
    fleet: settings.fleet,
  };
  if (!settings.hubs) return [base];
  let parsed: unknown;
  try {
    parsed = JSON.parse(settings.hubs);
  } catch (error) {
    throw new ConfigError('HUBCERTS_HUBS is not valid JSON', { cause: error });
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ConfigError('HUBCERTS_HUBS must be a non-empty JSON list of hubs');
  }
  const hubs = parsed.map((entry, index) => hubEntry(entry, index, base));
  const names = hubs.map((h) => h.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new ConfigError(`HUBCERTS_HUBS lists hub ${JSON.stringify(repeated)} twice`);
  return hubs;
}

function hubEntry(entry: unknown, index: number, base: HubConfig): HubConfig {
  const where = `HUBCERTS_HUBS[${index}]`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new ConfigError(`${where} is not an object`);
  }
  const record = entry as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !FIELDS.includes(key));
  if (unknown) throw new ConfigError(`${where} has an unknown field ${JSON.stringify(unknown)}`);
  const text = (key: string) => {
    const value = record[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '')
      throw new ConfigError(`${where}.${key} must be a non-empty string`);
    return value;
  };
  const list = (key: string, fallback: string[]) => {
    const value = record[key];
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw new ConfigError(`${where}.${key} must be a list of strings`);
    }
    return value as string[];
  };
  const name = text('name');
  if (!name || !NAME.test(name))
    throw new ConfigError(`${where}.name must be a DNS label such as "jupyter-jsc"`);
  return {
    name,
    store: text('store') ?? base.store,
    secret: text('secret') ?? base.secret,
    inventory: text('inventory') ?? base.inventory,
    restart: list('restart', base.restart),
    probes: list('probes', []),
    fleet: list('fleet', []),
  };
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the input order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
