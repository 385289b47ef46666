/** `hubcerts reissue`: a new proxy-client for the inventory's names, verified and published. */
import { UsageError } from '../../lib/errors.js';
import { loadX509 } from '../../lib/pki/issue.js';
import { type GeneratedKey, generateKey, takeEarlyKey } from '../../lib/pki/keys.js';
import { runReissue } from '../../lib/workflows/reissue/index.js';
import type { CommandSpec } from '../args.js';
import { type CommandContext, open, required, whoAmI } from '../context.js';

export const spec: CommandSpec = {
  usage:
    'hubcerts reissue --store URI --secret URI --inventory URI [--dry-run] [--allow-removal]\n' +
    '                        [--force] [--restart deployment/NAME ...]',
  summary:
    'Derives the SAN list from the inventory and, when the proxy-client certificate in the\n' +
    'Secret does not name exactly those (or is due for renewal), issues a new one from the\n' +
    "store's proxy-client-ca, verifies it and writes the Secret. An identical inventory is a\n" +
    'no-op. Exit status: 0 done or nothing to do, 1 refused by a guard, 2 failed, 64 bad input.',
  settings: [
    'store',
    'secret',
    'inventory',
    'restart',
    'key-type',
    'leaf-days',
    'renew-days',
    'certipy-prefix',
    'max-removal-share',
    'rollout-timeout',
  ],
  flags: {
    'dry-run': { type: 'boolean', help: 'print the SAN changes and write nothing' },
    'allow-removal': { type: 'boolean', help: 'allow a change that drops names' },
    force: { type: 'boolean', help: 'allow dropping more than --max-removal-share of the names' },
    'lock-wait': { type: 'string', help: 'seconds to wait for a lock held by another change [60]' },
  },
};

export async function run(ctx: CommandContext): Promise<number> {
  const { settings, parsed, log } = ctx;
  const flags = parsed.flags;
  if (parsed.positionals.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
  const dryRun = flags['dry-run'] === true;
  const lockWait = Number(flags['lock-wait'] ?? 60);
  if (!Number.isFinite(lockWait) || lockWait < 0)
    throw new UsageError('--lock-wait must be a number of seconds');

  // Start the key and the certificate library now: both take a while and overlap the reads.
  let key: Promise<GeneratedKey> | undefined;
  if (!dryRun) {
    key = takeEarlyKey(settings.keyType) ?? generateKey(settings.keyType);
    key.catch(() => {});
    loadX509().catch(() => {});
  }
  const store = await open.store(ctx, required(settings.store, 'store'));
  const publication = await open.publication(ctx, required(settings.secret, 'secret'));
  const inventory = await open.inventory(ctx, required(settings.inventory, 'inventory'));
  if (settings.restart.length > 0 && !publication.workloads) {
    throw new UsageError(`--restart needs a cluster Secret (k8s:), not ${publication.secret.ref}`);
  }
  const result = await runReissue(
    {
      inventory,
      dryRun,
      allowRemoval: flags['allow-removal'] === true,
      force: flags.force === true,
      who: whoAmI(),
    },
    {
      ...settings,
      store,
      publication,
      lockWaitMs: lockWait * 1000,
      rolloutWaitMs: settings.rolloutTimeout * 1000,
      log,
      now: () => ctx.io.now(),
      key,
    },
  );
  if (ctx.json) {
    ctx.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  const changes = [...result.added.map((s) => `+ ${s}`), ...result.removed.map((s) => `- ${s}`)];
  if (changes.length > 0) ctx.io.stdout(`${changes.join('\n')}\n`);
  ctx.io.stdout(
    `${result.message}${result.fingerprint ? ` (SHA-256 ${result.fingerprint})` : ''}\n`,
  );
  return 0;
}
