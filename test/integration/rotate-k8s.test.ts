/**
 * The CA rotation end to end on the production backends: the CA set in the Vault emulator,
 * the Secret, the proxy and hub Deployments, the Lease and the bundle copies in other
 * namespaces in the Kubernetes emulator, the running labs from the JupyterHub emulator,
 * each reached through the real client library.
 */
import {
  KubeConfig,
  type V1ConfigMap,
  type V1Deployment,
  type V1Secret,
} from '@kubernetes/client-node';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Publication } from '../../lib/backends.js';
import { fromSecretData, toSecretData } from '../../lib/certset/secret.js';
import { parseConsumerRef } from '../../lib/cluster/consumer-ref.js';
import { JupyterHubApi } from '../../lib/cluster/hub-api.js';
import { createK8sPublication } from '../../lib/cluster/k8s.js';
import { openK8sConsumers } from '../../lib/cluster/k8s-consumers.js';
import { POD_FINGERPRINT_ANNOTATION } from '../../lib/cluster/k8s-workloads.js';
import { LockHeldError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import type { CaStore } from '../../lib/store/types.js';
import { createVaultStore } from '../../lib/store/vault.js';
import { connectVault } from '../../lib/store/vault-client.js';
import { caFingerprints, carries } from '../../lib/workflows/rotate/facts.js';
import {
  type ApplyResult,
  type PlanResult,
  type RotationContext,
  RotationStepError,
  runRotation,
} from '../../lib/workflows/rotate/index.js';
import { JupyterHubEmulator } from '../emulators/jupyterhub.js';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';
import { VaultEmulator } from '../emulators/vault.js';
import { type HubFixture, inventoryOf, makeHub, NOW } from '../helpers/hub.js';
import { MemoryInventory } from '../helpers/memory.js';

const NS = 'jupyterhub';
const NODES = ['jwlogin01i', 'jwlogin02i'];
const FAST = { attempts: 3, baseMs: 1, maxDelayMs: 10, budgetMs: 1_000 };
const CONSUMERS = [
  'jobs/configmap/lab-trust#notebooks-ca_trust.crt',
  'monitoring/secret/hub-ca#ca.crt=notebooks-ca',
];
const CONFIRM = `rotate k8s:${NS}/internal-ssl`;

let hub: HubFixture;
let k8s: KubernetesEmulator;
let vault: VaultEmulator;
let jupyterhub: JupyterHubEmulator;
let store: CaStore;
let publication: Publication;

const base64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

beforeAll(async () => {
  hub = await makeHub(NODES);
});

beforeEach(async () => {
  [k8s, vault, jupyterhub] = await Promise.all([
    KubernetesEmulator.start({ autoCompleteRollouts: { afterReads: 1 } }),
    VaultEmulator.start(),
    JupyterHubEmulator.start(),
  ]);
  const env = { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken };
  store = createVaultStore(
    'secret/jupyterhub-ca_certs-dir#value',
    await connectVault(env, { retry: FAST }),
  );
  await store.write(hub.set, null, { who: 'test', why: 'init' });

  const config = new KubeConfig();
  config.loadFromString(kubeconfigFor(k8s));
  publication = createK8sPublication(`${NS}/internal-ssl`, config, { retry: FAST, pollMs: 5 });
  const data = toSecretData(hub.set, hub.leaves, 'internal-ssl');
  k8s.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'internal-ssl', namespace: NS },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, base64(v)])),
  });
  for (const name of ['proxy', 'hub']) k8s.seedDeployment(NS, name, { replicas: 1 });
  k8s.seed({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'lab-trust', namespace: 'jobs' },
    data: { 'notebooks-ca_trust.crt': hub.set.bundles['notebooks-ca'], 'job.sh': '#!/bin/sh\n' },
  });
  k8s.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'hub-ca', namespace: 'monitoring' },
    data: { 'ca.crt': base64(hub.set.bundles['notebooks-ca']) },
  });
});

afterEach(async () => {
  await Promise.all([k8s.close(), vault.close(), jupyterhub.close()]);
});

function context(): RotationContext {
  const inventory = new MemoryInventory();
  inventory.current = { inventory: inventoryOf(1, NODES), version: '1' };
  const refs = CONSUMERS.map(parseConsumerRef).flatMap((r) => (r.kind === 'k8s' ? [r] : []));
  return {
    store,
    publication,
    inventory,
    consumers: openK8sConsumers(refs, { env: {}, kubeconfig: kubeconfigFor(k8s) }, { retry: FAST }),
    activeServers: new JupyterHubApi(jupyterhub.url, 'hub-token'),
    keyType: 'ec-p256',
    caDays: 1826,
    leafDays: 365,
    certipyPrefix: 'internal-ssl',
    restart: ['deployment/proxy', 'deployment/hub'],
    probes: [],
    twoPerson: true,
    rolloutWaitMs: 5_000,
    hub: 'jsc',
    alerts: [],
    actor: 'tester@ci/1',
    log: silentLogger,
    now: () => NOW,
  };
}

async function plannedContext() {
  const ctx = context();
  const plan = (await runRotation({ action: 'plan', plannedBy: 'alice' }, ctx)) as PlanResult;
  return { ctx, planId: plan.plan.planId };
}

