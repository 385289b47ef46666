/**
 * Whether a Deployment's rollout has finished, judged by the same ordered checks and told
 * in the same words as `kubectl rollout status`, so an operator who runs kubectl beside
 * hubcerts sees the same answer.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import type { RolloutState } from './types.js';

/** The reason the Deployment controller gives a rollout that ran past its deadline. */
export const PROGRESS_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';

/** The state of the rollout of `deployment` as it was read. */
export function judgeRollout(deployment: V1Deployment): RolloutState {
  const name = deployment.metadata?.name ?? '';
  const status = deployment.status ?? {};
  const generation = deployment.metadata?.generation ?? 0;

  // Until the controller has seen the latest spec, the status describes an older one.
  if (generation > (status.observedGeneration ?? 0)) {
    return {
      done: false,
      failed: false,
      message: 'Waiting for deployment spec update to be observed...',
    };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === PROGRESS_DEADLINE_EXCEEDED) {
    return {
      done: false,
      failed: true,
      message: `deployment "${name}" exceeded its progress deadline`,
    };
  }

  const waiting = (what: string): RolloutState => ({
    done: false,
    failed: false,
    message: `Waiting for deployment "${name}" rollout to finish: ${what}...`,
  });
  const desired = deployment.spec?.replicas;
  const updated = status.updatedReplicas ?? 0;
  if (desired !== undefined && updated < desired) {
    return waiting(`${updated} out of ${desired} new replicas have been updated`);
  }
  const replicas = status.replicas ?? 0;
  if (replicas > updated) {
    return waiting(`${replicas - updated} old replicas are pending termination`);
  }
  const available = status.availableReplicas ?? 0;
  if (available < updated) {
    return waiting(`${available} of ${updated} updated replicas are available`);
  }
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}
