/**
 * The reissue workflow (design section 4.3 `reissue`, and the `reissueProxyClient`
 * function): lock, read, decide, guard, issue, verify, publish, release. Written once for
 * every backend; one log line per step.
 */
import type { Publication } from '../../backends.js';
import { issueLeafFrom } from '../../certset/caset.js';
import { type Inventory, inventorySans } from '../../certset/inventory.js';
import { CA_NAMES, type Leaves } from '../../certset/model.js';
import { fromSecretData, type HubSecret, toSecretData } from '../../certset/secret.js';
import { assertConsistent } from '../../certset/validate.js';
import { ConflictError, GuardRefusal, LockHeldError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { inspectPem } from '../../pki/inspect.js';
import type { GeneratedKey, KeySpec } from '../../pki/keys.js';
import { desiredSans } from '../../pki/names.js';
import type { CaStore, InventorySource } from '../../store/types.js';
import { decideReissue, proxyApiDue, type ReissueReason } from './decide.js';
import { guardRemovals } from './guard.js';
import { publish } from './publish.js';
import { verifyNewLeaf } from './verify.js';

/** Secret annotations that carry what was applied, so a repeat is recognised. */
export const REVISION_ANNOTATION = 'hubcerts.io/inventory-revision';
export const FINGERPRINT_ANNOTATION = 'hubcerts.io/proxy-client-sha256';

export interface ReissueRequest {
  inventory: Inventory;
  dryRun?: boolean;
  allowRemoval?: boolean;
  force?: boolean;
  who: string;
}

export interface ReissueContext {
  store: CaStore;
  publication: Publication;
  /** Where an accepted inventory is recorded (the webhook path); absent for the CLI. */
  record?: InventorySource;
  keyType: KeySpec;
  leafDays: number;
  renewDays: number;
  certipyPrefix: string;
  maxRemovalShare: number;
  restart: readonly string[];
  /** How long to wait for another change's lock (0: refuse at once). */
  lockWaitMs: number;
  /** How long to wait for rollouts before answering that they are under way. */
  rolloutWaitMs: number;
  log: Logger;
  now: () => Date;
  /** A key generated ahead, so generation overlaps start-up. */
  key?: Promise<GeneratedKey>;
}

export interface ReissueResult {
  outcome: 'applied' | 'unchanged' | 'dry-run' | 'pending';
  revision: number;
  reasons: ReissueReason[];
  added: string[];
  removed: string[];
  sans: string[];
  fingerprint?: string;
  previousFingerprint?: string;
  restarted: string[];
  message: string;
}

const ATTEMPTS = 3;

export async function runReissue(req: ReissueRequest, ctx: ReissueContext): Promise<ReissueResult> {
  const log = ctx.log.with({
    revision: req.inventory.revision,
    secret: ctx.publication.secret.ref,
  });
  const lock = req.dryRun ? undefined : await acquireLock(ctx, req.who, log);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await reissueOnce(req, ctx, log);
      } catch (error) {
        // A lost race: somebody changed the Secret or store since we read it. Decide again.
        if (!(error instanceof ConflictError) || attempt >= ATTEMPTS) throw error;
        log.warn('conflict while writing; reading again', { attempt });
      }
    }
  } finally {
    await lock?.release();
  }
}

