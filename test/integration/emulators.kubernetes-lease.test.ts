/**
 * The Kubernetes emulator's coordination.k8s.io/v1 Leases: create-to-acquire, conditional
 * takeover, MicroTime decoding and release, observed through client-node.
 */
import { CoordinationV1Api, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesEmulator } from '../emulators/kubernetes.js';
import { apiClient, statusOf } from '../helpers/k8s-api.js';

const NS = 'jupyterjsc';
let emulator: KubernetesEmulator;
let leases: CoordinationV1Api;

beforeEach(async () => {
  emulator = await KubernetesEmulator.start();
  leases = apiClient(emulator, CoordinationV1Api);
});

afterEach(async () => {
  await emulator.close();
});

const lease = (holder: string, transitions = 0): V1Lease => ({
  metadata: { name: 'hubcerts-lock' },
  spec: {
    holderIdentity: holder,
    leaseDurationSeconds: 30,
    acquireTime: new V1MicroTime(),
    renewTime: new V1MicroTime(),
    leaseTransitions: transitions,
  },
});

describe('acquiring', () => {
  it('lets the first creator hold the Lease and refuses the second', async () => {
    // Prepare
    await leases.createNamespacedLease({ namespace: NS, body: lease('reissue-1') });

    // Act
    const error = await statusOf(
      leases.createNamespacedLease({ namespace: NS, body: lease('rotate-1') }),
    );

    // Assess
    expect(error.code).toBe(409);
    expect(error.body).toMatchObject({
      reason: 'AlreadyExists',
      message: 'leases.coordination.k8s.io "hubcerts-lock" already exists',
      details: { name: 'hubcerts-lock', group: 'coordination.k8s.io', kind: 'leases' },
    });
  });

  it('hands the Lease to one of two racing takeovers and refuses the other', async () => {
    // Prepare
    const held = await leases.createNamespacedLease({ namespace: NS, body: lease('old') });
    const observed = held.metadata?.resourceVersion;
    const takeover = (holder: string) =>
      leases.replaceNamespacedLease({
        name: 'hubcerts-lock',
        namespace: NS,
        body: {
          ...lease(holder, 1),
          metadata: { name: 'hubcerts-lock', resourceVersion: observed },
        },
      });

    // Act
    const winner = await takeover('winner');
    const loser = await statusOf(takeover('loser'));

    // Assess
    expect(winner.spec?.holderIdentity).toBe('winner');
    expect(winner.spec?.leaseTransitions).toBe(1);
    expect(loser.code).toBe(409);
    expect(loser.body.message).toMatch(
      /^Operation cannot be fulfilled on leases.coordination.k8s.io/,
    );
  });

  it('stores renewTime with six fraction digits as the API server requires', async () => {
    // Act
    const created = await leases.createNamespacedLease({ namespace: NS, body: lease('me') });

    // Assess
    expect(String(created.spec?.renewTime)).toMatch(/\.\d{6}Z$/);
  });

  it('refuses a renewTime sent as a plain Date with millisecond precision', async () => {
    // Prepare
    const body = lease('me');
    body.spec = { ...body.spec, renewTime: new Date() as V1MicroTime };

    // Act
    const error = await statusOf(leases.createNamespacedLease({ namespace: NS, body }));

    // Assess
    expect(error.code).toBe(400);
    expect(error.body.message).toMatch(/cannot parse "\.\d{3}Z" as "\.000000"/);
  });
});

describe('releasing', () => {
  it('deletes only with the observed resourceVersion as precondition', async () => {
    // Prepare
    const held = await leases.createNamespacedLease({ namespace: NS, body: lease('me') });
    const renewed = await leases.replaceNamespacedLease({
      name: 'hubcerts-lock',
      namespace: NS,
      body: { ...lease('me'), metadata: { ...held.metadata } },
    });
    const precondition = (rv: string | undefined) => ({ preconditions: { resourceVersion: rv } });

    // Act
    const stale = await statusOf(
      leases.deleteNamespacedLease({
        name: 'hubcerts-lock',
        namespace: NS,
        body: precondition(held.metadata?.resourceVersion),
      }),
    );
    await leases.deleteNamespacedLease({
      name: 'hubcerts-lock',
      namespace: NS,
      body: precondition(renewed.metadata?.resourceVersion),
    });

    // Assess
    expect(stale.code).toBe(409);
    expect(emulator.find('leases', NS, 'hubcerts-lock')).toBeUndefined();
  });

  it('creates a missing Lease on replace, as the Lease strategy allows', async () => {
    // Act
    const created = await leases.replaceNamespacedLease({
      name: 'hubcerts-lock',
      namespace: NS,
      body: lease('me'),
    });

    // Assess
    expect(created.metadata?.uid).toBeDefined();
    expect(emulator.find('leases', NS, 'hubcerts-lock')?.spec).toMatchObject({
      holderIdentity: 'me',
    });
  });
});
