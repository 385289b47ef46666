/**
 * What every command gets: its streams, the environment, a clock, and the helpers that
 * turn settings into backends. Commands never touch process globals directly, so tests can
 * run them in-process.
 */
import { hostname, userInfo } from 'node:os';
import { type BackendOptions, openInventory, openPublication, openStore } from '../lib/backends.js';
import type { Inventory } from '../lib/certset/inventory.js';
import { loadSettings, type Settings } from '../lib/config.js';
import { UsageError } from '../lib/errors.js';
import { type Logger, textLogger } from '../lib/log.js';
import type { Parsed } from './args.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  now(): Date;
}

export interface CommandContext {
  io: Io;
  parsed: Parsed;
  settings: Settings;
  log: Logger;
  json: boolean;
}

export async function makeContext(io: Io, parsed: Parsed): Promise<CommandContext> {
  // Loaded on demand like the commands; the SDK itself loads only when a secret is read.
  const [{ resolveSecretReference, setSecretFetcher }, { sdkSecretFetcher }] = await Promise.all([
    import('../lib/credentials/resolve.js'),
    import('../lib/credentials/sdk.js'),
  ]);
  setSecretFetcher(sdkSecretFetcher());
  const settings = await loadSettings(io.env, parsed.settingFlags, resolveSecretReference);
  return { io, parsed, settings, log: textLogger(io.stderr), json: parsed.flags.json === true };
}

/** The value of a required setting, or a usage error naming its flag. */
export function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`needs --${flag}`);
  return value;
}

const optionsOf = new WeakMap<CommandContext, BackendOptions>();

/**
 * Backend options from the command's environment and settings, one object per command, so
 * that the backends it opens share their clients (one Vault login for store and inventory).
 */
export function backendOptions(ctx: CommandContext): BackendOptions {
  let options = optionsOf.get(ctx);
  if (options === undefined) {
    options = { env: ctx.io.env, kubeconfig: ctx.settings.kubeconfig, log: ctx.log };
    optionsOf.set(ctx, options);
  }
  return options;
}

export const open = {
  store: (ctx: CommandContext, ref: string) => openStore(ref, backendOptions(ctx)),
  publication: (ctx: CommandContext, ref: string) => openPublication(ref, backendOptions(ctx)),
  async inventory(ctx: CommandContext, ref: string): Promise<Inventory> {
    const source = await openInventory(ref, backendOptions(ctx));
    const read = await source.read();
    if (!read) throw new UsageError(`inventory ${ref} does not exist`);
    return read.inventory;
  },
};

/** Who runs this command, for audit records and lock holders. */
export function whoAmI(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // Some containers run as a user id without a passwd entry; the id still identifies it.
    user = String(process.getuid?.() ?? 'unknown');
  }
  return `${user}@${hostname()}/${process.pid}`;
}
