/**
 * The inventory webhook against the Kubernetes emulator through the real client: the Secret
 * `k8s:jupyterjsc/internal-ssl`, `deployment/proxy` restarted after each change, the store
 * and the inventory record on files. The last test restarts the real configurable-http-proxy
 * whenever the emulator's Deployment controller would roll out new pods.
 */
import { X509Certificate } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signPayload } from '../../functions/http/signature.js';
import { handler } from '../../functions/reissueProxyClient.js';
import { resetColdStart } from '../../functions/shared/runtime.js';
import { fromSecretData, toSecretData } from '../../lib/certset/secret.js';
import { inspectPem } from '../../lib/pki/inspect.js';
import { REVISION_ANNOTATION } from '../../lib/workflows/reissue/index.js';
import { type KubeObject, KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';
import { inventoryOf } from '../helpers/hub.js';
import {
  captureLog,
  httpEvent,
  lambdaContext,
  makeWebhookHub,
  WEBHOOK_KEY,
  type WebhookHub,
} from '../helpers/webhook.js';
import { type RunningProxy, startProxy, tlsHandshake } from '../peers/proxy-peer.js';

const NS = 'jupyterjsc';
const NODES = ['jwlogin01i', 'jwlogin02i', 'jwlogin03i'];
const APPLIED_REVISION = 5;

let hub: WebhookHub;
let emulator: KubernetesEmulator;
let original: Record<string, string>;

beforeEach(async () => {
  // Files hold the store and the inventory record; the cluster holds the Secret.
  hub = await makeWebhookHub(NODES, APPLIED_REVISION);
  emulator = await KubernetesEmulator.start();
  original = encode(toSecretData(hub.fixture.set, hub.fixture.leaves, 'internal-ssl'));
  emulator.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'internal-ssl',
      namespace: NS,
      annotations: { [REVISION_ANNOTATION]: String(APPLIED_REVISION) },
    },
    type: 'Opaque',
    data: original,
  });
  emulator.seedDeployment(NS, 'proxy');

  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(hub.env)) vi.stubEnv(name, value);
  vi.stubEnv('HUBCERTS_SECRET', `k8s:${NS}/internal-ssl`);
  vi.stubEnv('HUBCERTS_RESTART', 'deployment/proxy');
  vi.stubEnv('HUBCERTS_KUBECONFIG', kubeconfigFor(emulator));
  vi.stubEnv('KUBECONFIG', undefined);
  resetColdStart();
  captureLog();
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await emulator.close();
  await hub.cleanup();
});

function encode(data: Record<string, Buffer>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString('base64')]));
}

function clusterSecret() {
  const secret = emulator.find('secrets', NS, 'internal-ssl') as KubeObject & {
    data: Record<string, string>;
  };
  const data = Object.fromEntries(
    Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  );
  const leaf = fromSecretData(data, 'cluster').leaves['proxy-client'];
  return {
    raw: secret.data,
    data,
    annotations: secret.metadata?.annotations ?? {},
    sans: inspectPem(leaf.cert).sans,
    fingerprint: inspectPem(leaf.cert).fingerprintSha256,
  };
}

async function postAddingNode(node = 'jwlogin04i') {
  const body = JSON.stringify(inventoryOf(APPLIED_REVISION + 1, [...NODES, node]));
  const t = Math.floor(Date.now() / 1000);
  const event = httpEvent(body, { 'x-hubcerts-signature': signPayload(body, WEBHOOK_KEY, t) });
  const response = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(String(response.body)) };
}

describe('the inventory webhook on a Kubernetes cluster', () => {
  it('converges when the Secret replace loses a race (409) during publish', async () => {
    // Prepare
    emulator.autoCompleteRollouts = { afterReads: 1 };
    const conflict = emulator.faults.add({
      match: { method: 'PUT', path: `/api/v1/namespaces/${NS}/secrets/internal-ssl` },
      fault: { status: 409 },
    });

    // Act
    const { status, body } = await postAddingNode();

    // Assess
    expect(conflict.fired).toBe(1);
    expect(status).toBe(200);
    expect(body).toMatchObject({ code: 'APPLIED', restarted: ['deployment/proxy'] });
    const secret = clusterSecret();
    expect(secret.sans).toContain('DNS:jwlogin04i');
    expect(secret.fingerprint).toBe(body.fingerprint);
    expect(secret.annotations[REVISION_ANNOTATION]).toBe(String(APPLIED_REVISION + 1));
  });

  it('answers 202 with how to follow the rollout when it has not finished in time', async () => {
    // Prepare: the new pods never become ready; a short rollout timeout keeps the test fast.
    vi.stubEnv('HUBCERTS_ROLLOUT_TIMEOUT', '2');
    resetColdStart();
    emulator.onTemplateChange(() => emulator.rollout(NS, 'proxy').stall());

    // Act
    const { status, body } = await postAddingNode();

    // Assess
    expect(status).toBe(202);
    expect(body).toMatchObject({ code: 'ROLLOUT_PENDING', revision: APPLIED_REVISION + 1 });
    expect(body.follow).toContain('kubectl rollout status deployment/proxy');
    expect(body.message).toMatch(/hubcerts scan --probe/);
    expect(clusterSecret().sans).toContain('DNS:jwlogin04i');
  });

  it('answers 502 restored: true and puts the old Secret back when the rollout fails', async () => {
    // Prepare: the first rollout exceeds its progress deadline, the restoring one is fine.
    let changes = 0;
    emulator.onTemplateChange(() => {
      changes += 1;
      if (changes === 1) emulator.rollout(NS, 'proxy').deadlineExceeded();
    });

    // Act
    const { status, body } = await postAddingNode();

    // Assess
    expect(status).toBe(502);
    expect(body).toMatchObject({ code: 'ROLLOUT_FAILED', restored: true });
    expect(body.message).toMatch(/exceeded its progress deadline/);
    const secret = clusterSecret();
    expect(secret.raw).toEqual(original);
    expect(secret.annotations[REVISION_ANNOTATION]).toBe(String(APPLIED_REVISION));
    expect(changes).toBe(2);
  });

  it('restarts the real proxy onto a certificate labs reach under the new login node', async () => {
    // Prepare: the proxy serves the Secret as it is; each rollout starts it on the new data.
    let proxy: RunningProxy = await startProxy(clusterSecret().data, `${hub.dir}/mount-0`);
    let generation = 0;
    emulator.autoCompleteRollouts = { afterReads: 1 };
    emulator.onTemplateChange(async () => {
      generation += 1;
      await proxy.stop();
      proxy = await startProxy(clusterSecret().data, `${hub.dir}/mount-${generation}`);
    });
    const labTrust = clusterSecret().data['notebooks-ca_trust.crt']!;
    const before = await tlsHandshake(proxy.port, 'jwlogin04i', labTrust).catch((e) => e);

    try {
      // Act
      const { status, body } = await postAddingNode();
      const served = await tlsHandshake(proxy.port, 'jwlogin04i', labTrust);

      // Assess
      expect(before).toBeInstanceOf(Error);
      expect(before.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(status).toBe(200);
      expect(body.code).toBe('APPLIED');
      expect(generation).toBe(1);
      const pem = new X509Certificate(served).toString();
      expect(inspectPem(pem).fingerprintSha256).toBe(body.fingerprint);
      expect(inspectPem(pem).sans).toContain('DNS:jwlogin04i');
    } finally {
      await proxy.stop();
    }
  });
});
