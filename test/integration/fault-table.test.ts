/**
 * The fault table: one case per failure of Vault or the cluster, each run against fresh
 * emulators through the real clients and hubcerts' workflows. Every case checks its own
 * expected behaviour and then the two invariants that must survive any fault: every CA set
 * ever written can be read back, and the Secret holds a key and certificate that match and
 * chain to a CA in its bundle. The suite prints one row per case and a closing count.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { Publication } from '../../lib/backends.js';
import type { CaSet } from '../../lib/certset/model.js';
import { fromSecretData, toSecretData } from '../../lib/certset/secret.js';
import { checkCaSet, checkLeaves } from '../../lib/certset/validate.js';
import { createK8sPublication } from '../../lib/cluster/k8s.js';
import { openK8sFleet } from '../../lib/cluster/k8s-fleet.js';
import { ClusterError, ConflictError, LockHeldError, StoreError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import { inspectPem } from '../../lib/pki/inspect.js';
import { isSignedBy } from '../../lib/pki/verify.js';
import type { RetryPolicy } from '../../lib/retry.js';
import type { CaStore } from '../../lib/store/types.js';
import { createVaultStore } from '../../lib/store/vault.js';
import { connectVault } from '../../lib/store/vault-client.js';
import { REVISION_ANNOTATION, runReissue } from '../../lib/workflows/reissue/index.js';
import { RolloutFailedError } from '../../lib/workflows/reissue/publish.js';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';
import { VaultEmulator } from '../emulators/vault.js';
import { type HubFixture, inventoryOf, makeHub, NOW } from '../helpers/hub.js';

const NS = 'jupyterjsc';
const NODES = ['jwlogin01i', 'jwlogin02i'];
const FAST: RetryPolicy = { attempts: 4, baseMs: 5, maxDelayMs: 50, budgetMs: 2_000 };
const rows: { name: string; fault: string; expected: string; outcome: string; ok: boolean }[] = [];
let base: HubFixture;
let spare: HubFixture;

interface Hub {
  vault: VaultEmulator;
  k8s: KubernetesEmulator;
  store: CaStore;
  publication: Publication;
  /** Every CA set this case wrote, oldest first. */
  written: CaSet[];
}

async function freshHub(): Promise<Hub> {
  base ??= await makeHub(NODES);
  spare ??= await makeHub(NODES);
  const [vault, k8s] = await Promise.all([
    VaultEmulator.start(),
    KubernetesEmulator.start({ autoCompleteRollouts: { afterReads: 1 } }),
  ]);
  const client = await connectVault(
    { VAULT_ADDR: vault.url, VAULT_TOKEN: 'root' },
    { retry: FAST },
  );
  const store = createVaultStore('secret/hub#value', client, silentLogger);
  await store.write(base.set, null, { who: 'fault-table', why: 'seed' });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfigFor(k8s));
  const publication = createK8sPublication(`${NS}/internal-ssl`, kubeConfig, {
    retry: FAST,
    pollMs: 10,
    progressMs: 50,
    log: silentLogger,
  });
  await publication.secret.write(
    toSecretData(base.set, base.leaves, 'internal-ssl'),
    { [REVISION_ANNOTATION]: '1' },
    null,
  );
  k8s.seedDeployment(NS, 'proxy', { replicas: 1 });
  return { vault, k8s, store, publication, written: [base.set] };
}

function reissue(hub: Hub, revision: number, nodes: string[]) {
  return runReissue(
    { inventory: inventoryOf(revision, nodes), who: 'fault-table' },
    {
      store: hub.store,
      publication: hub.publication,
      keyType: 'ec-p256',
      leafDays: 365,
      renewDays: 30,
      certipyPrefix: 'internal-ssl',
      maxRemovalShare: 0.2,
      restart: ['deployment/proxy'],
      lockWaitMs: 0,
      rolloutWaitMs: 3_000,
      log: silentLogger,
      now: () => NOW,
    },
  );
}

