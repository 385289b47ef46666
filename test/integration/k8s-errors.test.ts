/**
 * How the Kubernetes backends meet a failing API server: which answers are tried again and
 * after how long, which are reported at once, how a write whose answer was lost is
 * recognised as applied, and what the person reading the error is told.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Publication } from '../../lib/backends.js';
import { createK8sPublication } from '../../lib/cluster/k8s.js';
import { ClusterError } from '../../lib/errors.js';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';

const NS = 'jupyterjsc';
const SECRET_PATH = `/api/v1/namespaces/${NS}/secrets/internal-ssl`;
const RETRY = { attempts: 3, baseMs: 1, maxDelayMs: 2_000, budgetMs: 10_000 };
let emulator: KubernetesEmulator;
let publication: Publication;

beforeEach(async () => {
  emulator = await KubernetesEmulator.start({ token: 'good-token' });
  publication = open('good-token');
});

afterEach(async () => {
  await emulator.close();
});

function open(token: string): Publication {
  const config = new KubeConfig();
  config.loadFromString(kubeconfigFor(emulator, { token }));
  return createK8sPublication(`${NS}/internal-ssl`, config, { retry: RETRY, pollMs: 5 });
}

const data = { 'a.crt': Buffer.from('certificate a') };

function seedSecret() {
  return emulator.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'internal-ssl', namespace: NS },
    data: { 'a.crt': data['a.crt'].toString('base64') },
  });
}

const requestsTo = (path: string) => emulator.requests.filter((r) => r.path === path);

describe('answers worth another attempt', () => {
  it('waits as long as a 429 asks before trying again', async () => {
    // Prepare
    seedSecret();
    emulator.faults.add({
      match: { path: SECRET_PATH },
      fault: { status: 429, retryAfterSeconds: 1 },
    });

    // Act
    const secret = await publication.secret.read();

    // Assess
    expect(secret?.data).toEqual(data);
    const [first, second] = requestsTo(SECRET_PATH);
    expect(first?.status).toBe(429);
    expect(second?.status).toBe(200);
    const waited = (second?.receivedAt.getTime() ?? 0) - (first?.receivedAt.getTime() ?? 0);
    expect(waited).toBeGreaterThanOrEqual(950);
  });

  it('tries again after a 500 from the API server', async () => {
    // Prepare
    seedSecret();
    emulator.faults.add({ match: { path: SECRET_PATH }, fault: { status: 500 } });

    // Act
    const secret = await publication.secret.read();

    // Assess
    expect(secret?.data).toEqual(data);
    expect(requestsTo(SECRET_PATH).map((r) => r.status)).toEqual([500, 200]);
  });

  it('tries again after the connection was reset', async () => {
    // Prepare
    seedSecret();
    emulator.faults.add({ match: { path: SECRET_PATH }, fault: { reset: true } });

    // Act
    const secret = await publication.secret.read();

    // Assess
    expect(secret?.data).toEqual(data);
    expect(requestsTo(SECRET_PATH)).toHaveLength(2);
  });

  it('gives up after the attempts of the policy and says the failure may pass', async () => {
    // Prepare
    seedSecret();
    emulator.faults.add({ match: { path: SECRET_PATH }, repeat: 'always', fault: { status: 503 } });

    // Act
    const error = await publication.secret.read().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).retryable).toBe(true);
    expect((error as Error).message).toMatch(
      /^could not read Secret jupyterjsc\/internal-ssl: the cluster answered 503 \(Service/,
    );
    expect(requestsTo(SECRET_PATH)).toHaveLength(RETRY.attempts);
  });
});

describe('answers reported at once', () => {
  it('reports a 403 as a permission problem without trying again', async () => {
    // Prepare
    emulator.faults.add({ match: { path: SECRET_PATH }, fault: { status: 403 } });

    // Act
    const error = await publication.secret.read().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).retryable).toBe(false);
    const message = (error as Error).message;
    expect(message).toMatch(/^permission denied: cannot read Secret jupyterjsc\/internal-ssl \(/);
    expect(message).toMatch(/cannot get resource "secrets" .*\); check the Role/);
    expect(requestsTo(SECRET_PATH)).toHaveLength(1);
  });

  it('reports credentials the cluster does not accept (401)', async () => {
    // Prepare
    const stranger = open('wrong-token');

    // Act
    const error = await stranger.secret.read().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toMatch(
      /did not accept our credentials.*check the kubeconfig/,
    );
    expect(emulator.requests).toHaveLength(1);
  });

  it('names the address when nothing answers', async () => {
    // Prepare
    await emulator.close();

    // Act
    const error = await publication.secret.read().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toBe(
      'could not read Secret jupyterjsc/internal-ssl: the cluster did not answer (ECONNREFUSED)',
    );
  });
});

describe('writes whose answer was lost', () => {
  it('recognises a replace applied before the 504 instead of reporting a conflict', async () => {
    // Prepare
    const version = seedSecret().metadata?.resourceVersion ?? null;
    const renewed = { 'a.crt': Buffer.from('certificate b') };
    emulator.faults.add({
      match: { method: 'PUT', path: SECRET_PATH },
      fault: { status: 504, afterApply: true },
    });

    // Act
    const written = await publication.secret.write(renewed, {}, version);

    // Assess
    const current = await publication.secret.read();
    expect(current?.data).toEqual(renewed);
    expect(written).toBe(current?.version);
    expect(emulator.writes().filter((r) => r.path === SECRET_PATH)).toHaveLength(1);
  });

  it('recognises a create that was applied before the connection dropped', async () => {
    // Prepare
    emulator.faults.add({
      match: { method: 'POST', path: `/api/v1/namespaces/${NS}/secrets` },
      fault: { reset: true, afterApply: true },
    });

    // Act
    const written = await publication.secret.write(data, {}, null);

    // Assess
    const current = await publication.secret.read();
    expect(current?.data).toEqual(data);
    expect(written).toBe(current?.version);
  });

  it('sends a replace again when the 500 came before anything was applied', async () => {
    // Prepare
    const version = seedSecret().metadata?.resourceVersion ?? null;
    const renewed = { 'a.crt': Buffer.from('certificate b') };
    emulator.faults.add({ match: { method: 'PUT', path: SECRET_PATH }, fault: { status: 500 } });

    // Act
    await publication.secret.write(renewed, {}, version);

    // Assess
    expect((await publication.secret.read())?.data).toEqual(renewed);
    const puts = emulator.writes().filter((r) => r.path === SECRET_PATH);
    expect(puts.map((r) => r.status)).toEqual([500, 200]);
  });
});
