/**
 * The settings of design section 4.2, read once from the environment (`HUBCERTS_<NAME>`)
 * and, in the CLI, from flags (`--<name>`), flags winning. One table drives parsing, the
 * CLI's flags and its help text, so they cannot disagree.
 */
import { ConfigError } from './errors.js';
import { DEFAULT_KEY_SPEC, type KeySpec, parseKeySpec } from './pki/keys.js';

type Kind = 'string' | 'list' | 'count' | 'number' | 'key' | 'boolean';

interface SettingSpec {
  kind: Kind;
  help: string;
  default?: string;
  /** Secret values: never printed, resolved from Secrets Manager when `aws-sm:` is given. */
  secret?: boolean;
}

/** Every setting, keyed by its flag name; the variable is `HUBCERTS_` + upper snake case. */
export const SETTINGS = {
  store: { kind: 'string', help: 'where the CA set lives (dir:, tgz:, vault:)' },
  secret: { kind: 'string', help: 'where the flattened set is published (file:, k8s:)' },
  inventory: { kind: 'string', help: 'the accepted login-node inventory (file:, vault:)' },
  restart: { kind: 'list', help: 'workloads to restart after the Secret changes' },
  'webhook-secret': { kind: 'list', help: 'HMAC key(s) of the inventory webhook', secret: true },
  'webhook-allow-removal': {
    kind: 'string',
    default: 'off',
    help: 'on: a signed inventory webhook may drop names (the share limit still applies)',
  },
  alerts: { kind: 'list', help: 'alert sink URLs (chat or JSON webhooks)' },
  'alert-ok': {
    kind: 'boolean',
    default: 'false',
    help: 'alert also when a scan is ok (true or false), for a daily all-clear',
  },
  'warn-days': { kind: 'count', default: '30', help: 'leaf warning threshold in days' },
  'critical-days': { kind: 'count', default: '7', help: 'leaf critical threshold in days' },
  'ca-warn-days': { kind: 'count', default: '365', help: 'CA warning threshold in days' },
  'ca-critical-days': { kind: 'count', default: '90', help: 'CA critical threshold in days' },
  'hub-api': { kind: 'string', help: 'JupyterHub REST API URL (active servers)' },
  'hub-api-token': { kind: 'string', help: 'token for the JupyterHub REST API', secret: true },
  kubeconfig: {
    kind: 'string',
    help: 'kubeconfig document for k8s: (else KUBECONFIG or in-cluster)',
    secret: true,
  },
  'key-type': { kind: 'key', default: DEFAULT_KEY_SPEC, help: 'key type of new material' },
  'leaf-days': { kind: 'count', default: '365', help: 'lifetime of new leaves in days' },
  'ca-days': { kind: 'count', default: '1826', help: 'lifetime of new CAs in days' },
  'renew-days': {
    kind: 'count',
    default: '30',
    help: 'reissue a leaf that has fewer days left than this',
  },
  'certipy-prefix': {
    kind: 'string',
    default: 'internal-ssl',
    help: 'folder the hub unpacks the Secret into (certipy.json paths)',
  },
  'max-removal-share': {
    kind: 'number',
    default: '0.2',
    help: 'share of names a change may drop without force',
  },
  'rollout-timeout': { kind: 'count', default: '300', help: 'seconds to wait for a rollout' },
  hub: { kind: 'string', default: 'default', help: 'name of the hub (logs, alerts, metrics)' },
  hubs: { kind: 'string', help: 'several hubs as a JSON list (see README, "Several hubs")' },
  probe: { kind: 'list', help: 'live endpoints HOST:PORT that should serve the proxy-client' },
  fleet: { kind: 'list', help: 'fleet sources: k8s:NS?labelSelector=… or file:./secrets.json' },
  'scan-concurrency': { kind: 'count', default: '4', help: 'hubs scanned at the same time' },
  consumers: {
    kind: 'list',
    help: 'trust-bundle copies a CA rotation updates: NS/KIND/NAME#KEY or file:PATH#CA',
  },
  'rotation-two-person': {
    kind: 'string',
    default: 'off',
    help: 'on: a CA rotation must be approved by someone other than who planned it',
  },
  renew: {
    kind: 'string',
    default: 'off',
    help: 'on: the scheduled scan reissues a due or drifted proxy leaf itself',
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

export interface Settings {
  store?: string;
  secret?: string;
  inventory?: string;
  restart: string[];
  webhookSecret: string[];
  webhookAllowRemoval: boolean;
  alerts: string[];
  alertOk: boolean;
  warnDays: number;
  criticalDays: number;
  caWarnDays: number;
  caCriticalDays: number;
  hubApi?: string;
  hubApiToken?: string;
  kubeconfig?: string;
  keyType: KeySpec;
  leafDays: number;
  caDays: number;
  renewDays: number;
  certipyPrefix: string;
  maxRemovalShare: number;
  rolloutTimeout: number;
  hub: string;
  hubs?: string;
  probe: string[];
  fleet: string[];
  scanConcurrency: number;
  consumers: string[];
  rotationTwoPerson: boolean;
  renew: boolean;
}

/** `HUBCERTS_WARN_DAYS` for `warn-days`. */
export function envName(name: SettingName): string {
  return `HUBCERTS_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** Resolves an `aws-sm:` reference to its value; injected so tests need no AWS. */
export type SecretResolver = (reference: string, setting: string) => Promise<string>;

/**
 * Reads every setting: `flags` (already split by the CLI) over `env`. Values of the form
 * `aws-sm:<id>[#field]` are resolved through `resolve`. Errors name the setting, never the
 * value, since a value may be a secret.
 */
export async function loadSettings(
  env: Record<string, string | undefined>,
  flags: Partial<Record<SettingName, string | string[]>> = {},
  resolve?: SecretResolver,
): Promise<Settings> {
  const raw = {} as Record<SettingName, string[] | undefined>;
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const flag = flags[name];
    const fromEnv = env[envName(name)];
    const values =
      flag !== undefined ? [flag].flat() : fromEnv !== undefined ? [fromEnv] : undefined;
    raw[name] = values && (await Promise.all(values.map((v) => resolveValue(name, v, resolve))));
  }
  const one = (name: SettingName) => raw[name]?.at(-1) ?? defaultOf(name);
  const list = (name: SettingName) => (raw[name] ?? []).flatMap(splitList);
  const settings: Settings = {
    store: one('store'),
    secret: one('secret'),
    inventory: one('inventory'),
    restart: list('restart'),
    webhookSecret: list('webhook-secret'),
    webhookAllowRemoval: onOff('webhook-allow-removal', one('webhook-allow-removal')),
    alerts: list('alerts'),
    alertOk: boolean('alert-ok', one('alert-ok')),
    warnDays: count('warn-days', one('warn-days')),
    criticalDays: count('critical-days', one('critical-days')),
    caWarnDays: count('ca-warn-days', one('ca-warn-days')),
    caCriticalDays: count('ca-critical-days', one('ca-critical-days')),
    hubApi: one('hub-api'),
    hubApiToken: one('hub-api-token'),
    kubeconfig: one('kubeconfig'),
    keyType: parseKeySpec(one('key-type') ?? DEFAULT_KEY_SPEC, envName('key-type')),
    leafDays: count('leaf-days', one('leaf-days')),
    caDays: count('ca-days', one('ca-days')),
    renewDays: count('renew-days', one('renew-days')),
    certipyPrefix: one('certipy-prefix') ?? 'internal-ssl',
    maxRemovalShare: share(one('max-removal-share')),
    rolloutTimeout: count('rollout-timeout', one('rollout-timeout')),
    hub: one('hub') ?? 'default',
    hubs: one('hubs'),
    probe: list('probe'),
    fleet: list('fleet'),
    scanConcurrency: Math.max(1, count('scan-concurrency', one('scan-concurrency'))),
    consumers: list('consumers'),
    rotationTwoPerson: onOff('rotation-two-person', one('rotation-two-person')),
    renew: onOff('renew', one('renew')),
  };
  if (settings.criticalDays > settings.warnDays) {
    throw new ConfigError('critical-days must not be larger than warn-days');
  }
  if (settings.caCriticalDays > settings.caWarnDays) {
    throw new ConfigError('ca-critical-days must not be larger than ca-warn-days');
  }
  return settings;
}

function defaultOf(name: SettingName): string | undefined {
  return (SETTINGS[name] as SettingSpec).default;
}

async function resolveValue(name: SettingName, value: string, resolve?: SecretResolver) {
  if (!value.startsWith('aws-sm:')) return value;
  if (!resolve)
    throw new ConfigError(
      `${envName(name)} refers to Secrets Manager, which is not available here`,
    );
  return resolve(value, envName(name));
}

/** Lists are comma- or whitespace-separated in one variable, or repeated flags. */
function splitList(value: string): string[] {
  return value.split(/[\s,]+/).filter(Boolean);
}

/** A whole number of days, seconds or hubs. */
function count(name: SettingName, value: string | undefined): number {
  const number = Number(value);
  if (value === undefined || !/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) {
    throw new ConfigError(`--${name} must be a whole number, not ${JSON.stringify(value)}`);
  }
  return number;
}

function onOff(name: SettingName, value: string | undefined): boolean {
  if (value === undefined || value === 'off' || value === 'false') return false;
  if (value === 'on' || value === 'true') return true;
  throw new ConfigError(`--${name} must be on or off, not ${JSON.stringify(value)}`);
}

function boolean(name: SettingName, value: string | undefined): boolean {
  const word = value?.trim().toLowerCase();
  if (word === 'true' || word === '1') return true;
  if (word === 'false' || word === '0') return false;
  throw new ConfigError(`--${name} must be true, false, 1 or 0, not ${JSON.stringify(value)}`);
}

function share(value: string | undefined): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 1) {
    throw new ConfigError(
      `--max-removal-share must be a number from 0 to 1, not ${JSON.stringify(value)}`,
    );
  }
  return number;
}
