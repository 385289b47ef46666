/**
 * Restarting the Deployments that mount the Secret and waiting for their rollouts, against
 * the emulator's simulated Deployment controller through the real client.
 */
import { KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createK8sPublication } from '../../lib/cluster/k8s.js';
import type { Workloads } from '../../lib/cluster/types.js';
import { ClusterError, ConfigError } from '../../lib/errors.js';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';

const NS = 'jupyterjsc';
const FINGERPRINT = 'AB:CD:EF';
const FAST = { retry: { attempts: 2, baseMs: 1, maxDelayMs: 5, budgetMs: 1_000 }, pollMs: 5 };
let emulator: KubernetesEmulator;

beforeEach(async () => {
  emulator = await KubernetesEmulator.start();
});

afterEach(async () => {
  await emulator.close();
});

function workloads(progressMs = 0): Workloads {
  const config = new KubeConfig();
  config.loadFromString(kubeconfigFor(emulator));
  const publication = createK8sPublication(`${NS}/internal-ssl`, config, { ...FAST, progressMs });
  return publication.workloads!;
}

const patches = () => emulator.requests.filter((r) => r.method === 'PATCH');
const templateAnnotations = () =>
  (emulator.find('deployments', NS, 'proxy') as V1Deployment | undefined)?.spec?.template?.metadata
    ?.annotations;

/** A Deployment whose status the test sets, as the controller would have written it. */
function seedWithStatus(status: Record<string, unknown>, generation = 2) {
  emulator.seed({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'proxy', namespace: NS, generation },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'proxy' } },
      template: { metadata: { labels: { app: 'proxy' } }, spec: { containers: [] } },
    },
    status: { observedGeneration: 2, ...status },
  });
}

describe('restart', () => {
  it('sets fingerprint and restartedAt on the pod template by strategic merge patch', async () => {
    // Prepare
    emulator.seedDeployment(NS, 'proxy', { annotations: { 'prometheus.io/scrape': 'true' } });

    // Act
    const restarted = await workloads().restart('deployment/proxy', FINGERPRINT);

    // Assess
    expect(restarted).toBe(true);
    expect(patches()).toHaveLength(1);
    expect(patches()[0]?.headers['content-type']).toBe('application/strategic-merge-patch+json');
    expect(templateAnnotations()).toEqual({
      'prometheus.io/scrape': 'true',
      'hubcerts.io/proxy-client-sha256': FINGERPRINT,
      'kubectl.kubernetes.io/restartedAt': expect.stringMatching(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      ),
    });
    expect(emulator.rollout(NS, 'proxy').phase).toBe('pending');
  });

  it('does nothing when the pods already run the certificate with this fingerprint', async () => {
    // Prepare
    emulator.seedDeployment(NS, 'proxy');
    const target = workloads();
    await target.restart('deployment/proxy', FINGERPRINT);

    // Act
    const again = await target.restart('deploy/proxy', FINGERPRINT);

    // Assess
    expect(again).toBe(false);
    expect(patches()).toHaveLength(1);
  });

  it('refuses a paused Deployment and leaves it as it is', async () => {
    // Prepare
    emulator.seedDeployment(NS, 'proxy', { paused: true });

    // Act
    const error = await workloads()
      .restart('deployments/proxy', FINGERPRINT)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toMatch(
      /^deployment\/proxy in jupyterjsc is paused; run kubectl rollout resume/,
    );
    expect(patches()).toHaveLength(0);
  });

  it('names a Deployment that does not exist', async () => {
    // Act
    const error = await workloads()
      .restart('deployment/proxy', FINGERPRINT)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toBe(
      'deployment/proxy not found in namespace jupyterjsc; check --restart',
    );
  });

  it.each(['statefulset/proxy', 'proxy', 'deployment/', 'deployment/Proxy'])(
    'refuses to restart %j',
    async (workload) => {
      // Act
      const error = await workloads()
        .restart(workload, FINGERPRINT)
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ConfigError);
      expect(emulator.requests).toHaveLength(0);
    },
  );
});

