import { beforeAll, describe, expect, it } from 'vitest';
import { toSecretData } from '../../lib/certset/secret.js';
import { inspectPem } from '../../lib/pki/inspect.js';
import { certificatesIn } from '../../lib/pki/pem.js';
import { checkLegacy } from '../../lib/workflows/scan/checks/legacy.js';
import { runScan, type ScanSources } from '../../lib/workflows/scan/index.js';
import type { FindingCode, ScanReport } from '../../lib/workflows/scan/report.js';
import { type HubFixture, inventoryOf, makeHub, NOW } from '../helpers/hub.js';
import { MemoryInventory, MemorySecret, MemoryStore } from '../helpers/memory.js';

const THRESHOLDS = { warnDays: 30, criticalDays: 7, caWarnDays: 365, caCriticalDays: 90 };
const DAY = 86_400_000;
let hub: HubFixture;
let other: HubFixture;

beforeAll(async () => {
  [hub, other] = await Promise.all([
    makeHub(['jwlogin01i', 'jwlogin02i']),
    makeHub(['jwlogin01i']),
  ]);
});

function sources(
  fixture: HubFixture,
  options: { loginNodes?: string[]; data?: Record<string, Buffer> } = {},
): ScanSources {
  const inventory = new MemoryInventory();
  inventory.current = {
    inventory: inventoryOf(1, options.loginNodes ?? ['jwlogin01i', 'jwlogin02i']),
    version: '1',
  };
  return {
    store: new MemoryStore(fixture.set),
    secret: new MemorySecret(
      options.data ?? toSecretData(fixture.set, fixture.leaves, 'internal-ssl'),
    ),
    inventory,
  };
}

const scan = (s: ScanSources, now = NOW) => runScan(s, { ...THRESHOLDS, now });
const codes = (report: ScanReport) =>
  report.findings.map((f) => `${f.severity}:${f.code}:${f.certificate}`);

describe('the scan of a healthy hub', () => {
  it('reports every certificate once per source and no findings', async () => {
    const report = await scan(sources(hub));

    expect(report.status).toBe('ok');
    expect(report.findings).toEqual([]);
    expect(report.certificates.map((c) => c.id)).toEqual([
      'store:hub-ca',
      'store:notebooks-ca',
      'store:proxy-api-ca',
      'store:proxy-client-ca',
      'store:services-ca',
      'secret:hub-ca',
      'secret:notebooks-ca',
      'secret:proxy-api-ca',
      'secret:proxy-client-ca',
      'secret:services-ca',
      'secret:proxy-api',
      'secret:proxy-client',
    ]);
    const client = report.certificates.find((c) => c.id === 'secret:proxy-client')!;
    expect(client.sans).toEqual([
      'IP:127.0.0.1',
      'IP:::1',
      'DNS:localhost',
      'DNS:hub',
      'DNS:jwlogin01i',
      'DNS:jwlogin02i',
    ]);
    expect(client.daysLeft).toBe(365);
    expect(report.checkedAt).toBe(NOW.toISOString());
  });
});

describe('expiry', () => {
  it(
    'warns about a leaf inside the warning window ' + 'and is critical inside the critical one',
    async () => {
      const warning = await scan(sources(hub), new Date(NOW.getTime() + 340 * DAY));
      const critical = await scan(sources(hub), new Date(NOW.getTime() + 360 * DAY));

      expect(codes(warning)).toEqual([
        'warning:EXPIRES_SOON:secret:proxy-api',
        'warning:EXPIRES_SOON:secret:proxy-client',
      ]);
      expect(warning.status).toBe('warning');
      expect(codes(critical)).toEqual([
        'critical:EXPIRES_SOON:secret:proxy-api',
        'critical:EXPIRES_SOON:secret:proxy-client',
      ]);
      expect(critical.findings[0]?.message).toMatch(/run hubcerts reissue/);
    },
  );

  it('reports an expired leaf as EXPIRED', async () => {
    const report = await scan(sources(hub), new Date(NOW.getTime() + 366 * DAY));
    expect(codes(report)).toContain('critical:EXPIRED:secret:proxy-client');
    expect(report.status).toBe('critical');
  });

  it('reports a certificate from the future as NOT_YET_VALID', async () => {
    const report = await scan(sources(hub), new Date(NOW.getTime() - DAY));
    expect(codes(report)).toContain('critical:NOT_YET_VALID:store:hub-ca');
  });

  it(
    'judges CAs by the CA thresholds, ' + 'once per CA even though the Secret holds a copy',
    async () => {
      const report = await scan(sources(hub), new Date(NOW.getTime() + 1600 * DAY));
      const caFindings = report.findings.filter((f) => f.certificate.endsWith('-ca'));

      expect(caFindings.map((f) => `${f.severity}:${f.certificate}`)).toEqual([
        'warning:store:hub-ca',
        'warning:store:notebooks-ca',
        'warning:store:proxy-api-ca',
        'warning:store:proxy-client-ca',
        'warning:store:services-ca',
      ]);
      expect(caFindings[0]?.message).toMatch(
        /plan a CA rotation \(hubcerts rotate plan\) before 2031-12-03/,
      );
    },
  );
});

