import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import scheduled from '../../events/expiryScan-schedule.json' with { type: 'json' };
import { handler } from '../../functions/expiryScan.js';
import { resetColdStart } from '../../functions/shared/runtime.js';
import { openInventory, openPublication, openStore } from '../../lib/backends.js';
import { toSecretData } from '../../lib/certset/secret.js';
import { UsageError } from '../../lib/errors.js';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';
import { VaultEmulator } from '../emulators/vault.js';
import { type HubFixture, inventoryOf, makeHub, tempDir } from '../helpers/hub.js';
import { type RunningProxy, startProxy } from '../peers/proxy-peer.js';

const NODES = ['jwlogin01i', 'jwlogin02i'];
const CONTEXT = { awsRequestId: 'req-scan-1' } as Context;
let vault: VaultEmulator;
let k8s: KubernetesEmulator;
let hub: HubFixture;
let stale: HubFixture;
let proxy: RunningProxy;
let alerts: Server;
const received: unknown[] = [];
let cleanup: () => Promise<void>;
let env: Record<string, string>;

beforeAll(async () => {
  [vault, k8s, hub, stale] = await Promise.all([
    VaultEmulator.start(),
    KubernetesEmulator.start(),
    makeHub(NODES),
    makeHub(NODES, { leafDays: 10 }),
  ]);
  alerts = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push(JSON.parse(body));
      response.writeHead(200).end('ok');
    });
  });
  alerts.listen(0, '127.0.0.1');
  await once(alerts, 'listening');
  // The live proxy still serves an old certificate: it was never restarted.
  const dir = await tempDir('hubcerts-scanfn-');
  cleanup = dir.cleanup;
  proxy = await startProxy(
    toSecretData(stale.set, stale.leaves, 'internal-ssl'),
    join(dir.dir, 'mounted'),
  );

  const options = {
    env: { VAULT_ADDR: vault.url, VAULT_TOKEN: 'root' },
    kubeconfig: kubeconfigFor(k8s),
  };
  await (await openStore('vault:secret/hub#value', options)).write(hub.set, null, {
    who: 'test',
    why: 'seed',
  });
  await (await openInventory('vault:secret/inventory', options)).write(inventoryOf(1, NODES), null);
  await (await openPublication('k8s:jupyterjsc/internal-ssl', options)).secret.write(
    toSecretData(hub.set, hub.leaves, 'internal-ssl'),
    {},
    null,
  );
  // 25 per-user Secrets holding a certificate that expires in 10 days.
  for (let i = 0; i < 25; i++) {
    k8s.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `user-${i}`, namespace: 'users', labels: { app: 'jupyterhub-user' } },
      data: { 'tls.crt': Buffer.from(stale.leaves['proxy-client'].cert).toString('base64') },
    });
  }
  const port = (alerts.address() as { port: number }).port;
  env = {
    VAULT_ADDR: vault.url,
    VAULT_TOKEN: 'root',
    HUBCERTS_HUB: 'jupyter-jsc',
    HUBCERTS_STORE: 'vault:secret/hub#value',
    HUBCERTS_SECRET: 'k8s:jupyterjsc/internal-ssl',
    HUBCERTS_INVENTORY: 'vault:secret/inventory',
    HUBCERTS_KUBECONFIG: kubeconfigFor(k8s),
    HUBCERTS_FLEET: 'k8s:users?labelSelector=app%3Djupyterhub-user&limit=10',
    HUBCERTS_PROBE: `127.0.0.1:${proxy.port}`,
    HUBCERTS_ALERTS: `json+http://127.0.0.1:${port}/hooks/secret-path`,
  };
});

afterAll(async () => {
  await proxy?.stop();
  alerts?.close();
  await Promise.all([vault?.close(), k8s?.close(), cleanup?.()]);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  resetColdStart();
  received.length = 0;
});

function stubEnv(overrides: Record<string, string> = {}) {
  for (const [name, value] of Object.entries({ ...env, ...overrides })) vi.stubEnv(name, value);
  resetColdStart();
}

function captureStdout(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

describe('expiryScan on a schedule', () => {
  it(
    'scans store, Secret, inventory, fleet and endpoint, ' + 'and reports by the contract',
    async () => {
      // Prepare: the second page of the fleet list meets an expired continue token.
      stubEnv();
      const stdout = captureStdout();
      const expired = k8s.faults.add({
        match: {
          method: 'GET',
          path: /\/namespaces\/users\/secrets/,
          where: (r) => Boolean(r.query.continue),
        },
        nth: 1,
        fault: { status: 410 },
      });

      // Act
      const report = await handler(scheduled, CONTEXT);

      // Assess: the report
      expect(Object.keys(report)).toEqual(['status', 'checkedAt', 'certificates', 'findings']);
      expect(report.status).toBe('critical');
      const codes = report.findings.map((f) => `${f.code}:${f.certificate}`);
      expect(codes).toContain(`ENDPOINT_MISMATCH:endpoint:127.0.0.1:${proxy.port}`);
      const fleet = report.findings.filter((f) => f.certificate.startsWith('fleet:'));
      expect(fleet).toHaveLength(25);
      expect(new Set(fleet.map((f) => f.certificate)).size).toBe(25);
      expect(fleet[0]).toMatchObject({ severity: 'warning', code: 'EXPIRES_SOON' });
      expect(report.certificates.map((c) => c.id)).toContain('secret:proxy-client');
      expect(report.findings.filter((f) => f.code === 'SOURCE_UNREADABLE')).toEqual([]);
      expect(expired.fired).toBe(1);

      // Assess: one alert, carrying the same report; metrics and logs on stdout.
      expect(received).toEqual([
        { source: 'hubcerts', hub: 'jupyter-jsc', report: JSON.parse(JSON.stringify(report)) },
      ]);
      const emf = stdout.map((l) => JSON.parse(l)).filter((l) => l._aws);
      expect(emf.find((d) => 'ScanStatus' in d)).toMatchObject({
        ScanStatus: 2,
        Hub: 'jupyter-jsc',
      });
      const logs = stdout.map((l) => JSON.parse(l)).filter((l) => l.message);
      expect(logs.at(-1)).toMatchObject({
        level: 'info',
        message: 'scan finished',
        function: 'expiryScan',
        requestId: 'req-scan-1',
      });
      expect(stdout.join('')).not.toMatch(/PRIVATE KEY|secret-path/);
    },
  );

  it('reports a sealed Vault as UNKNOWN and still alerts', async () => {
    stubEnv({ HUBCERTS_FLEET: '', HUBCERTS_PROBE: '' });
    captureStdout();
    vault.seal();
    try {
      const report = await handler({}, CONTEXT);

      expect(report.status).toBe('unknown');
      expect(
        report.findings.filter((f) => f.code === 'SOURCE_UNREADABLE').map((f) => f.certificate),
      ).toEqual(expect.arrayContaining(['vault:secret/hub#value']));
      expect(received).toHaveLength(1);
    } finally {
      vault.unseal();
    }
  });

  it('refuses an event that is not a schedule, naming its fields', async () => {
    stubEnv();
    captureStdout();
    await expect(handler({ action: 'plan' }, CONTEXT)).rejects.toThrow(UsageError);
    expect(received).toEqual([]);
  });
});
