/**
 * The reissue workflow end to end on the Kubernetes backends: the Secret, the proxy's
 * Deployment and the Lease live in the emulator and are reached through the real client.
 */
import { KubeConfig, type V1Deployment, type V1Lease } from '@kubernetes/client-node';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Publication } from '../../lib/backends.js';
import { fromSecretData, toSecretData } from '../../lib/certset/secret.js';
import { createK8sPublication } from '../../lib/cluster/k8s.js';
import { silentLogger } from '../../lib/log.js';
import { inspectPem } from '../../lib/pki/inspect.js';
import {
  FINGERPRINT_ANNOTATION,
  REVISION_ANNOTATION,
  type ReissueContext,
  runReissue,
} from '../../lib/workflows/reissue/index.js';
import { RolloutFailedError } from '../../lib/workflows/reissue/publish.js';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';
import { type HubFixture, inventoryOf, makeHub, NOW } from '../helpers/hub.js';
import { MemoryStore } from '../helpers/memory.js';

const NS = 'jupyterjsc';
const NODES = ['jwlogin01i', 'jwlogin02i'];
const SECRET_PATH = `/api/v1/namespaces/${NS}/secrets/internal-ssl`;
let hub: HubFixture;
let oldFingerprint: string;
let emulator: KubernetesEmulator;
let publication: Publication;

beforeAll(async () => {
  hub = await makeHub(NODES);
  oldFingerprint = inspectPem(hub.leaves['proxy-client'].cert).fingerprintSha256;
});

beforeEach(async () => {
  emulator = await KubernetesEmulator.start({ autoCompleteRollouts: { afterReads: 1 } });
  const config = new KubeConfig();
  config.loadFromString(kubeconfigFor(emulator));
  const retry = { attempts: 3, baseMs: 1, maxDelayMs: 10, budgetMs: 1_000 };
  publication = createK8sPublication(`${NS}/internal-ssl`, config, { retry, pollMs: 5 });
  const data = toSecretData(hub.set, hub.leaves, 'internal-ssl');
  emulator.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'internal-ssl',
      namespace: NS,
      annotations: { [REVISION_ANNOTATION]: '1', [FINGERPRINT_ANNOTATION]: oldFingerprint },
    },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString('base64')])),
  });
  emulator.seedDeployment(NS, 'proxy', {
    replicas: 2,
    annotations: { [FINGERPRINT_ANNOTATION]: oldFingerprint },
  });
});

afterEach(async () => {
  await emulator.close();
});

function context(): ReissueContext {
  return {
    store: new MemoryStore(hub.set),
    publication,
    keyType: 'ec-p256',
    leafDays: 365,
    renewDays: 30,
    certipyPrefix: 'internal-ssl',
    maxRemovalShare: 0.2,
    restart: ['deployment/proxy'],
    lockWaitMs: 0,
    rolloutWaitMs: 5_000,
    log: silentLogger,
    now: () => NOW,
  };
}

const addNode = () => ({ inventory: inventoryOf(2, [...NODES, 'jwlogin03i']), who: 'webhook' });

async function published() {
  const secret = await publication.secret.read();
  const decoded = fromSecretData(secret!.data, 'emulator');
  return { secret: secret!, proxyClient: inspectPem(decoded.leaves['proxy-client'].cert) };
}

const podFingerprint = () =>
  (emulator.find('deployments', NS, 'proxy') as V1Deployment | undefined)?.spec?.template?.metadata
    ?.annotations?.[FINGERPRINT_ANNOTATION];

describe('reissue on Kubernetes', () => {
  it('publishes, restarts the proxy onto the new certificate and waits for it', async () => {
    // Act
    const result = await runReissue(addNode(), context());

    // Assess
    expect(result.outcome).toBe('applied');
    expect(result.restarted).toEqual(['deployment/proxy']);
    const { secret, proxyClient } = await published();
    expect(proxyClient.sans).toContain('DNS:jwlogin03i');
    expect(proxyClient.fingerprintSha256).toBe(result.fingerprint);
    expect(secret.annotations).toEqual({
      [REVISION_ANNOTATION]: '2',
      [FINGERPRINT_ANNOTATION]: result.fingerprint,
    });
    expect(podFingerprint()).toBe(result.fingerprint);
    expect(emulator.rollout(NS, 'proxy').phase).toBe('complete');
    const previous = await publication.secret.readPrevious();
    expect(previous?.annotations[FINGERPRINT_ANNOTATION]).toBe(oldFingerprint);
    const lease = emulator.find('leases', NS, 'hubcerts-internal-ssl') as V1Lease | undefined;
    expect(lease?.spec).toBeDefined();
    expect(lease?.spec?.holderIdentity).toBeUndefined();
  });

  it('restores the previous Secret and restarts onto it when the rollout fails', async () => {
    // Prepare: the proxy does not come up with the new certificate
    emulator.onTemplateChange((change) => {
      const annotations = (change.after as { metadata: { annotations: Record<string, string> } })
        .metadata.annotations;
      if (annotations[FINGERPRINT_ANNOTATION] !== oldFingerprint) {
        throw new Error('proxy crashed on start');
      }
    });
    const before = await publication.secret.read();

    // Act
    const error = await runReissue(addNode(), context()).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RolloutFailedError);
    expect((error as RolloutFailedError).restored).toBe(true);
    expect((error as Error).message).toMatch(/exceeded its progress deadline/);
    const { secret, proxyClient } = await published();
    expect(secret.data).toEqual(before?.data);
    expect(secret.annotations).toEqual(before?.annotations);
    expect(proxyClient.fingerprintSha256).toBe(oldFingerprint);
    expect(podFingerprint()).toBe(oldFingerprint);
    const patches = emulator.requests.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(2);
  });

  it('reads again and converges when the Secret changes while it is being written', async () => {
    // Prepare: an operator annotates the Secret while hubcerts saves the backup
    let touched = false;
    emulator.faults.add({
      match: {
        path: `/api/v1/namespaces/${NS}/secrets`,
        where: () => {
          if (touched) return false;
          touched = true;
          const current = emulator.find('secrets', NS, 'internal-ssl')!;
          const annotations = { ...current.metadata?.annotations, 'ops.example/owner': 'hpc-team' };
          emulator.seed({ ...current, metadata: { ...current.metadata, annotations } });
          return false;
        },
      },
      fault: { latencyMs: 0 },
    });

    // Act
    const result = await runReissue(addNode(), context());

    // Assess
    expect(result.outcome).toBe('applied');
    const replaces = emulator.requests.filter((r) => r.method === 'PUT' && r.path === SECRET_PATH);
    expect(replaces.map((r) => r.status)).toEqual([409, 200]);
    const { secret, proxyClient } = await published();
    expect(proxyClient.sans).toContain('DNS:jwlogin03i');
    expect(secret.annotations['ops.example/owner']).toBe('hpc-team');
    expect(podFingerprint()).toBe(result.fingerprint);
  });
});
