/**
 * `rotate plan`: a complete new CA set and new proxy leaves, made and verified now and kept
 * as the pending plan in the store, create-only, so there is one plan at a time. Nothing
 * the hub uses is touched. The result shows what an apply would change and what stands in
 * its way today.
 */
import { createCaSet, issueLeafFrom } from '../../certset/caset.js';
import { inventorySans } from '../../certset/inventory.js';
import type { Leaves } from '../../certset/model.js';
import { fromSecretData } from '../../certset/secret.js';
import { assertConsistent } from '../../certset/validate.js';
import { ConflictError, GuardRefusal } from '../../errors.js';
import { desiredSans } from '../../pki/names.js';
import { verifyNewLeaf } from '../reissue/verify.js';
import { findBlockers } from './blockers.js';
import { JOURNAL_DOC, PLAN_DOC, readDoc, writeDoc } from './documents.js';
import { caFingerprints, carries, planIdOf, sideOf } from './facts.js';
import { applyConfirmation } from './guard.js';
import type { Blocker, PlanDocument, RotationContext, RotationRequest } from './model.js';
import { type PlanSummary, summarisePlan } from './summary.js';

/** What a plan hands back: the plan without keys, its blockers, the next command. */
export interface PlanResult {
  outcome: 'planned';
  plan: PlanSummary;
  blockers: Blocker[];
  /** The command that applies this plan, with the approver left to fill in. */
  next: string;
  message: string;
}

/** Makes and keeps a new plan, refusing while another is pending. */
export async function runPlan(request: RotationRequest, ctx: RotationContext): Promise<PlanResult> {
  const secretRef = ctx.publication.secret.ref;
  await refuseWhileBusy(ctx);

  // The state the plan starts from; every reference must be there and agree.
  const stored = await ctx.store.read();
  if (!stored)
    throw new GuardRefusal('NO_CA_SET', `${ctx.store.ref} holds no CA set; run hubcerts init`);
  const published = await ctx.publication.secret.read();
  if (!published) {
    throw new GuardRefusal(
      'NO_SECRET',
      `Secret ${secretRef} does not exist; run hubcerts reissue first`,
    );
  }
  const current = fromSecretData(published.data, secretRef);
  if (!carries(current.caSet, caFingerprints(stored.set))) {
    throw new GuardRefusal(
      'SECRET_STORE_DIVERGED',
      `Secret ${secretRef} holds other CAs than ${ctx.store.ref}; bring them together before ` +
        `planning a rotation`,
    );
  }
  const accepted = await ctx.inventory?.read();
  if (!accepted) {
    throw new GuardRefusal(
      'NO_INVENTORY',
      'a plan needs the inventory (--inventory) for the SANs of the new leaves',
    );
  }
  const inventory = accepted.inventory;

  // The new material, verified before it is kept.
  const now = ctx.now();
  const set = await createCaSet({ keySpec: ctx.keyType, caDays: ctx.caDays, now });
  const options = { keySpec: ctx.keyType, days: ctx.leafDays, now };
  const clientSans = inventorySans(inventory);
  const apiSans = desiredSans(inventory.names, []);
  const leaves: Leaves = {
    'proxy-api': await issueLeafFrom(set, 'proxy-api', apiSans, options),
    'proxy-client': await issueLeafFrom(set, 'proxy-client', clientSans, options),
  };
  assertConsistent(set, leaves, 'the planned CA set');
  verifyNewLeaf(
    'proxy-client',
    leaves['proxy-client'],
    set.cas['proxy-client-ca'].cert,
    clientSans,
    ctx.leafDays,
  );
  verifyNewLeaf(
    'proxy-api',
    leaves['proxy-api'],
    set.cas['proxy-api-ca'].cert,
    apiSans,
    ctx.leafDays,
  );

  const next = sideOf(set, leaves['proxy-client'].cert);
  const plan: PlanDocument = {
    kind: 'hubcerts/rotation-plan',
    id: planIdOf(stored.version, next.cas, inventory.revision),
    hub: ctx.hub,
    createdAt: now.toISOString(),
    plannedBy: request.plannedBy?.trim() || ctx.actor,
    plannedOn: ctx.actor,
    ...(request.reason ? { reason: request.reason } : {}),
    store: { ref: ctx.store.ref, version: stored.version },
    secret: { ref: secretRef, version: published.version },
    inventoryRevision: inventory.revision,
    consumers: ctx.consumers.map((c) => c.ref),
    restart: [...ctx.restart],
    old: sideOf(stored.set, current.leaves['proxy-client'].cert),
    pending: { set, leaves },
  };
  try {
    await writeDoc(ctx.store, PLAN_DOC, plan, null);
  } catch (error) {
    // Another planner won the race for the one plan slot.
    if (error instanceof ConflictError) await refuseWhileBusy(ctx);
    throw error;
  }

  const blockers = await findBlockers(ctx, { probeLock: true });
  ctx.log.info('rotation planned', {
    planId: plan.id,
    plannedBy: plan.plannedBy,
    reason: plan.reason,
    storeVersion: stored.version,
    secretVersion: published.version,
    inventoryRevision: inventory.revision,
    newHubCa: next.cas['hub-ca'],
    newProxyClient: next.proxyClient,
    blockers: blockers.map((b) => b.code),
  });
  return {
    outcome: 'planned',
    plan: summarisePlan(plan),
    blockers,
    next:
      `hubcerts rotate apply --plan-id ${plan.id} --confirm ` +
      `"${applyConfirmation(secretRef)}" --approved-by NAME`,
    message:
      blockers.length === 0
        ? `planned rotation ${plan.id}; review it, then apply it`
        : `planned rotation ${plan.id}; ${blockers.length} blocker(s) must clear before it ` +
          `can be applied`,
  };
}

/** One plan at a time, and none while a rotation or rollback is under way. */
async function refuseWhileBusy(ctx: RotationContext): Promise<void> {
  const pending = await readDoc(ctx.store, PLAN_DOC);
  if (pending) {
    const { id, plannedBy, createdAt } = pending.value;
    throw new GuardRefusal(
      'PLAN_PENDING',
      `plan ${id} (by ${plannedBy}, ${createdAt}) is pending; apply it, or discard it first ` +
        `with hubcerts rotate discard --plan-id ${id}`,
    );
  }
  const journal = await readDoc(ctx.store, JOURNAL_DOC);
  if (journal && (journal.value.state === 'applying' || journal.value.state === 'rolling-back')) {
    throw new GuardRefusal(
      'ROTATION_IN_PROGRESS',
      `rotation ${journal.value.planId} is ${journal.value.state}; finish it (apply) or roll ` +
        `it back first`,
    );
  }
}
