/**
 * The Deployment status the controller writes at each point of a rollout, and the Pods a
 * finished rollout leaves behind (named after the pod template hash, as ReplicaSets are).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { RESOURCES } from './resources.js';
import type { KubeObject, ObjectStore } from './store.js';

/** `pending`: waiting for the test or an auto rule; `stalled`: nothing moves on its own. */
export type Phase = 'pending' | 'stalled' | 'complete' | 'failed';

type Status = Record<string, unknown>;

/**
 * The phase after a move and the status to store (undefined: leave the status as it is).
 * `step` observes the new generation and brings one more replica up to date.
 */
export function deploymentStatus(
  deployment: KubeObject,
  move: Phase | 'step',
): { phase: Phase; status?: Status } {
  const spec = (deployment['spec'] ?? {}) as Record<string, unknown>;
  const desired = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
  const generation = deployment.metadata?.generation ?? 1;
  const old = (deployment['status'] ?? {}) as Status;
  const replicaSet = `${deployment.metadata?.name ?? ''}-${templateHash(deployment)}`;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastUpdateTime: now,
    lastTransitionTime: now,
    reason,
    message,
  });
  const available = condition(
    'Available',
    'True',
    'MinimumReplicasAvailable',
    'Deployment has minimum availability.',
  );

  switch (move) {
    case 'pending':
    case 'stalled':
      return { phase: move };
    case 'failed': {
      const progressing = condition(
        'Progressing',
        'False',
        'ProgressDeadlineExceeded',
        `ReplicaSet "${replicaSet}" has timed out progressing.`,
      );
      const status = {
        ...old,
        observedGeneration: generation,
        conditions: [available, progressing],
      };
      return { phase: 'failed', status };
    }
    default: {
      const seen = old['observedGeneration'] === generation;
      const before =
        seen && typeof old['updatedReplicas'] === 'number' ? old['updatedReplicas'] : 0;
      const updated = move === 'complete' ? desired : Math.min(desired, before + 1);
      const done = updated >= desired;
      const progressing = done
        ? condition(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${replicaSet}" has successfully progressed.`,
          )
        : condition(
            'Progressing',
            'True',
            'ReplicaSetUpdated',
            `ReplicaSet "${replicaSet}" is progressing.`,
          );
      const status = {
        observedGeneration: generation,
        replicas: desired,
        updatedReplicas: updated,
        readyReplicas: desired,
        availableReplicas: desired,
        conditions: [available, progressing],
      };
      return { phase: done ? 'complete' : 'pending', status };
    }
  }
}

/** Deletes the Deployment's Pods and creates `replicas` Pods from the current template. */
export function replacePods(store: ObjectStore, deployment: KubeObject): void {
  const namespace = deployment.metadata?.namespace ?? '';
  const name = deployment.metadata?.name ?? '';
  for (const pod of store.all(RESOURCES.pods, namespace)) {
    const owners = (pod.metadata?.['ownerReferences'] ?? []) as { kind?: string; name?: string }[];
    const owned = owners.some((o) => o.kind === 'ReplicaSet' && o.name?.startsWith(`${name}-`));
    if (owned) store.remove(RESOURCES.pods, namespace, pod.metadata?.name ?? '');
  }

  const spec = (deployment['spec'] ?? {}) as Record<string, unknown>;
  const template = (spec['template'] ?? {}) as KubeObject;
  const hash = templateHash(deployment);
  const replicas = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
  for (let i = 0; i < replicas; i += 1) {
    const podName = `${name}-${hash}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    store.save(RESOURCES.pods, {
      metadata: {
        name: podName,
        namespace,
        uid: randomUUID(),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        labels: { ...template.metadata?.labels, 'pod-template-hash': hash },
        annotations: { ...template.metadata?.annotations },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-${hash}`, controller: true },
        ],
      },
      spec: structuredClone(template['spec'] ?? {}),
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
  }
}

/** A short, stable name part derived from the pod template, like the controller's hash. */
export function templateHash(deployment: KubeObject): string {
  const template = (deployment['spec'] as Record<string, unknown> | undefined)?.['template'];
  const digest = createHash('sha256')
    .update(JSON.stringify(template ?? {}))
    .digest('hex');
  return digest.slice(0, 10);
}