describe('waiting for the rollout', () => {
  it('answers at once for a Deployment that is rolled out', async () => {
    // Prepare
    emulator.seedDeployment(NS, 'proxy');

    // Act
    const state = await workloads().waitForRollout('deployment/proxy', 1_000, () => {});

    // Assess
    expect(state).toEqual({ done: true, message: 'deployment "proxy" successfully rolled out' });
  });

  it('follows a rollout step by step until kubectl would call it finished', async () => {
    // Prepare
    emulator.seedDeployment(NS, 'proxy', { replicas: 2 });
    const target = workloads();
    await target.restart('deployment/proxy', FINGERPRINT);
    const messages: string[] = [];

    // Act: every progress line lets the controller move one step
    const state = await target.waitForRollout('deployment/proxy', 5_000, (message) => {
      messages.push(message);
      emulator.rollout(NS, 'proxy').progress();
    });

    // Assess
    expect(state.done).toBe(true);
    expect(messages).toEqual([
      'Waiting for deployment spec update to be observed...',
      'Waiting for deployment "proxy" rollout to finish: ' +
        '1 out of 2 new replicas have been updated...',
    ]);
  });

  it.each([
    [
      { replicas: 3, updatedReplicas: 2, availableReplicas: 2 },
      'Waiting for deployment "proxy" rollout to finish: 1 old replicas are pending termination...',
    ],
    [
      { replicas: 2, updatedReplicas: 2, availableReplicas: 1 },
      'Waiting for deployment "proxy" rollout to finish: 1 of 2 updated replicas are available...',
    ],
  ])('reports a rollout with status %j as kubectl does', async (status, expected) => {
    // Prepare
    seedWithStatus(status);
    const messages: string[] = [];

    // Act
    const state = await workloads().waitForRollout('deployment/proxy', 30, (m) => messages.push(m));

    // Assess
    expect(state.done).toBe(false);
    expect(messages[0]).toBe(expected);
  });

  it('gives up when the rollout stalls, with at most one progress line per interval', async () => {
    // Prepare
    emulator.seedDeployment(NS, 'proxy');
    const target = workloads(60_000);
    await target.restart('deployment/proxy', FINGERPRINT);
    emulator.rollout(NS, 'proxy').stall();
    const messages: string[] = [];

    // Act
    const state = await target.waitForRollout('deployment/proxy', 200, (m) => messages.push(m));

    // Assess
    expect(state).toEqual({
      done: false,
      failed: false,
      message:
        'deployment/proxy did not finish rolling out within 0.2 s ' +
        '(Waiting for deployment spec update to be observed...)',
    });
    expect(messages).toEqual(['Waiting for deployment spec update to be observed...']);
    const reads = emulator.requests.filter((r) => r.method === 'GET');
    expect(reads.length).toBeGreaterThan(3);
  });

  it('reports a rollout past its progress deadline as failed', async () => {
    // Prepare
    emulator.seedDeployment(NS, 'proxy');
    const target = workloads();
    await target.restart('deployment/proxy', FINGERPRINT);
    emulator.rollout(NS, 'proxy').deadlineExceeded();

    // Act
    const state = await target.waitForRollout('deployment/proxy', 5_000, () => {});

    // Assess
    expect(state).toEqual({
      done: false,
      failed: true,
      message: 'deployment "proxy" exceeded its progress deadline',
    });
  });

  it('keeps polling through a failed read', async () => {
    // Prepare
    emulator.seedDeployment(NS, 'proxy');
    emulator.faults.add({ match: { kind: 'deployments' }, fault: { status: 500 } });

    // Act
    const state = await workloads().waitForRollout('deployment/proxy', 5_000, () => {});

    // Assess
    expect(state.done).toBe(true);
    expect(emulator.requests.map((r) => r.status)).toEqual([500, 200]);
  });
});
