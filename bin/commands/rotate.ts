/** `hubcerts rotate plan|apply|status|rollback|discard`: the guarded, resumable CA rotation. */
import { UsageError } from '../../lib/errors.js';
import {
  ACTIONS,
  type RotationAction,
  type RotationRequest,
  type RotationResult,
  runRotation,
} from '../../lib/workflows/rotate/index.js';
import { openRotation } from '../../lib/workflows/rotate/open.js';
import type { CommandSpec } from '../args.js';
import { backendOptions, type CommandContext, whoAmI } from '../context.js';
import { rotationText } from '../output/rotate-text.js';

export const spec: CommandSpec = {
  usage:
    'hubcerts rotate plan|apply|status|rollback|discard --store URI --secret URI [--plan-id ID]\n' +
    '                        [--confirm TEXT] [--approved-by NAME] [--reason TEXT] [--force]',
  summary:
    'Replaces the CA set in steps that can be reviewed, resumed and undone.\n' +
    '  plan      make a new CA set and proxy leaves and keep them as the pending plan; shows\n' +
    '            what will change and what blocks it (running labs, a held lock)\n' +
    '  apply     carry out the plan: needs --plan-id, --confirm "rotate <secret ref>" and\n' +
    '            --approved-by; run it again to resume after a failure\n' +
    '  status    the plan, the journal of the last rotation, the steps left, the blockers\n' +
    '  rollback  put the old CA set, Secret and bundle copies back; needs --plan-id and\n' +
    '            --confirm "rollback <secret ref>"; works from any step and after completion\n' +
    '  discard   drop the pending plan (--plan-id) so a new one can be made\n' +
    'Exit status: 0 done, 1 refused by a guard (nothing changed), 2 failed (the journal\n' +
    'keeps the progress), 64 bad usage.',
  settings: [
    'store',
    'secret',
    'inventory',
    'restart',
    'consumers',
    'probe',
    'hub-api',
    'hub-api-token',
    'rotation-two-person',
    'alerts',
    'hub',
    'key-type',
    'ca-days',
    'leaf-days',
    'certipy-prefix',
    'rollout-timeout',
  ],
  flags: {
    'plan-id': { type: 'string', help: 'the plan to apply, roll back or discard' },
    confirm: { type: 'string', help: 'the typed confirmation: "rotate <secret ref>" to apply' },
    'approved-by': {
      type: 'string',
      help: 'who approved the rotation (apply) or asks for rollback',
    },
    'planned-by': { type: 'string', help: 'who plans (default: your user name)' },
    reason: { type: 'string', help: 'why; kept in the journal and required with --force' },
    force: { type: 'boolean', help: 'apply although labs are running (needs --reason)' },
  },
};

export async function run(ctx: CommandContext): Promise<number> {
  const { parsed, settings, log } = ctx;
  const [action, ...extra] = parsed.positionals;
  if (action === undefined || !(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`rotate needs one of ${ACTIONS.join(', ')}; see hubcerts rotate --help`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const flags = parsed.flags;
  const text = (name: string) =>
    typeof flags[name] === 'string' ? (flags[name] as string) : undefined;
  const request: RotationRequest = {
    action: action as RotationAction,
    planId: text('plan-id'),
    confirm: text('confirm'),
    approvedBy: text('approved-by'),
    plannedBy: text('planned-by') ?? whoAmI().split('@')[0],
    reason: text('reason'),
    force: flags.force === true,
  };

  const rotation = await openRotation(settings, {
    backends: backendOptions(ctx),
    actor: whoAmI(),
    log,
    now: () => ctx.io.now(),
  });
  const result: RotationResult = await runRotation(request, rotation);
  ctx.io.stdout(ctx.json ? `${JSON.stringify(result, null, 2)}\n` : rotationText(result));
  return 0;
}
