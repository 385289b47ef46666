/**
 * Listing the hub Secrets of a namespace page by page for a fleet scan, including the
 * continue token that expires in the middle of a list.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { K8sClient } from '../../lib/cluster/k8s-client.js';
import { K8sFleet, type ListedSecret } from '../../lib/cluster/k8s-fleet.js';
import { ClusterError, ConfigError } from '../../lib/errors.js';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';

const NS = 'hubs';
const SELECTOR = 'app.kubernetes.io/managed-by=hubcerts';
let emulator: KubernetesEmulator;
let fleet: K8sFleet;

beforeEach(async () => {
  emulator = await KubernetesEmulator.start();
  const config = new KubeConfig();
  config.loadFromString(kubeconfigFor(emulator));
  const retry = { attempts: 2, baseMs: 1, maxDelayMs: 5, budgetMs: 1_000 };
  fleet = new K8sFleet(new K8sClient(config, { retry }));
  for (const hub of ['a', 'b', 'c', 'd', 'e'])
    seedSecret(`hub-${hub}`, { 'app.kubernetes.io/managed-by': 'hubcerts' });
  seedSecret('unrelated', { app: 'other' });
});

afterEach(async () => {
  await emulator.close();
});

function seedSecret(name: string, labels: Record<string, string>) {
  emulator.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NS, labels },
    data: { 'proxy-client_proxy-client.crt': Buffer.from(`cert of ${name}`).toString('base64') },
  });
}

async function collect(pages: AsyncIterable<ListedSecret[]>, between = () => {}) {
  const names: string[][] = [];
  for await (const page of pages) {
    names.push(page.map((s) => s.name));
    between();
  }
  return names;
}

const lists = () => emulator.requests.filter((r) => r.method === 'GET');

describe('listing Secrets', () => {
  it('hands out the matching Secrets in pages of the given size', async () => {
    // Act
    const pages = await collect(fleet.listSecrets(NS, SELECTOR, 2));

    // Assess
    expect(pages).toEqual([['hub-a', 'hub-b'], ['hub-c', 'hub-d'], ['hub-e']]);
    expect(lists().map((r) => r.query['limit'])).toEqual(['2', '2', '2']);
  });

  it('decodes each Secret with where it lives', async () => {
    // Act
    const page = (await fleet.listSecrets(NS, SELECTOR, 1).next()).value as ListedSecret[];

    // Assess
    expect(page[0]).toMatchObject({
      namespace: NS,
      name: 'hub-a',
      labels: { 'app.kubernetes.io/managed-by': 'hubcerts' },
      data: { 'proxy-client_proxy-client.crt': Buffer.from('cert of hub-a') },
    });
    expect(page[0]?.version).toMatch(/^\d+$/);
  });

  it('goes on with the fresh token after the continue token expired mid-list', async () => {
    // Act: etcd compacts after the first page
    let pagesSeen = 0;
    const pages = await collect(fleet.listSecrets(NS, SELECTOR, 2), () => {
      pagesSeen += 1;
      if (pagesSeen === 1) emulator.expireContinueTokens();
    });

    // Assess
    expect(pages.flat()).toEqual(['hub-a', 'hub-b', 'hub-c', 'hub-d', 'hub-e']);
    expect(lists().map((r) => r.status)).toEqual([200, 410, 200, 200]);
  });

  it('starts over without handing a Secret out twice when 410 brings no token', async () => {
    // Prepare
    const expired = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'The provided continue parameter is too old to display a consistent list result.',
      reason: 'Expired',
      code: 410,
    };
    emulator.faults.add({
      match: { method: 'GET' },
      nth: 2,
      fault: { status: 410, body: expired },
    });

    // Act
    const pages = await collect(fleet.listSecrets(NS, SELECTOR, 2));

    // Assess
    expect(pages.flat()).toEqual(['hub-a', 'hub-b', 'hub-c', 'hub-d', 'hub-e']);
    expect(lists().map((r) => r.query['continue'] === undefined)).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
  });

  it('gives up when the token keeps expiring', async () => {
    // Prepare
    emulator.faults.add({
      match: { method: 'GET' },
      nth: 2,
      repeat: 'always',
      fault: { status: 410 },
    });

    // Act
    const error = await collect(fleet.listSecrets(NS, SELECTOR, 2)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toMatch(
      /^could not list Secrets in hubs: the cluster answered 410/,
    );
  });

  it('refuses a page size that is not a positive whole number', async () => {
    // Act
    const error = await collect(fleet.listSecrets(NS, SELECTOR, 0)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(emulator.requests).toHaveLength(0);
  });
});
