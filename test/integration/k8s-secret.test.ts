/**
 * The Kubernetes Secret target against the emulator through the real client: round trips
 * with a hub's Secret data, conditional replaces, the backup Secret, and what is kept of
 * the metadata others put on the Secret.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Publication } from '../../lib/backends.js';
import { SECRET_KEYS, toSecretData } from '../../lib/certset/secret.js';
import { createK8sPublication } from '../../lib/cluster/k8s.js';
import { ClusterError, ConflictError } from '../../lib/errors.js';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';
import { makeHub } from '../helpers/hub.js';

const NS = 'jupyterjsc';
const FAST = { retry: { attempts: 3, baseMs: 1, maxDelayMs: 10, budgetMs: 1_000 }, pollMs: 5 };
let emulator: KubernetesEmulator;
let target: Publication['secret'];
let before: Record<string, Buffer>;
let after: Record<string, Buffer>;

beforeAll(async () => {
  const [old, renewed] = await Promise.all([makeHub(['jwlogin01i']), makeHub(['jwlogin02i'])]);
  before = toSecretData(old.set, old.leaves, 'internal-ssl');
  after = toSecretData(renewed.set, renewed.leaves, 'internal-ssl');
});

beforeEach(async () => {
  emulator = await KubernetesEmulator.start();
  const config = new KubeConfig();
  config.loadFromString(kubeconfigFor(emulator));
  target = createK8sPublication(`${NS}/internal-ssl`, config, FAST).secret;
});

afterEach(async () => {
  await emulator.close();
});

const b64 = (data: Record<string, Buffer>) =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString('base64')]));

function seedSecret(metadata: Record<string, unknown>, data = before) {
  return emulator.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'internal-ssl', namespace: NS, ...metadata },
    data: b64(data),
  });
}

const writesTo = (name: string) =>
  emulator.writes().filter((r) => r.path === `/api/v1/namespaces/${NS}/secrets/${name}`);

describe('reading', () => {
  it('answers null for a Secret and a backup that do not exist', async () => {
    // Act
    const [secret, previous] = [await target.read(), await target.readPrevious()];

    // Assess
    expect(secret).toBeNull();
    expect(previous).toBeNull();
  });

  it('decodes every key, the annotations and the resourceVersion', async () => {
    // Prepare
    const seeded = seedSecret({ annotations: { 'hubcerts.io/inventory-revision': '4' } });

    // Act
    const secret = await target.read();

    // Assess
    expect(secret?.data).toEqual(before);
    expect(secret?.annotations).toEqual({ 'hubcerts.io/inventory-revision': '4' });
    expect(secret?.version).toBe(seeded.metadata?.resourceVersion);
  });
});

describe('writing', () => {
  it('creates the Secret, reads it back and replaces it at the version it read', async () => {
    // Act
    const created = await target.write(before, { 'hubcerts.io/inventory-revision': '1' }, null);
    const first = await target.read();
    const replaced = await target.write(after, { 'hubcerts.io/inventory-revision': '2' }, created);
    const second = await target.read();

    // Assess
    expect(first).toEqual({
      data: before,
      annotations: { 'hubcerts.io/inventory-revision': '1' },
      version: created,
    });
    expect(second?.data).toEqual(after);
    expect(second?.version).toBe(replaced);
    expect(Number(replaced)).toBeGreaterThan(Number(created));
    const stored = emulator.find('secrets', NS, 'internal-ssl');
    expect(stored?.['type']).toBe('Opaque');
    expect(stored?.metadata?.labels).toEqual({ 'app.kubernetes.io/managed-by': 'hubcerts' });
  });

  it('sends every key in one replace, so the mounted Secret is never half new', async () => {
    // Prepare
    const version = seedSecret({}).metadata?.resourceVersion ?? '';

    // Act
    await target.write(after, {}, version);

    // Assess
    const puts = writesTo('internal-ssl');
    expect(puts).toHaveLength(1);
    const body = puts[0]?.body as { data: Record<string, string> };
    expect(Object.keys(body.data).sort()).toEqual([...SECRET_KEYS]);
  });

  it('refuses a replace at a version that is no longer current, and writes nothing', async () => {
    // Prepare
    const read = seedSecret({}).metadata?.resourceVersion ?? '';
    seedSecret({ annotations: { 'ops.example/touched': 'yes' } });
    const writesBefore = emulator.writes().length;

    // Act
    const error = await target.write(after, {}, read).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe(
      'Secret jupyterjsc/internal-ssl changed since it was read',
    );
    expect(emulator.writes()).toHaveLength(writesBefore);
    expect((await target.read())?.data).toEqual(before);
  });

  it('turns a stale replace refused by the API server (409) into ConflictError', async () => {
    // Prepare: another writer changes the Secret while hubcerts saves the backup
    const read = seedSecret({}).metadata?.resourceVersion ?? '';
    emulator.faults.add({
      match: {
        path: `/api/v1/namespaces/${NS}/secrets`,
        where: () => {
          seedSecret({ annotations: { 'ops.example/touched': 'yes' } });
          return false;
        },
      },
      fault: { latencyMs: 0 },
    });

    // Act
    const error = await target.write(after, {}, read).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe(
      'Secret jupyterjsc/internal-ssl changed since it was read',
    );
    expect(writesTo('internal-ssl').map((r) => r.status)).toEqual([409]);
    const current = await target.read();
    expect(current?.data).toEqual(before);
    expect(current?.annotations).toEqual({ 'ops.example/touched': 'yes' });
  });

  it('refuses to create a Secret that appeared since it was read', async () => {
    // Prepare
    seedSecret({});

    // Act
    const error = await target.write(after, {}, null).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/^Secret jupyterjsc\/internal-ssl already exists/);
    expect((await target.read())?.data).toEqual(before);
  });

  it('names the field and the reason when the cluster refuses the Secret (422)', async () => {
    // Prepare
    const data = { ...after, 'bad key!': Buffer.from('x') };

    // Act
    const error = await target.write(data, {}, null).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterError);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^the cluster refused the Secret jupyterjsc\/internal-ssl: data\[bad key!\]: Invalid value/,
    );
    for (const value of Object.values(after)) {
      expect(message).not.toContain(value.toString('base64').slice(0, 40));
    }
    expect(message).not.toMatch(/BEGIN/);
    expect(emulator.find('secrets', NS, 'internal-ssl')).toBeUndefined();
  });
});

describe('the previous data', () => {
  it('keeps what the Secret held before a replace in <name>-previous', async () => {
    // Prepare
    const created = await target.write(before, { 'hubcerts.io/inventory-revision': '1' }, null);

    // Act
    await target.write(after, { 'hubcerts.io/inventory-revision': '2' }, created);
    const previous = await target.readPrevious();

    // Assess
    expect(previous?.data).toEqual(before);
    expect(previous?.annotations).toEqual({ 'hubcerts.io/inventory-revision': '1' });
    const backup = emulator.find('secrets', NS, 'internal-ssl-previous');
    expect(backup?.metadata?.labels).toEqual({ 'app.kubernetes.io/managed-by': 'hubcerts' });
    expect(backup?.['type']).toBe('Opaque');
  });

  it('replaces its own backup on the next write', async () => {
    // Prepare
    const first = await target.write(before, {}, null);
    const second = await target.write(after, {}, first);

    // Act
    await target.write(before, {}, second);

    // Assess
    expect((await target.readPrevious())?.data).toEqual(after);
  });

  it('refuses to overwrite a <name>-previous Secret that hubcerts does not manage', async () => {
    // Prepare
    const version = seedSecret({}).metadata?.resourceVersion ?? '';
    emulator.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'internal-ssl-previous', namespace: NS },
      data: { note: Buffer.from('someone else').toString('base64') },
    });

    // Act
    const error = await target.write(after, {}, version).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toMatch(
      /^Secret jupyterjsc\/internal-ssl-previous exists and is not managed by hubcerts/,
    );
    expect((await target.read())?.data).toEqual(before);
  });
});

describe('metadata others set', () => {
  it('keeps labels and foreign annotations; its own annotations are those given', async () => {
    // Prepare
    const version =
      seedSecret({
        labels: { app: 'jupyterhub' },
        annotations: {
          'meta.helm.sh/release-name': 'jupyterjsc',
          'hubcerts.io/inventory-revision': '1',
          'hubcerts.io/proxy-client-sha256': 'AA:BB',
        },
      }).metadata?.resourceVersion ?? '';

    // Act
    await target.write(after, { 'hubcerts.io/inventory-revision': '2' }, version);

    // Assess
    const stored = emulator.find('secrets', NS, 'internal-ssl');
    expect(stored?.metadata?.labels).toEqual({
      app: 'jupyterhub',
      'app.kubernetes.io/managed-by': 'hubcerts',
    });
    expect(stored?.metadata?.annotations).toEqual({
      'meta.helm.sh/release-name': 'jupyterjsc',
      'hubcerts.io/inventory-revision': '2',
    });
  });

  it('leaves a managed-by label of another tool in place', async () => {
    // Prepare
    const labels = { 'app.kubernetes.io/managed-by': 'Helm' };
    const version = seedSecret({ labels }).metadata?.resourceVersion ?? '';

    // Act
    await target.write(after, {}, version);

    // Assess
    expect(emulator.find('secrets', NS, 'internal-ssl')?.metadata?.labels).toEqual(labels);
  });
});