async function reissueOnce(
  req: ReissueRequest,
  ctx: ReissueContext,
  log: Logger,
): Promise<ReissueResult> {
  const started = Date.now();
  const stored = await ctx.store.read();
  if (!stored)
    throw new GuardRefusal(
      'NO_CA_SET',
      `${ctx.store.ref} holds no CA set; run hubcerts init first`,
    );
  const published = await ctx.publication.secret.read();
  const current = published
    ? fromSecretData(published.data, ctx.publication.secret.ref)
    : undefined;
  log.info('read store and Secret', {
    store: ctx.store.ref,
    storeVersion: stored.version,
    secretVersion: published?.version ?? null,
  });

  if (current) assertSameCas(current, stored.set, ctx);
  const desired = inventorySans(req.inventory);
  const caCert = stored.set.cas['proxy-client-ca'].cert;
  const decision = decideReissue(
    current?.leaves['proxy-client'],
    caCert,
    desired,
    ctx.renewDays,
    ctx.now(),
  );
  // A due proxy-api is renewed together with the proxy-client: the new proxy-client
  // fingerprint is what restarts the proxy, so both are replaced in one rollout.
  const apiDue =
    current !== undefined &&
    proxyApiDue(
      current.leaves['proxy-api'],
      stored.set.cas['proxy-api-ca'].cert,
      ctx.renewDays,
      ctx.now(),
    );
  if (apiDue) decision.reasons.push('PROXY_API_DUE');
  const applied = Number(published?.annotations[REVISION_ANNOTATION] ?? Number.NaN);
  checkRevision(
    req.inventory.revision,
    applied,
    decision.added.length + decision.removed.length > 0,
  );
  const base = {
    revision: req.inventory.revision,
    reasons: decision.reasons,
    added: decision.added,
    removed: decision.removed,
    sans: desired,
    restarted: [] as string[],
  };
  const previousFingerprint =
    current && inspectPem(current.leaves['proxy-client'].cert).fingerprintSha256;

  if (decision.reasons.length === 0) {
    if (!req.dryRun) await recordInventory(req.inventory, ctx);
    log.info('nothing to do: the proxy-client certificate already names the inventory', {
      fingerprint: previousFingerprint,
    });
    return {
      ...base,
      outcome: 'unchanged',
      fingerprint: previousFingerprint,
      message: `nothing to do: revision ${req.inventory.revision} is already in place`,
    };
  }
  guardRemovals(decision.removed, decision.current.length, {
    allowRemoval: req.allowRemoval ?? false,
    force: req.force ?? false,
    maxShare: ctx.maxRemovalShare,
  });
  if (req.dryRun) {
    return {
      ...base,
      outcome: 'dry-run',
      previousFingerprint,
      message: `would reissue proxy-client (${decision.reasons.join(', ')})`,
    };
  }

  // Issue and verify before anything is written.
  const leafOptions = { keySpec: ctx.keyType, days: ctx.leafDays, now: ctx.now() };
  const proxyClient = await issueLeafFrom(stored.set, 'proxy-client', desired, {
    ...leafOptions,
    key: ctx.key,
  });
  verifyNewLeaf('proxy-client', proxyClient, caCert, desired, ctx.leafDays);
  const proxyApiSans = desiredSans(req.inventory.names, []);
  const proxyApi =
    current && !apiDue
      ? current.leaves['proxy-api']
      : await issueLeafFrom(stored.set, 'proxy-api', proxyApiSans, leafOptions);
  const leaves: Leaves = { 'proxy-api': proxyApi, 'proxy-client': proxyClient };
  assertConsistent(stored.set, leaves, 'the new Secret data');
  const fingerprint = inspectPem(proxyClient.cert).fingerprintSha256;
  log.info('issued proxy-client', { fingerprint, sans: desired, issueMs: Date.now() - started });

  const annotations = {
    ...(published?.annotations ?? {}),
    [REVISION_ANNOTATION]: String(req.inventory.revision),
    [FINGERPRINT_ANNOTATION]: fingerprint,
  };
  const outcome = await publish(
    ctx.publication,
    {
      data: toSecretData(stored.set, leaves, ctx.certipyPrefix, current?.certipy),
      annotations,
      expectedVersion: published?.version ?? null,
      fingerprint,
      restart: ctx.restart,
      waitMs: ctx.rolloutWaitMs,
      previous:
        published && previousFingerprint
          ? {
              data: published.data,
              annotations: published.annotations,
              fingerprint: previousFingerprint,
            }
          : undefined,
    },
    log,
  );
  await recordInventory(req.inventory, ctx);
  log.info('reissue finished', {
    fingerprint,
    rollout: outcome.rollout,
    totalMs: Date.now() - started,
  });
  const pending = outcome.rollout === 'pending';
  const message = pending
    ? 'Secret written and restart under way; ' +
      'follow it with hubcerts scan --probe or kubectl rollout status'
    : `proxy-client reissued for revision ${req.inventory.revision}`;
  return {
    ...base,
    outcome: pending ? 'pending' : 'applied',
    fingerprint,
    previousFingerprint,
    restarted: outcome.restarted,
    message,
  };
}

/** The Secret must carry the store's CAs: a leaf from another CA would not be trusted. */
function assertSameCas(current: HubSecret, stored: HubSecret['caSet'], ctx: ReissueContext) {
  for (const ca of CA_NAMES) {
    if (
      inspectPem(current.caSet.cas[ca].cert).fingerprintSha256 !==
      inspectPem(stored.cas[ca].cert).fingerprintSha256
    ) {
      throw new GuardRefusal(
        'SECRET_STORE_DIVERGED',
        `Secret ${ctx.publication.secret.ref} holds a different ${ca} than ${ctx.store.ref}; ` +
          'finish or roll back the CA rotation before reissuing',
      );
    }
  }
}

function checkRevision(incoming: number, applied: number, changesNames: boolean) {
  if (Number.isNaN(applied)) return;
  if (incoming < applied) {
    throw new GuardRefusal(
      'REVISION_OLDER',
      `inventory revision ${incoming} is older than the applied revision ${applied}`,
    );
  }
  if (incoming === applied && changesNames) {
    throw new GuardRefusal(
      'REVISION_REUSED',
      `inventory revision ${incoming} was already applied with other names; ` +
        'a change must increase the revision',
    );
  }
}

async function recordInventory(inventory: Inventory, ctx: ReissueContext) {
  if (!ctx.record) return;
  const recorded = await ctx.record.read();
  if (recorded && recorded.inventory.revision >= inventory.revision) return;
  await ctx.record.write(inventory, recorded?.version ?? null);
}

async function acquireLock(ctx: ReissueContext, who: string, log: Logger) {
  const deadline = Date.now() + ctx.lockWaitMs;
  const ttl = Math.ceil(ctx.rolloutWaitMs / 1000) + 120;
  let lastNote = 0;
  for (;;) {
    try {
      return await ctx.publication.lock.acquire(who, ttl);
    } catch (error) {
      if (!(error instanceof LockHeldError) || Date.now() >= deadline) throw error;
      if (Date.now() - lastNote > 5000) {
        log.info(`waiting for the lock held by ${error.holder}`, {
          waitLeftS: Math.round((deadline - Date.now()) / 1000),
        });
        lastNote = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
