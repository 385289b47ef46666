/**
 * The workloads that mount the Secret: restarted as `kubectl rollout restart` does, by a
 * pod-template annotation, and awaited as `kubectl rollout status` waits. The template
 * also carries the proxy-client fingerprint, which makes a restart idempotent: a repeated
 * request for the same certificate finds it in place and changes nothing.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import { ClusterError, ConfigError } from '../errors.js';
import { apiPath, type K8sClient } from './k8s-client.js';
import { k8sStatusOf } from './k8s-errors.js';
import { judgeRollout } from './k8s-rollout.js';
import { FIELD_MANAGER } from './k8s-secret-data.js';
import type { RolloutState, Workloads } from './types.js';

/** Pod-template annotation naming the proxy-client certificate the pods were started with. */
export const POD_FINGERPRINT_ANNOTATION = 'hubcerts.io/proxy-client-sha256';
/** The annotation `kubectl rollout restart` sets; kept so kubectl's view stays familiar. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

const WORKLOAD = /^(?:deployment|deployments|deploy)(?:\.apps)?\/([a-z0-9][-a-z0-9.]{0,252})$/;

/** The Deployment name in `deployment/NAME` (also `deployments/`, `deploy/`). */
export function deploymentName(workload: string): string {
  const name = WORKLOAD.exec(workload)?.[1];
  if (name === undefined || !/[a-z0-9]$/.test(name)) {
    throw new ConfigError(
      `--restart ${JSON.stringify(workload)} is not a workload hubcerts can restart; ` +
        'use deployment/NAME',
    );
  }
  return name;
}

export class K8sWorkloads implements Workloads {
  constructor(
    private readonly client: K8sClient,
    readonly namespace: string,
  ) {}

  async restart(workload: string, fingerprint: string): Promise<boolean> {
    const name = deploymentName(workload);
    const deployment = await this.read(name);
    const annotations = deployment.spec?.template?.metadata?.annotations ?? {};
    if (annotations[POD_FINGERPRINT_ANNOTATION] === fingerprint) {
      this.client.log.info('workload already runs this certificate; not restarted', {
        workload: `deployment/${name}`,
        fingerprint,
      });
      return false;
    }
    if (deployment.spec?.paused) {
      // kubectl refuses too: a paused Deployment would take the change but not roll it out.
      throw new ClusterError(
        `deployment/${name} in ${this.namespace} is paused; run kubectl rollout resume ` +
          `deployment/${name} -n ${this.namespace} first`,
      );
    }

    // kubectl's own format: seconds, no fraction.
    const restartedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const body = {
      spec: {
        template: {
          metadata: {
            annotations: {
              [POD_FINGERPRINT_ANNOTATION]: fingerprint,
              [RESTARTED_AT_ANNOTATION]: restartedAt,
            },
          },
        },
      },
    };
    // The patch sets fixed values, so sending it twice is harmless and `call` may retry it.
    await this.client.call({ verb: 'restart', subject: this.subject(name) }, () =>
      this.client.request<V1Deployment>('PATCH', this.path(name), {
        query: { fieldManager: FIELD_MANAGER },
        body,
        // As kubectl: the annotations merge into the template's, the others stay.
        contentType: 'application/strategic-merge-patch+json',
      }),
    );
    return true;
  }

  async waitForRollout(
    workload: string,
    timeoutMs: number,
    onProgress: (message: string) => void,
  ): Promise<RolloutState> {
    const name = deploymentName(workload);
    const { clock, sleep, pollMs, progressMs, retry } = this.client.tuning;
    const deadline = clock() + timeoutMs;
    let shownAt = Number.NEGATIVE_INFINITY;
    let last = 'no answer from the cluster yet';
    for (;;) {
      try {
        // One attempt per poll: the next poll is the retry.
        const state = judgeRollout(await this.read(name, { ...retry, attempts: 1 }));
        if (state.done || state.failed) return state;
        last = state.message;
        if (clock() - shownAt >= progressMs) {
          onProgress(state.message);
          shownAt = clock();
        }
      } catch (error) {
        if (!(error instanceof ClusterError && error.retryable)) throw error;
        last = error.message;
      }
      const left = deadline - clock();
      if (left <= 0) {
        const seconds = timeoutMs / 1000;
        const message = `deployment/${name} did not finish rolling out within ${seconds} s`;
        return { done: false, failed: false, message: `${message} (${last})` };
      }
      await sleep(Math.min(pollMs, left));
    }
  }

  private async read(name: string, retry = this.client.tuning.retry): Promise<V1Deployment> {
    const action = { verb: 'read', subject: this.subject(name) };
    try {
      return await this.client.call(
        action,
        () => this.client.request<V1Deployment>('GET', this.path(name)),
        retry,
      );
    } catch (error) {
      if (k8sStatusOf(error)?.code === 404) {
        throw new ClusterError(
          `deployment/${name} not found in namespace ${this.namespace}; check --restart`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  private path(name: string): string {
    return apiPath`/apis/apps/v1/namespaces/${this.namespace}/deployments/${name}`;
  }

  private subject(name: string): string {
    return `deployment/${name} in ${this.namespace}`;
  }
}
