/**
 * The Kubernetes emulator's Deployments: generation, the status subresource and simulated
 * rollouts driven by the test or by auto-complete rules, observed through client-node.
 */
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesEmulator, type KubernetesOptions } from '../emulators/kubernetes.js';
import { apiClient } from '../helpers/k8s-api.js';

const NS = 'jupyterjsc';
let emulator: KubernetesEmulator;
let apps: AppsV1Api;
let core: CoreV1Api;

async function start(options: KubernetesOptions = {}, replicas = 1) {
  emulator = await KubernetesEmulator.start(options);
  apps = apiClient(emulator, AppsV1Api);
  core = apiClient(emulator, CoreV1Api);
  emulator.seedDeployment(NS, 'proxy', { replicas });
}

afterEach(async () => {
  await emulator.close();
});

/** What `kubectl rollout restart` sends. */
const restart = (at: string) =>
  apps.patchNamespacedDeployment(
    {
      name: 'proxy',
      namespace: NS,
      body: {
        spec: {
          template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } },
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
const read = () => apps.readNamespacedDeployment({ name: 'proxy', namespace: NS });

/** The judgement of `kubectl rollout status`. */
function finished(d: V1Deployment): boolean {
  const s = d.status ?? {};
  const desired = d.spec?.replicas ?? 1;
  return (
    (d.metadata?.generation ?? 0) <= (s.observedGeneration ?? 0) &&
    (s.updatedReplicas ?? 0) >= desired &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}

describe('test-driven rollouts', () => {
  it('bumps the generation on a template change and leaves status behind it', async () => {
    // Prepare
    await start();

    // Act
    const patched = await restart('2025-01-01T00:00:00Z');

    // Assess
    expect(patched.metadata?.generation).toBe(2);
    expect(patched.status?.observedGeneration).toBe(1);
    expect(finished(await read())).toBe(false);
    expect(emulator.rollout(NS, 'proxy').phase).toBe('pending');
  });

  it('brings one replica up per step until kubectl would call it finished', async () => {
    // Prepare
    await start({}, 3);
    await restart('2025-01-01T00:00:00Z');
    const steps: boolean[] = [];

    // Act
    for (let i = 0; i < 3; i += 1) {
      emulator.rollout(NS, 'proxy').progress();
      steps.push(finished(await read()));
    }

    // Assess
    expect(steps).toEqual([false, false, true]);
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=proxy' });
    expect(pods.items).toHaveLength(3);
    const annotations = pods.items.map(
      (p) => p.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
    );
    expect(annotations).toEqual(Array(3).fill('2025-01-01T00:00:00Z'));
  });

  it('reports a rollout past its deadline with ProgressDeadlineExceeded', async () => {
    // Prepare
    await start();
    await restart('2025-01-01T00:00:00Z');

    // Act
    emulator.rollout(NS, 'proxy').deadlineExceeded();

    // Assess
    const conditions = (await read()).status?.conditions ?? [];
    const progressing = conditions.find((c) => c.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
  });
});

describe('auto-completing rollouts', () => {
  it('finishes after the given number of reads', async () => {
    // Prepare
    await start({ autoCompleteRollouts: { afterReads: 2 } });
    await restart('2025-01-01T00:00:00Z');

    // Act
    const first = await read();
    const second = await read();

    // Assess
    expect(finished(first)).toBe(false);
    expect(finished(second)).toBe(true);
  });

  it('finishes after the given delay', async () => {
    // Prepare
    await start({ autoCompleteRollouts: { afterMs: 50 } });
    await restart('2025-01-01T00:00:00Z');

    // Act
    const before = await read();
    await new Promise((resolve) => setTimeout(resolve, 80));
    const after = await read();

    // Assess
    expect(finished(before)).toBe(false);
    expect(finished(after)).toBe(true);
  });

  it('keeps a stalled rollout pending whatever its own rule says', async () => {
    // Prepare
    await start();
    emulator.rollout(NS, 'proxy').autoComplete({ afterReads: 1 });
    await restart('2025-01-01T00:00:00Z');

    // Act
    emulator.rollout(NS, 'proxy').stall();
    const reads = [await read(), await read()];

    // Assess
    expect(reads.map(finished)).toEqual([false, false]);
    expect(emulator.rollout(NS, 'proxy').phase).toBe('stalled');
  });

  it('runs the template hook with both annotation sets and waits for it', async () => {
    // Prepare
    await start({ autoCompleteRollouts: { afterReads: 1 } });
    let release = () => {};
    const seen: unknown[] = [];
    emulator.onTemplateChange((change) => {
      seen.push(change.before, change.after);
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await restart('2025-01-01T00:00:00Z');

    // Act
    const whileRestarting = await read();
    release();
    await new Promise((resolve) => setImmediate(resolve));
    const afterRestart = await read();

    // Assess
    expect(seen).toMatchObject([
      { metadata: { annotations: {} } },
      {
        metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } },
      },
    ]);
    expect(finished(whileRestarting)).toBe(false);
    expect(finished(afterRestart)).toBe(true);
  });

  it('fails the rollout when the template hook fails', async () => {
    // Prepare
    await start({ autoCompleteRollouts: { afterReads: 1 } });
    emulator.onTemplateChange(async () => {
      throw new Error('proxy did not start');
    });

    // Act
    await restart('2025-01-01T00:00:00Z');
    await new Promise((resolve) => setImmediate(resolve));

    // Assess
    const progressing = (await read()).status?.conditions?.find((c) => c.type === 'Progressing');
    expect(progressing?.reason).toBe('ProgressDeadlineExceeded');
  });
});

describe('spec and status', () => {
  it('ignores status in a replace of the Deployment but applies it through /status', async () => {
    // Prepare
    await start();
    const current = await read();

    // Act
    const replaced = await apps.replaceNamespacedDeployment({
      name: 'proxy',
      namespace: NS,
      body: { ...current, status: { observedGeneration: 99 } },
    });
    const viaStatus = await apps.replaceNamespacedDeploymentStatus({
      name: 'proxy',
      namespace: NS,
      body: { ...replaced, status: { observedGeneration: 99 } },
    });

    // Assess
    expect(replaced.status?.observedGeneration).toBe(1);
    expect(viaStatus.status?.observedGeneration).toBe(99);
    expect(viaStatus.metadata?.generation).toBe(1);
    expect((await read()).status?.observedGeneration).toBe(99);
  });

  it('observes a change of replicas at once and keeps spec.paused as plain data', async () => {
    // Prepare
    await start();

    // Act
    const scaled = await apps.patchNamespacedDeployment(
      { name: 'proxy', namespace: NS, body: { spec: { replicas: 2, paused: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const after = await read();

    // Assess
    expect(scaled.metadata?.generation).toBe(2);
    expect(after.spec?.paused).toBe(true);
    expect(finished(after)).toBe(true);
    expect(after.status?.replicas).toBe(2);
  });
});
