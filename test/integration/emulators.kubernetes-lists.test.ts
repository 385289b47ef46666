/**
 * The Kubernetes emulator's lists (selectors, chunking, expired continue tokens),
 * resourceVersion and injected server errors, observed through @kubernetes/client-node.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesEmulator } from '../emulators/kubernetes.js';
import { apiClient, statusOf } from '../helpers/k8s-api.js';

const NS = 'jupyterjsc';
let emulator: KubernetesEmulator;
let core: CoreV1Api;

beforeEach(async () => {
  emulator = await KubernetesEmulator.start();
  core = apiClient(emulator, CoreV1Api);
  for (const [name, tier] of [
    ['a', 'hub'],
    ['b', 'proxy'],
    ['c', 'proxy'],
    ['d', 'user'],
  ]) {
    emulator.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `s-${name}`, namespace: NS, labels: { tier: tier ?? '' } },
      data: {},
    });
  }
});

afterEach(async () => {
  await emulator.close();
});

const names = (list: { items: { metadata?: { name?: string } }[] }) =>
  list.items.map((i) => i.metadata?.name);

describe('selectors', () => {
  it('filters by equality, set and existence label selectors', async () => {
    // Act
    const equal = await core.listNamespacedSecret({ namespace: NS, labelSelector: 'tier=proxy' });
    const inSet = await core.listNamespacedSecret({
      namespace: NS,
      labelSelector: 'tier in (hub, user)',
    });
    const notEqual = await core.listNamespacedSecret({
      namespace: NS,
      labelSelector: 'tier!=proxy',
    });
    const missing = await core.listNamespacedSecret({ namespace: NS, labelSelector: '!tier' });

    // Assess
    expect(names(equal)).toEqual(['s-b', 's-c']);
    expect(names(inSet)).toEqual(['s-a', 's-d']);
    expect(names(notEqual)).toEqual(['s-a', 's-d']);
    expect(names(missing)).toEqual([]);
  });

  it('filters by metadata.name field selector', async () => {
    // Act
    const list = await core.listNamespacedSecret({
      namespace: NS,
      fieldSelector: 'metadata.name=s-c',
    });

    // Assess
    expect(names(list)).toEqual(['s-c']);
  });
});

describe('chunked lists', () => {
  it('pages with limit and continue and leaves continue empty on the last page', async () => {
    // Act
    const first = await core.listNamespacedSecret({ namespace: NS, limit: 3 });
    const second = await core.listNamespacedSecret({
      namespace: NS,
      limit: 3,
      _continue: first.metadata?._continue,
    });

    // Assess
    expect(names(first)).toEqual(['s-a', 's-b', 's-c']);
    expect(first.metadata?.remainingItemCount).toBe(1);
    expect(names(second)).toEqual(['s-d']);
    expect(second.metadata?._continue).toBeUndefined();
  });

  it('answers an expired continue token with 410 and a fresh token that continues', async () => {
    // Prepare
    const first = await core.listNamespacedSecret({ namespace: NS, limit: 2 });
    emulator.expireContinueTokens();

    // Act
    const error = await statusOf(
      core.listNamespacedSecret({ namespace: NS, limit: 2, _continue: first.metadata?._continue }),
    );
    const rest = await core.listNamespacedSecret({
      namespace: NS,
      _continue: error.body.metadata.continue,
    });

    // Assess
    expect(error.code).toBe(410);
    expect(error.body.reason).toBe('Expired');
    expect(error.body.message).toMatch(/^The provided continue parameter is too old/);
    expect(names(rest)).toEqual(['s-c', 's-d']);
  });
});

describe('resourceVersion', () => {
  it('increases across kinds and stays put on a replace that changes nothing', async () => {
    // Prepare
    const secret = await core.readNamespacedSecret({ name: 's-a', namespace: NS });
    const map = await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'm' } },
    });

    // Act
    const same = await core.replaceNamespacedSecret({ name: 's-a', namespace: NS, body: secret });

    // Assess
    const rv = (o: { metadata?: { resourceVersion?: string } }) =>
      Number(o.metadata?.resourceVersion);
    expect(rv(map)).toBeGreaterThan(rv(secret));
    expect(rv(same)).toBe(rv(secret));
    expect(typeof map.metadata?.resourceVersion).toBe('string');
  });
});

describe('injected server errors', () => {
  it('sends TooManyRequests with Retry-After and details.retryAfterSeconds', async () => {
    // Prepare
    emulator.faults.add({
      match: { kind: 'secrets' },
      fault: { status: 429, retryAfterSeconds: 2 },
    });

    // Act
    const error = await statusOf(core.readNamespacedSecret({ name: 's-a', namespace: NS }));

    // Assess
    expect(error.code).toBe(429);
    expect(error.headers['retry-after']).toBe('2');
    expect(error.body).toMatchObject({
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 2 },
    });
  });

  it('answers Timeout after applying the change when asked to', async () => {
    // Prepare
    emulator.faults.add({
      match: { method: 'POST', kind: 'configmaps' },
      fault: { status: 504, afterApply: true },
    });

    // Act
    const error = await statusOf(
      core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'late' } } }),
    );

    // Assess
    expect(error.code).toBe(504);
    expect(error.body.reason).toBe('Timeout');
    expect(emulator.find('configmaps', NS, 'late')).toBeDefined();
  });

  it('builds a Forbidden Status naming the verb and resource', async () => {
    // Prepare
    emulator.faults.add({ match: { method: 'DELETE' }, fault: { status: 403 } });

    // Act
    const error = await statusOf(core.deleteNamespacedSecret({ name: 's-a', namespace: NS }));

    // Assess
    expect(error.code).toBe(403);
    expect(error.body.message).toMatch(/cannot delete resource "secrets" in API group ""/);
    expect(emulator.find('secrets', NS, 's-a')).toBeDefined();
  });
});
