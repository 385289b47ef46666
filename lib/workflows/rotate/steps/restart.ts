/**
 * Step `restart`: the workloads that mount the Secret are restarted onto the proxy-client
 * fingerprint of the side now published, and the rollouts awaited. The restart is
 * idempotent (the pod-template annotation carries the fingerprint), so a rollout that ran
 * out of time is simply awaited again by the next run.
 */
import { RotationStepError, type StepOutcome } from '../journal.js';
import type { RotationContext } from '../model.js';

/** Restarts the configured workloads onto `fingerprint` and waits for them. */
export async function restartStep(
  ctx: RotationContext,
  step: string,
  fingerprint: string,
): Promise<StepOutcome> {
  const workloads = ctx.publication.workloads;
  if (ctx.restart.length === 0 || !workloads) {
    return { details: { restarted: [] as string[] } };
  }
  const restarted: string[] = [];
  for (const workload of ctx.restart) {
    if (await workloads.restart(workload, fingerprint)) restarted.push(workload);
    ctx.log.info('restart requested', { workload, fingerprint });
  }
  const states = await Promise.all(
    ctx.restart.map((workload) =>
      workloads.waitForRollout(workload, ctx.rolloutWaitMs, (message) =>
        ctx.log.info(message, { workload }),
      ),
    ),
  );
  const failed = states.flatMap((s, i) =>
    !s.done && s.failed ? [`${ctx.restart[i]}: ${s.message}`] : [],
  );
  if (failed.length > 0) {
    throw new RotationStepError(step, `rollout failed (${failed.join('; ')})`);
  }
  const waiting = states.flatMap((s, i) => (s.done ? [] : [ctx.restart[i]!]));
  if (waiting.length > 0) {
    throw new RotationStepError(
      step,
      `the rollout of ${waiting.join(', ')} did not finish within ` +
        `${Math.round(ctx.rolloutWaitMs / 1000)} s; run the same command again to keep waiting`,
    );
  }
  return { details: { restarted, rolledOut: [...ctx.restart] } };
}