describe('drift against the inventory', () => {
  it('reports a login node the certificate does not name as SAN_MISSING, critical', async () => {
    const report = await scan(
      sources(hub, { loginNodes: ['jwlogin01i', 'jwlogin02i', 'jwlogin03i'] }),
    );
    expect(codes(report)).toEqual(['critical:SAN_MISSING:secret:proxy-client']);
    expect(report.findings[0]?.message).toContain('DNS:jwlogin03i');
  });

  it('reports a name the inventory dropped as SAN_UNEXPECTED, a warning', async () => {
    const report = await scan(sources(hub, { loginNodes: ['jwlogin01i'] }));
    expect(codes(report)).toEqual(['warning:SAN_UNEXPECTED:secret:proxy-client']);
    expect(report.findings[0]?.message).toContain('DNS:jwlogin02i');
  });
});

describe('consistency of the published material', () => {
  it('reports a leaf key that does not match as KEY_MISMATCH', async () => {
    const data = toSecretData(hub.set, hub.leaves, 'internal-ssl');
    data['proxy-client_proxy-client.key'] = Buffer.from(hub.leaves['proxy-api'].key);
    const report = await scan(sources(hub, { data }));

    expect(codes(report)).toEqual(['critical:KEY_MISMATCH:secret:proxy-client']);
    expect(report.findings[0]?.message).toMatch(
      /proxy-client_proxy-client\.key in memory:secret does not match/,
    );
    expect(report.findings[0]?.message).not.toContain('PRIVATE KEY');
  });

  it('reports a leaf from another CA as CHAIN_INVALID', async () => {
    const data = toSecretData(
      hub.set,
      { ...hub.leaves, 'proxy-client': other.leaves['proxy-client'] },
      'internal-ssl',
    );
    const report = await scan(sources(hub, { data, loginNodes: ['jwlogin01i'] }));
    expect(codes(report)).toEqual(['critical:CHAIN_INVALID:secret:proxy-client']);
  });

  it(
    'reports a stale trust bundle as TRUST_BUNDLE_MISMATCH ' + 'and as divergence from the store',
    async () => {
      const data = toSecretData(hub.set, hub.leaves, 'internal-ssl');
      data['notebooks-ca_trust.crt'] = Buffer.from(other.set.bundles['notebooks-ca']);
      const report = await scan(sources(hub, { data }));

      expect(codes(report)).toEqual([
        'critical:TRUST_BUNDLE_MISMATCH:secret:notebooks-ca',
        'critical:SECRET_STORE_DIVERGED:secret:notebooks-ca',
      ]);
    },
  );

  it('reports a Secret with another CA set as SECRET_STORE_DIVERGED, naming the side', async () => {
    const s = sources(hub);
    s.secret = new MemorySecret(toSecretData(other.set, other.leaves, 'internal-ssl'));
    const report = await scan({ ...s, inventory: undefined });

    const diverged = report.findings.filter((f) => f.code === 'SECRET_STORE_DIVERGED');
    expect(diverged).toHaveLength(5);
    expect(diverged[0]?.message).toMatch(
      /Secret memory:secret holds a different hub-ca than store memory:store/,
    );
  });
});