/** The invariants every case ends with. */
async function assertInvariants(hub: Hub) {
  // Every CA set written can be read back: the newest from the store, the rest from the archive.
  const current = await hub.store.read();
  expect(current?.set).toEqual(hub.written.at(-1));
  const archived = await Promise.all(
    (await hub.store.listArchive()).map((e) => hub.store.readArchive(e.id)),
  );
  for (const earlier of hub.written.slice(0, -1)) expect(archived).toContainEqual(earlier);

  // The Secret is whole: keys match, leaves chain to their CA, the CA is in the labs' bundle.
  const published = await hub.publication.secret.read();
  const secret = fromSecretData(published!.data, 'Secret');
  expect(checkCaSet(secret.caSet, 'Secret')).toEqual([]);
  expect(checkLeaves(secret.caSet, secret.leaves, 'Secret')).toEqual([]);
  const labsTrust = secret.caSet.bundles['notebooks-ca'];
  const issuer = labsTrust
    .split(/(?<=-----END CERTIFICATE-----\n)/)
    .find((pem) => isSignedBy(secret.leaves['proxy-client'].cert, pem));
  expect(issuer, 'proxy-client chains to a CA in notebooks-ca_trust.crt').toBeDefined();
}

const proxyClientSans = async (hub: Hub) =>
  inspectPem(
    fromSecretData((await hub.publication.secret.read())!.data, 's').leaves['proxy-client'].cert,
  ).sans;

type Case = [name: string, fault: string, expected: string, run: (hub: Hub) => Promise<string>];

