/**
 * What stands in the way of an apply, as named blockers. Only the running labs can be
 * overridden (with `force` and a reason): a store, Secret or inventory that changed since
 * the plan makes the plan itself wrong, and a lock held by someone else means another
 * change is under way.
 */
import { LockHeldError, messageOf } from '../../errors.js';
import type { Blocker, PlanDocument, RotationContext } from './model.js';

/** How many users a blocker names before it only counts. */
const NAMED = 10;

/** Which checks beyond the running labs to make. */
export interface BlockerChecks {
  /** Compare the store, Secret and inventory with the plan. */
  plan?: PlanDocument;
  /** Try the lock (taken and released at once); off while this run holds it. */
  probeLock: boolean;
}

/** Every blocker of an apply right now, in a fixed order. */
export async function findBlockers(
  ctx: RotationContext,
  checks: BlockerChecks,
): Promise<Blocker[]> {
  const blockers: Blocker[] = [];
  blockers.push(...(await activeServerBlockers(ctx)));
  if (checks.plan) blockers.push(...(await driftBlockers(ctx, checks.plan)));
  if (checks.probeLock) {
    try {
      const handle = await ctx.publication.lock.acquire(`${ctx.actor} (rotate check)`, 30);
      await handle.release();
    } catch (error) {
      if (!(error instanceof LockHeldError)) throw error;
      blockers.push({ code: 'LOCK_HELD', message: error.message, forceable: false });
    }
  }
  return blockers;
}

/** Running or starting labs, which lose their connection when the proxy switches CAs. */
export async function activeServerBlockers(ctx: RotationContext): Promise<Blocker[]> {
  if (!ctx.activeServers) {
    return [
      {
        code: 'ACTIVE_SERVERS_UNKNOWN',
        message:
          'HUB_API is not set, so running labs cannot be seen; set HUB_API and HUB_API_TOKEN',
        forceable: true,
      },
    ];
  }
  let servers: Awaited<ReturnType<typeof ctx.activeServers.list>>;
  try {
    servers = await ctx.activeServers.list();
  } catch (error) {
    return [{ code: 'ACTIVE_SERVERS_UNKNOWN', message: messageOf(error), forceable: true }];
  }
  if (servers.length === 0) return [];
  const names = servers.map((s) => (s.server ? `${s.user}/${s.server}` : s.user));
  const shown = names.slice(0, NAMED).join(', ') + (names.length > NAMED ? ', …' : '');
  return [
    {
      code: 'ACTIVE_SERVERS',
      message:
        `${servers.length} lab server(s) are running or starting (${shown}); they ` +
        `trust only the old CAs and lose their connection when the proxy switches`,
      forceable: true,
    },
  ];
}

async function driftBlockers(ctx: RotationContext, plan: PlanDocument): Promise<Blocker[]> {
  const blockers: Blocker[] = [];
  const same = (a: readonly string[], b: readonly string[]) => a.join('\n') === b.join('\n');
  if (
    plan.secret.ref !== ctx.publication.secret.ref ||
    !same(
      plan.consumers,
      ctx.consumers.map((c) => c.ref),
    ) ||
    !same(plan.restart, ctx.restart)
  ) {
    blockers.push({
      code: 'SETTINGS_CHANGED',
      message:
        `the Secret, consumers or restart settings differ from those of plan ` +
        `${plan.id}; use the plan's settings, or discard it and plan again`,
      forceable: false,
    });
  }
  const stored = await ctx.store.read();
  if (stored?.version !== plan.store.version) {
    blockers.push({
      code: 'STORE_CHANGED',
      message:
        `${ctx.store.ref} changed since plan ${plan.id} (version ` +
        `${stored?.version ?? 'none'}, planned from ${plan.store.version}); discard the plan ` +
        `and plan again`,
      forceable: false,
    });
  }
  const published = await ctx.publication.secret.read();
  if (published?.version !== plan.secret.version) {
    blockers.push({
      code: 'SECRET_CHANGED',
      message:
        `Secret ${ctx.publication.secret.ref} changed since plan ${plan.id}; discard ` +
        `the plan and plan again`,
      forceable: false,
    });
  }
  const accepted = ctx.inventory && (await ctx.inventory.read());
  if (accepted && accepted.inventory.revision !== plan.inventoryRevision) {
    blockers.push({
      code: 'INVENTORY_CHANGED',
      message:
        `the inventory is at revision ${accepted.inventory.revision}, the plan's ` +
        `leaves were made for ${plan.inventoryRevision}; discard the plan and plan again`,
      forceable: false,
    });
  }
  return blockers;
}