describe('certipy.json against the files', () => {
  it('accepts the records hubcerts writes for the configured prefix', async () => {
    const report = await runScan(sources(hub), {
      ...THRESHOLDS,
      now: NOW,
      certipyPrefix: 'internal-ssl',
    });
    expect(report.findings).toEqual([]);
  });

  it(
    'reports records under another prefix than the hub unpacks to ' + 'as CERTIPY_MISMATCH',
    async () => {
      const data = toSecretData(hub.set, hub.leaves, '/srv/elsewhere');
      const report = await runScan(sources(hub, { data }), {
        ...THRESHOLDS,
        now: NOW,
        certipyPrefix: 'internal-ssl',
      });

      expect(codes(report)).toEqual(['critical:CERTIPY_MISMATCH:secret:certipy.json']);
      expect(report.findings[0]?.message).toMatch(/expected paths under internal-ssl\//);
    },
  );

  it('reports a leaf record with the wrong parent CA', async () => {
    const data = toSecretData(hub.set, hub.leaves, 'internal-ssl');
    const records = JSON.parse(data['certipy.json']!.toString());
    records['proxy-client'].parent_ca = 'hub-ca';
    data['certipy.json'] = Buffer.from(JSON.stringify(records));
    const report = await runScan(sources(hub, { data }), {
      ...THRESHOLDS,
      now: NOW,
      certipyPrefix: 'internal-ssl',
    });

    expect(report.findings[0]?.message).toMatch(/does not match its files for .*proxy-client/);
  });
});

describe('sources that cannot be read', () => {
  it('makes the status unknown and still scans the other sources', async () => {
    const s = sources(hub);
    s.store = {
      ...new MemoryStore(),
      ref: 'vault:secret/x',
      read: async () => {
        throw new Error('Vault is sealed');
      },
    } as never;
    const report = await scan(s);

    expect(report.status).toBe('unknown');
    expect(codes(report)).toEqual(['critical:SOURCE_UNREADABLE:vault:secret/x']);
    expect(report.findings[0]?.message).toBe('vault:secret/x cannot be read: Vault is sealed');
    expect(report.certificates).toHaveLength(7);
  });

  it('treats a missing Secret as unreadable, never as ok', async () => {
    const s = sources(hub);
    s.secret = new MemorySecret();
    const report = await scan(s);
    expect(report.status).toBe('unknown');
    expect(report.findings[0]?.message).toMatch(/the Secret does not exist/);
  });
});

describe('live endpoints', () => {
  it('reports an endpoint serving another certificate as ENDPOINT_MISMATCH', async () => {
    const stale = certificatesIn(other.leaves['proxy-client'].cert)[0]!;
    const report = await runScan(
      { ...sources(hub), probes: ['jwlogin01i:443'] },
      { ...THRESHOLDS, now: NOW, fetchServed: async () => stale },
    );
    expect(codes(report)).toEqual(['critical:ENDPOINT_MISMATCH:endpoint:jwlogin01i:443']);
    expect(report.findings[0]?.message).toMatch(/restart the proxy/);
  });

  it('accepts an endpoint serving the published certificate', async () => {
    const served = certificatesIn(hub.leaves['proxy-client'].cert)[0]!;
    const report = await runScan(
      { ...sources(hub), probes: ['jwlogin01i:443'] },
      { ...THRESHOLDS, now: NOW, fetchServed: async () => served },
    );
    expect(report.status).toBe('ok');
    expect(report.certificates.at(-1)?.id).toBe('endpoint:jwlogin01i:443');
  });

  it('reports an endpoint that does not answer as unreadable', async () => {
    const report = await runScan(
      { ...sources(hub), probes: ['jwlogin01i:443'] },
      {
        ...THRESHOLDS,
        now: NOW,
        fetchServed: async () => {
          throw new Error('connect ECONNREFUSED');
        },
      },
    );
    expect(codes(report)).toEqual(['critical:SOURCE_UNREADABLE:endpoint:jwlogin01i:443']);
  });
});

describe('legacy material', () => {
  it('names each legacy trait and the step that replaces it', () => {
    const info = {
      ...inspectPem(hub.set.cas['hub-ca'].cert),
      legacy: ['VERSION_1', 'SERIAL_ZERO'] as const,
    };
    const cert = {
      id: 'store:hub-ca',
      source: 's',
      name: 'hub-ca',
      isCa: true,
      pem: '',
      info: { ...info, legacy: [...info.legacy] },
    };
    const [finding] = checkLegacy(cert);
    expect(finding?.code satisfies FindingCode | undefined).toBe('LEGACY_X509');
    expect(finding?.message).toBe(
      'store:hub-ca is legacy material (X.509 version 1, serial 0); ' +
        'the next CA rotation replaces it',
    );
  });
});