/** What the cluster holds: the Secret's CAs, both bundle copies, the pods' fingerprints. */
async function clusterState() {
  const secret = await publication.secret.read();
  const configMap = k8s.find('configmaps', 'jobs', 'lab-trust') as V1ConfigMap;
  const copy = k8s.find('secrets', 'monitoring', 'hub-ca') as V1Secret;
  const pods = ['proxy', 'hub'].map(
    (name) =>
      (k8s.find('deployments', NS, name) as V1Deployment).spec?.template?.metadata?.annotations?.[
        POD_FINGERPRINT_ANNOTATION
      ],
  );
  return {
    secret: fromSecretData(secret!.data, 'k8s'),
    configMap: configMap.data ?? {},
    copy: Buffer.from(copy.data?.['ca.crt'] ?? '', 'base64').toString(),
    pods,
  };
}

const apply = (planId: string) => ({
  action: 'apply' as const,
  planId,
  confirm: CONFIRM,
  approvedBy: 'bob',
});

describe('CA rotation on Vault and Kubernetes', () => {
  it('moves Vault, the Secret, the bundle copies and both workloads to the new set', async () => {
    // Prepare
    const { ctx, planId } = await plannedContext();

    // Act
    const result = (await runRotation(apply(planId), ctx)) as ApplyResult;

    // Assess
    expect(result.outcome).toBe('applied');
    const stored = await store.read();
    expect(carries(stored!.set, result.new.cas)).toBe(true);
    expect(caFingerprints(await store.readArchive(result.archiveId!))).toEqual(
      caFingerprints(hub.set),
    );
    const state = await clusterState();
    expect(carries(state.secret.caSet, result.new.cas)).toBe(true);
    expect(state.configMap['notebooks-ca_trust.crt']).toBe(stored!.set.bundles['notebooks-ca']);
    expect(state.configMap['job.sh']).toBe('#!/bin/sh\n');
    expect(state.copy).toBe(stored!.set.bundles['notebooks-ca']);
    expect(state.pods).toEqual([result.new.proxyClient, result.new.proxyClient]);
    expect(k8s.rollout(NS, 'hub').phase).toBe('complete');
  });

  it('puts the old set back everywhere on rollback after completion', async () => {
    // Prepare
    const { ctx, planId } = await plannedContext();
    const applied = (await runRotation(apply(planId), ctx)) as ApplyResult;

    // Act
    const confirm = `rollback k8s:${NS}/internal-ssl`;
    const result = await runRotation({ action: 'rollback', planId, confirm }, ctx);

    // Assess
    expect(result.outcome).toBe('rolled-back');
    expect(caFingerprints((await store.read())!.set)).toEqual(caFingerprints(hub.set));
    const state = await clusterState();
    expect(carries(state.secret.caSet, applied.old.cas)).toBe(true);
    expect(state.configMap['notebooks-ca_trust.crt']).toBe(hub.set.bundles['notebooks-ca']);
    expect(state.copy).toBe(hub.set.bundles['notebooks-ca']);
    expect(state.pods).toEqual([applied.old.proxyClient, applied.old.proxyClient]);
  });

  it(
    'stops at a failed rollout and converges on the next apply once the pods came ' + 'up',
    async () => {
      // Prepare: the new pods do not become ready before the progress deadline
      const { ctx, planId } = await plannedContext();
      k8s.onTemplateChange(() => {
        throw new Error('node pool out of capacity');
      });

      // Act: the apply stops; the cluster recovers (capacity added); the apply is run again
      const failure = await runRotation(apply(planId), ctx).catch((e: unknown) => e);
      for (const name of ['proxy', 'hub']) k8s.rollout(NS, name).complete();
      const patches = k8s.requests.filter((r) => r.method === 'PATCH').length;
      const result = (await runRotation(apply(planId), ctx)) as ApplyResult;

      // Assess
      expect(failure).toBeInstanceOf(RotationStepError);
      expect((failure as RotationStepError).step).toBe('restart');
      expect((failure as Error).message).toMatch(
        /exceeded its progress deadline.*run the same apply/s,
      );
      expect(result).toMatchObject({ outcome: 'applied', resumed: true });
      expect(k8s.requests.filter((r) => r.method === 'PATCH')).toHaveLength(patches);
      expect(carries((await store.read())!.set, result.new.cas)).toBe(true);
      expect(vault.secret('secret/jupyterhub-ca_certs-dir').read()).toBeDefined();
    },
  );

  it(
    'refuses while another change holds the Lease, writing nothing to Vault or the ' + 'cluster',
    async () => {
      // Prepare
      const { ctx, planId } = await plannedContext();
      const held = await publication.lock.acquire('reissue@webhook', 60);
      const vaultWrites = vault.writes().length;
      const secretVersion = (await publication.secret.read())!.version;

      // Act
      const refusal = await runRotation(apply(planId), ctx).catch((e: unknown) => e);

      // Assess
      expect(refusal).toBeInstanceOf(LockHeldError);
      expect(vault.writes()).toHaveLength(vaultWrites);
      expect((await publication.secret.read())!.version).toBe(secretVersion);
      expect(
        k8s.requests.filter((r) => r.method === 'PUT' && r.path.includes('configmaps')),
      ).toEqual([]);
      await held.release();
    },
  );

  it('refuses an apply approved by its own planner when two people are required', async () => {
    // Prepare
    const { ctx, planId } = await plannedContext();
    const vaultWrites = vault.writes().length;

    // Act
    const refusal = await runRotation({ ...apply(planId), approvedBy: 'alice' }, ctx).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(refusal).toMatchObject({ code: 'SAME_APPROVER' });
    expect(vault.writes()).toHaveLength(vaultWrites);
  });
});
