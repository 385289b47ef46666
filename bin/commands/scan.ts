/**
 * `hubcerts scan`: every certificate in the store and the Secret, checked; monitoring exit codes.
 */
import { openInventory, openPublication, openStore } from '../../lib/backends.js';
import { UsageError } from '../../lib/errors.js';
import { runScan } from '../../lib/workflows/scan/index.js';
import type { CommandSpec } from '../args.js';
import { backendOptions, type CommandContext } from '../context.js';
import { renderPrometheus } from '../output/prometheus.js';
import { renderScanTable } from '../output/scan-text.js';

export const spec: CommandSpec = {
  usage:
    'hubcerts scan --store URI [--secret URI] [--inventory URI] [--probe HOST:PORT ...]\n' +
    '                     [--json | --prometheus] [--warn-days N] [--critical-days N]',
  summary:
    'Reports expiry, SAN drift against the inventory, key mismatches, broken chains, stale\n' +
    'trust bundles, legacy material and store/Secret divergence. Exit status: 0 OK,\n' +
    '1 WARNING, 2 CRITICAL, 3 UNKNOWN (a source could not be read).',
  settings: [
    'store',
    'secret',
    'inventory',
    'probe',
    'warn-days',
    'critical-days',
    'ca-warn-days',
    'ca-critical-days',
  ],
  flags: {
    prometheus: { type: 'boolean', help: 'print Prometheus text format (textfile collector)' },
  },
};

const EXIT = { ok: 0, warning: 1, critical: 2, unknown: 3 };

export async function run(ctx: CommandContext): Promise<number> {
  const { settings, parsed } = ctx;
  if (ctx.json && parsed.flags.prometheus)
    throw new UsageError('choose --json or --prometheus, not both');
  if (parsed.positionals.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
  if (!settings.store && !settings.secret) throw new UsageError('needs --store, --secret or both');
  const report = await runScan(
    {
      store: settings.store ? await openStore(settings.store, backendOptions(ctx)) : undefined,
      secret: settings.secret
        ? (await openPublication(settings.secret, backendOptions(ctx))).secret
        : undefined,
      inventory: settings.inventory
        ? await openInventory(settings.inventory, backendOptions(ctx))
        : undefined,
      probes: settings.probe,
    },
    { ...settings, now: ctx.io.now() },
  );
  if (ctx.json) ctx.io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else if (parsed.flags.prometheus) ctx.io.stdout(renderPrometheus(report));
  else ctx.io.stdout(renderScanTable(report));
  return EXIT[report.status];
}
