/**
 * The hub's lock as a coordination.k8s.io/v1 Lease, against the emulator through the real
 * client: taking a free Lease, refusing a held one, taking over an expired one as observed
 * locally, racing takeovers, and release.
 */
import { KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createK8sPublication } from '../../lib/cluster/k8s.js';
import type { K8sTuning } from '../../lib/cluster/k8s-client.js';
import type { HubLock } from '../../lib/cluster/types.js';
import { LockHeldError } from '../../lib/errors.js';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';

const NS = 'jupyterjsc';
const LEASE = 'hubcerts-internal-ssl';
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
let emulator: KubernetesEmulator;

beforeEach(async () => {
  emulator = await KubernetesEmulator.start();
});

afterEach(async () => {
  await emulator.close();
});

function lock(tuning: Partial<K8sTuning> = {}): HubLock {
  const config = new KubeConfig();
  config.loadFromString(kubeconfigFor(emulator));
  const retry = { attempts: 2, baseMs: 1, maxDelayMs: 5, budgetMs: 1_000 };
  return createK8sPublication(`${NS}/internal-ssl`, config, { retry, ...tuning }).lock;
}

/** A MicroTime `offsetMs` from now, as another holder's client would have written it. */
const microTime = (offsetMs = 0) =>
  new Date(Date.now() + offsetMs).toISOString().replace(/Z$/, '000Z');

function seedLease(holder: string, spec: Record<string, unknown> = {}) {
  return emulator.seed({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: LEASE, namespace: NS },
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: 30,
      acquireTime: microTime(),
      renewTime: microTime(),
      leaseTransitions: 2,
      ...spec,
    },
  });
}

const stored = () => emulator.find('leases', NS, LEASE) as V1Lease | undefined;

describe('acquire', () => {
  it('takes a free Lease by creating it, with six-digit MicroTimes', async () => {
    // Act
    const handle = await lock().acquire('reissue-1', 300);

    // Assess
    expect(handle.holder).toBe('reissue-1');
    const lease = stored();
    expect(lease?.spec).toMatchObject({
      holderIdentity: 'reissue-1',
      leaseDurationSeconds: 300,
      leaseTransitions: 0,
    });
    expect(String(lease?.spec?.acquireTime)).toMatch(MICRO_TIME);
    expect(String(lease?.spec?.renewTime)).toMatch(MICRO_TIME);
    expect(lease?.metadata?.labels).toEqual({ 'app.kubernetes.io/managed-by': 'hubcerts' });
  });

  it('refuses a Lease another change holds and names the holder', async () => {
    // Prepare
    seedLease('rotate-7');

    // Act
    const error = await lock()
      .acquire('reissue-1', 300)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as LockHeldError).holder).toBe('rotate-7');
    expect((error as Error).message).toBe(
      'Lease jupyterjsc/hubcerts-internal-ssl is locked by rotate-7; another change is in progress',
    );
    expect(stored()?.spec?.holderIdentity).toBe('rotate-7');
  });

  it('treats a Lease held under the same name as held, not as its own', async () => {
    // Prepare
    seedLease('reissue-1');

    // Act
    const error = await lock()
      .acquire('reissue-1', 300)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(LockHeldError);
  });

  it('takes over a Lease renewed long ago and counts the transition', async () => {
    // Prepare
    seedLease('crashed-run', { renewTime: microTime(-3_600_000) });

    // Act
    await lock().acquire('reissue-1', 300);

    // Assess
    expect(stored()?.spec).toMatchObject({ holderIdentity: 'reissue-1', leaseTransitions: 3 });
    expect(String(stored()?.spec?.acquireTime)).toMatch(MICRO_TIME);
  });

  it('judges expiry by its own clock, whatever time the holder wrote', async () => {
    // Prepare: the holder's clock runs ten minutes ahead of ours
    seedLease('fast-clock', { renewTime: microTime(600_000) });
    let now = 0;
    const hubLock = lock({ clock: () => now });
    const first = await hubLock.acquire('reissue-1', 300).catch((e: unknown) => e);

    // Act: the Lease stays unchanged for its whole duration, as seen here
    now += 30_000;
    await hubLock.acquire('reissue-1', 300);

    // Assess
    expect(first).toBeInstanceOf(LockHeldError);
    expect(stored()?.spec?.holderIdentity).toBe('reissue-1');
  });

  it('starts watching again when the holder renews the Lease', async () => {
    // Prepare
    seedLease('busy-run');
    let now = 0;
    const hubLock = lock({ clock: () => now });
    await hubLock.acquire('reissue-1', 300).catch(() => undefined);
    now += 20_000;
    seedLease('busy-run', { renewTime: microTime() });

    // Act
    now += 20_000;
    const error = await hubLock.acquire('reissue-1', 300).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(LockHeldError);
    expect(stored()?.spec?.holderIdentity).toBe('busy-run');
  });

  it('lets one of two racing takeovers win and tells the other who did', async () => {
    // Prepare: hold the first takeover back until both have read the expired Lease
    seedLease('crashed-run', { renewTime: microTime(-3_600_000) });
    emulator.faults.add({ match: { method: 'PUT', kind: 'leases' }, fault: { latencyMs: 150 } });

    // Act
    const results = await Promise.allSettled([
      lock().acquire('reissue-a', 300),
      lock().acquire('reissue-b', 300),
    ]);

    // Assess
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = stored()?.spec?.holderIdentity;
    expect(won[0]?.value.holder).toBe(winner);
    const reason = lost[0]?.reason as unknown;
    expect(reason).toBeInstanceOf(LockHeldError);
    expect((reason as LockHeldError).holder).toBe(winner);
    const takeovers = emulator.requests.filter((r) => r.method === 'PUT');
    expect(takeovers.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(stored()?.spec?.leaseTransitions).toBe(3);
  });
});

describe('renew and release', () => {
  it('moves the renew time forward', async () => {
    // Prepare
    const handle = await lock().acquire('reissue-1', 300);
    const before = String(stored()?.spec?.renewTime);
    await new Promise((resolve) => setTimeout(resolve, 5));

    // Act
    await handle.renew();

    // Assess
    const after = String(stored()?.spec?.renewTime);
    expect(after).toMatch(MICRO_TIME);
    expect(Date.parse(after)).toBeGreaterThan(Date.parse(before));
    expect(stored()?.spec?.holderIdentity).toBe('reissue-1');
  });

  it('frees the Lease on release so that another change takes it at once', async () => {
    // Prepare
    const handle = await lock().acquire('reissue-1', 300);

    // Act
    await handle.release();
    await handle.release();
    const next = await lock().acquire('rotate-2', 300);

    // Assess
    expect(next.holder).toBe('rotate-2');
    expect(stored()?.spec).toMatchObject({ holderIdentity: 'rotate-2', leaseTransitions: 1 });
  });

  it('releases quietly when the Lease was taken over meanwhile', async () => {
    // Prepare
    const handle = await lock().acquire('reissue-1', 300);
    seedLease('someone-else');

    // Act
    await handle.release();

    // Assess
    expect(stored()?.spec?.holderIdentity).toBe('someone-else');
  });
});