const CASES: Case[] = [
  [
    'Vault sealed',
    'every Vault call answers 503 sealed',
    'StoreError, retryable, names the sealed Vault',
    async (hub) => {
      hub.vault.seal();
      const error = await hub.store.read().catch((e) => e);
      hub.vault.unseal();
      expect(error).toBeInstanceOf(StoreError);
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(/sealed/);
      return `${error.name}: ${error.message}`;
    },
  ],
  [
    'Vault 403',
    'the read answers 403 permission denied',
    'StoreError, not retried',
    async (hub) => {
      hub.vault.faults.add({
        match: { method: 'GET', kind: 'data' },
        repeat: 'always',
        fault: { status: 403 },
      });
      const before = hub.vault.requests.length;
      const error = await hub.store.read().catch((e) => e);
      hub.vault.faults.clear();
      expect(error).toBeInstanceOf(StoreError);
      expect(hub.vault.requests.length - before).toBe(1);
      return `${error.name} after one request`;
    },
  ],
  [
    'Vault 500',
    'the first write answers 500',
    'retried; the set is written once',
    async (hub) => {
      hub.vault.faults.add({
        match: { kind: 'data', where: (r) => r.method !== 'GET' && r.path.endsWith('/hub') },
        nth: 1,
        fault: { status: 500 },
      });
      const version = (await hub.store.read())!.version;
      await hub.store.write(spare.set, version, { who: 't', why: 'rotate' });
      hub.written.push(spare.set);
      return 'written after a retry';
    },
  ],
  [
    'Vault cas conflict',
    'another writer changes the set between read and write',
    'ConflictError; the other write stands',
    async (hub) => {
      const read = await hub.store.read();
      await hub.store.write(spare.set, read!.version, { who: 'other', why: 'race' });
      hub.written.push(spare.set);
      const error = await hub.store
        .write(base.set, read!.version, { who: 't', why: 'late' })
        .catch((e) => e);
      expect(error).toBeInstanceOf(ConflictError);
      return 'ConflictError, nothing overwritten';
    },
  ],
  [
    'Vault connection reset',
    'the first read loses its connection',
    'retried; the read succeeds',
    async (hub) => {
      hub.vault.faults.add({
        match: { method: 'GET', kind: 'data' },
        nth: 1,
        fault: { reset: true },
      });
      const read = await hub.store.read();
      expect(read?.set).toEqual(base.set);
      return 'read after a retry';
    },
  ],
  [
    'Vault eleventh write',
    'max_versions 10, eleven writes',
    'the archive still holds every earlier set',
    async (hub) => {
      hub.vault.secret('secret/hub').configure({ maxVersions: 10 });
      for (let i = 0; i < 11; i++) {
        const next = i % 2 === 0 ? spare.set : base.set;
        await hub.store.write(next, (await hub.store.read())!.version, {
          who: 't',
          why: `write ${i}`,
        });
        hub.written.push(next);
      }
      expect((await hub.store.listArchive()).length).toBeGreaterThanOrEqual(11);
      return `${(await hub.store.listArchive()).length} archived sets readable`;
    },
  ],
  [
    'Secret 409',
    'the Secret changes between read and replace',
    'reissue reads again and converges',
    async (hub) => {
      hub.k8s.faults.add({
        match: { method: 'PUT', kind: 'secrets', where: (r) => r.path.endsWith('/internal-ssl') },
        nth: 1,
        fault: { status: 409 },
      });
      const result = await reissue(hub, 2, [...NODES, 'jwlogin03i']);
      expect(result.outcome).toBe('applied');
      expect(await proxyClientSans(hub)).toContain('DNS:jwlogin03i');
      return `${result.outcome} after a conflict`;
    },
  ],
  [
    'Secret 422',
    'the API server refuses the Secret',
    'ClusterError; the Secret is unchanged',
    async (hub) => {
      const before = await hub.publication.secret.read();
      hub.k8s.faults.add({
        match: { method: 'PUT', kind: 'secrets', where: (r) => r.path.endsWith('/internal-ssl') },
        repeat: 'always',
        fault: { status: 422 },
      });
      const error = await reissue(hub, 2, [...NODES, 'jwlogin03i']).catch((e) => e);
      hub.k8s.faults.clear();
      expect(error).toBeInstanceOf(ClusterError);
      expect((await hub.publication.secret.read())?.data).toEqual(before?.data);
      return `${error.name}: ${error.message.slice(0, 60)}`;
    },
  ],
  [
    'Secret 404',
    'the Secret does not exist yet',
    'reissue publishes a complete Secret',
    async (hub) => {
      hub.k8s.remove('secrets', NS, 'internal-ssl');
      const result = await reissue(hub, 2, NODES);
      expect(result.reasons).toEqual(['NO_CERTIFICATE']);
      return 'created';
    },
  ],
  [
    'Secret 429',
    'the replace answers 429 with retryAfterSeconds 1',
    'retried after the wait; applied',
    async (hub) => {
      hub.k8s.faults.add({
        match: { method: 'PUT', kind: 'secrets', where: (r) => r.path.endsWith('/internal-ssl') },
        nth: 1,
        fault: { status: 429, retryAfterSeconds: 0 },
      });
      const result = await reissue(hub, 2, [...NODES, 'jwlogin03i']);
      expect(result.outcome).toBe('applied');
      return 'applied after a retry';
    },
  ],
  [
    'Deployment stalled',
    'the rollout makes no progress',
    'answered as under way (pending)',
    async (hub) => {
      hub.k8s.autoCompleteRollouts = undefined;
      const result = await reissue(hub, 2, [...NODES, 'jwlogin03i']);
      expect(result.outcome).toBe('pending');
      return 'pending; the scan verifies later';
    },
  ],
  [
    'Deployment ProgressDeadlineExceeded',
    'the rollout fails',
    'previous Secret restored, restarted onto it',
    async (hub) => {
      const before = await hub.publication.secret.read();
      hub.k8s.autoCompleteRollouts = undefined;
      hub.k8s.onTemplateChange(() => {
        hub.k8s.rollout(NS, 'proxy').deadlineExceeded();
      });
      const error = await reissue(hub, 2, [...NODES, 'jwlogin03i']).catch((e) => e);
      expect(error).toBeInstanceOf(RolloutFailedError);
      expect(error.restored).toBe(true);
      expect((await hub.publication.secret.read())?.data).toEqual(before?.data);
      return 'restored';
    },
  ],
  [
    'Deployment paused',
    'deployment/proxy has spec.paused',
    'reported, not forced; Secret restored',
    async (hub) => {
      const before = await hub.publication.secret.read();
      hub.k8s.seedDeployment(NS, 'proxy', { replicas: 1, paused: true });
      const error = await reissue(hub, 2, [...NODES, 'jwlogin03i']).catch((e) => e);
      expect(error).toBeInstanceOf(RolloutFailedError);
      expect(error.message).toMatch(/paused/);
      expect((await hub.publication.secret.read())?.data).toEqual(before?.data);
      return 'refused as paused; restored';
    },
  ],
  [
    'Deployment missing',
    'deployment/proxy does not exist',
    'reported; Secret restored',
    async (hub) => {
      hub.k8s.remove('deployments', NS, 'proxy');
      const error = await reissue(hub, 2, [...NODES, 'jwlogin03i']).catch((e) => e);
      expect(error).toBeInstanceOf(RolloutFailedError);
      expect(error.message).toMatch(/not found|does not exist|missing/i);
      return 'reported; restored';
    },
  ],
  [
    'Lease held',
    'another holder holds a fresh Lease',
    'LockHeldError naming it; nothing written',
    async (hub) => {
      const held = await hub.publication.lock.acquire('rotateCa/plan-7', 120);
      const before = hub.k8s.writes().length;
      const error = await reissue(hub, 2, [...NODES, 'jwlogin03i']).catch((e) => e);
      await held.release();
      expect(error).toBeInstanceOf(LockHeldError);
      expect(error.message).toMatch(/rotateCa\/plan-7/);
      expect(
        hub.k8s
          .writes()
          .slice(before)
          .filter((r) => r.path.includes('/secrets/')),
      ).toEqual([]);
      return 'refused';
    },
  ],
  [
    'Lease expired',
    'a Lease left by a run that died long ago',
    'taken over; applied',
    async (hub) => {
      hub.k8s.seed({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'hubcerts-internal-ssl', namespace: NS },
        spec: {
          holderIdentity: 'dead-run',
          leaseDurationSeconds: 30,
          acquireTime: '2020-01-01T00:00:00.000000Z',
          renewTime: '2020-01-01T00:00:00.000000Z',
          leaseTransitions: 0,
        },
      } as never);
      const result = await reissue(hub, 2, [...NODES, 'jwlogin03i']);
      expect(result.outcome).toBe('applied');
      return 'taken over';
    },
  ],
  [
    '410 in a list',
    'the continue token expires mid-list',
    'the list completes without duplicates',
    async (hub) => {
      for (let i = 0; i < 12; i++) {
        hub.k8s.seed({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `user-${i}`, namespace: 'users' },
          data: {},
        } as never);
      }
      hub.k8s.faults.add({
        match: { method: 'GET', kind: 'secrets', where: (r) => Boolean(r.query.continue) },
        nth: 1,
        fault: { status: 410 },
      });
      const names: string[] = [];
      for await (const page of openK8sFleet(
        { env: {}, kubeconfig: kubeconfigFor(hub.k8s) },
        { retry: FAST },
      ).listSecrets('users', '', 5)) {
        names.push(...page.map((s) => s.name));
      }
      expect(names.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `user-${i}`).sort());
      return `${names.length} Secrets, none twice`;
    },
  ],
];

describe('fault table', () => {
  it.each(CASES)('%s', async (name, fault, expected, run) => {
    const hub = await freshHub();
    try {
      const outcome = await run(hub);
      await assertInvariants(hub);
      rows.push({ name, fault, expected, outcome, ok: true });
    } catch (error) {
      rows.push({
        name,
        fault,
        expected,
        outcome: (error as Error).message.split('\n')[0]!,
        ok: false,
      });
      throw error;
    } finally {
      await Promise.all([hub.vault.close(), hub.k8s.close()]);
    }
  });

  afterAll(() => {
    const lines = rows.map(
      (r) =>
        `${r.ok ? 'PASS' : 'FAIL'}  ${r.name.padEnd(36)} fault: ${r.fault}\n` +
        `      expected: ${r.expected}\n` +
        `      outcome:  ${r.outcome}`,
    );
    const passed = rows.filter((r) => r.ok).length;
    process.stdout.write(
      `\nFault table\n${lines.join('\n')}\n` +
        `fault table: ${passed} passed, ${rows.length - passed} failed\n`,
    );
  });
});
