/**
 * The Kubernetes emulator's object semantics (create, replace, patch, delete, Status errors),
 * observed through @kubernetes/client-node.
 */
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';
import { apiClient, statusOf } from '../helpers/k8s-api.js';

const NS = 'jupyterjsc';
let emulator: KubernetesEmulator;
let core: CoreV1Api;

beforeEach(async () => {
  emulator = await KubernetesEmulator.start();
  core = apiClient(emulator, CoreV1Api);
});

afterEach(async () => {
  await emulator.close();
});

const b64 = (text: string) => Buffer.from(text).toString('base64');
const secret = (name: string, data: Record<string, string> = { 'a.crt': b64('a') }) => ({
  metadata: { name },
  data,
});

describe('create and replace', () => {
  it('refuses to create an existing Secret with AlreadyExists', async () => {
    // Prepare
    await core.createNamespacedSecret({ namespace: NS, body: secret('internal-ssl') });

    // Act
    const error = await statusOf(
      core.createNamespacedSecret({ namespace: NS, body: secret('internal-ssl') }),
    );

    // Assess
    expect(error.code).toBe(409);
    expect(error.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'secrets "internal-ssl" already exists',
      reason: 'AlreadyExists',
      details: { name: 'internal-ssl', kind: 'secrets' },
      code: 409,
    });
  });

  it('refuses a replace carrying a stale resourceVersion with Conflict', async () => {
    // Prepare
    const created = await core.createNamespacedSecret({ namespace: NS, body: secret('s') });
    await core.replaceNamespacedSecret({ name: 's', namespace: NS, body: secret('s', {}) });

    // Act
    const stale = { ...secret('s'), metadata: { name: 's', ...created.metadata } };
    const error = await statusOf(
      core.replaceNamespacedSecret({ name: 's', namespace: NS, body: stale }),
    );

    // Assess
    expect(error.code).toBe(409);
    expect(error.body.reason).toBe('Conflict');
    expect(error.body.message).toBe(
      'Operation cannot be fulfilled on secrets "s": the object has been modified; ' +
        'please apply your changes to the latest version and try again',
    );
  });

  it('overwrites on a replace without resourceVersion and bumps it', async () => {
    // Prepare
    const created = await core.createNamespacedSecret({ namespace: NS, body: secret('s') });

    // Act
    const replaced = await core.replaceNamespacedSecret({
      name: 's',
      namespace: NS,
      body: secret('s', { 'b.crt': b64('b') }),
    });

    // Assess
    expect(replaced.data).toEqual({ 'b.crt': b64('b') });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );
    expect(replaced.metadata?.uid).toBe(created.metadata?.uid);
  });

  it('answers a missing Secret with NotFound naming it', async () => {
    // Act
    const error = await statusOf(core.readNamespacedSecret({ name: 'nope', namespace: NS }));

    // Assess
    expect(error.code).toBe(404);
    expect(error.body).toMatchObject({
      reason: 'NotFound',
      message: 'secrets "nope" not found',
      details: { name: 'nope', kind: 'secrets' },
    });
  });
});

describe('patches', () => {
  it('merges a strategic merge patch into the data', async () => {
    // Prepare
    await core.createNamespacedSecret({ namespace: NS, body: secret('s') });

    // Act
    const patched = await core.patchNamespacedSecret(
      { name: 's', namespace: NS, body: { data: { 'b.crt': b64('b') } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );

    // Assess
    expect(Object.keys(patched.data ?? {})).toEqual(['a.crt', 'b.crt']);
  });

  it('removes a key set to null by a merge patch', async () => {
    // Prepare
    await core.createNamespacedSecret({ namespace: NS, body: secret('s') });

    // Act
    const patched = await core.patchNamespacedSecret(
      { name: 's', namespace: NS, body: { data: { 'a.crt': null, 'c.crt': b64('c') } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

    // Assess
    expect(patched.data).toEqual({ 'c.crt': b64('c') });
  });

  it('applies a JSON patch and refuses one whose test fails', async () => {
    // Prepare
    await core.createNamespacedSecret({ namespace: NS, body: secret('s') });
    const ops = [{ op: 'replace', path: '/data/a.crt', value: b64('new') }];

    // Act
    const patched = await core.patchNamespacedSecret({ name: 's', namespace: NS, body: ops });
    const failing = [{ op: 'test', path: '/data/a.crt', value: b64('old') }];
    const error = await statusOf(
      core.patchNamespacedSecret({ name: 's', namespace: NS, body: failing }),
    );

    // Assess
    expect(patched.data).toEqual({ 'a.crt': b64('new') });
    expect(error.code).toBe(422);
  });

  it('refuses a patch of an unknown content type with 415', async () => {
    // Prepare
    await core.createNamespacedSecret({ namespace: NS, body: secret('s') });

    // Act
    const error = await statusOf(
      core.patchNamespacedSecret(
        { name: 's', namespace: NS, body: { data: {} } },
        setHeaderOptions('Content-Type', 'application/json'),
      ),
    );

    // Assess
    expect(error.code).toBe(415);
    expect(error.body.reason).toBe('UnsupportedMediaType');
  });

  it('refuses a patch carrying a stale resourceVersion', async () => {
    // Prepare
    const created = await core.createNamespacedSecret({ namespace: NS, body: secret('s') });
    await core.replaceNamespacedSecret({ name: 's', namespace: NS, body: secret('s', {}) });

    // Act
    const body = { metadata: { resourceVersion: created.metadata?.resourceVersion }, data: {} };
    const error = await statusOf(
      core.patchNamespacedSecret(
        { name: 's', namespace: NS, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );

    // Assess
    expect(error.code).toBe(409);
    expect(error.body.reason).toBe('Conflict');
  });
});

describe('delete and ConfigMaps', () => {
  it('deletes with a Success Status and honours a resourceVersion precondition', async () => {
    // Prepare
    const created = await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'hub-config' }, data: { names: 'a,b' } },
    });
    await core.patchNamespacedConfigMap(
      { name: 'hub-config', namespace: NS, body: { data: { names: 'a,b,c' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const stale = { preconditions: { resourceVersion: created.metadata?.resourceVersion } };

    // Act
    const refused = await statusOf(
      core.deleteNamespacedConfigMap({ name: 'hub-config', namespace: NS, body: stale }),
    );
    const deleted = await core.deleteNamespacedConfigMap({ name: 'hub-config', namespace: NS });

    // Assess
    expect(refused.code).toBe(409);
    expect(refused.body.message).toMatch(/Precondition failed: ResourceVersion in precondition/);
    expect(deleted).toMatchObject({ status: 'Success', details: { name: 'hub-config' } });
    expect(emulator.find('configmaps', NS, 'hub-config')).toBeUndefined();
  });

  it('refuses a request without the required bearer token', async () => {
    // Prepare
    const strict = await KubernetesEmulator.start({ token: 'right' });
    const config = new KubeConfig();
    config.loadFromString(kubeconfigFor(strict, { token: 'wrong' }));

    // Act
    const read = config.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 's', namespace: NS });
    const error = await read.then(
      () => undefined,
      (e: unknown) => e,
    );
    await strict.close();

    // Assess
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(401);
  });
});
