import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromSecretData, toSecretData } from '../../lib/certset/secret.js';
import { FileSecret } from '../../lib/cluster/file.js';
import { loadSettings } from '../../lib/config.js';
import { hubsOf } from '../../lib/hubs.js';
import { silentLogger } from '../../lib/log.js';
import { inspectPem } from '../../lib/pki/inspect.js';
import { DirStore } from '../../lib/store/dir.js';
import { REVISION_ANNOTATION } from '../../lib/workflows/reissue/index.js';
import { scanHubs } from '../../lib/workflows/scan/hubs.js';
import { inventoryOf, makeHub, NOW, tempDir, writeInventory } from '../helpers/hub.js';

let dir: string;
let cleanup: () => Promise<void>;
const NODES = ['jwlogin01i', 'jwlogin02i'];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('hubcerts-renew-'));
});
afterEach(() => cleanup());

/** A hub on files whose leaves expire in `leafDays`, with an inventory naming `nodes`. */
async function hubOnFiles(leafDays: number, nodes: string[], revision = 1) {
  const hub = await makeHub(NODES, { leafDays });
  await new DirStore(join(dir, 'ca_certs')).write(hub.set, null, { who: 't', why: 'seed' });
  const secret = new FileSecret(join(dir, 'secret.yaml'));
  await secret.write(
    toSecretData(hub.set, hub.leaves, 'internal-ssl'),
    { [REVISION_ANNOTATION]: '1' },
    null,
  );
  await writeInventory(join(dir, 'inventory.yaml'), inventoryOf(revision, nodes));
  return { hub, secret };
}

async function settings(renew: 'on' | 'off') {
  return loadSettings({
    HUBCERTS_STORE: `dir:${join(dir, 'ca_certs')}`,
    HUBCERTS_SECRET: `file:${join(dir, 'secret.yaml')}`,
    HUBCERTS_INVENTORY: `file:${join(dir, 'inventory.yaml')}`,
    HUBCERTS_KEY_TYPE: 'ec-p256',
    HUBCERTS_RENEW: renew,
  });
}

const scan = async (renew: 'on' | 'off') => {
  const current = await settings(renew);
  return scanHubs(hubsOf(current), {
    settings: current,
    backends: { env: {} },
    log: silentLogger,
    now: () => NOW,
  });
};

describe('the scheduled scan with renewal on', () => {
  it('reissues an expiring proxy-client and reports the renewed state', async () => {
    const { hub, secret } = await hubOnFiles(20, NODES);
    const report = await scan('on');

    expect(report.status).toBe('ok');
    const leaf = fromSecretData((await secret.read())!.data, 's').leaves['proxy-client'];
    expect(leaf.cert).not.toBe(hub.leaves['proxy-client'].cert);
    expect(inspectPem(leaf.cert).notAfter.getTime()).toBeGreaterThan(
      NOW.getTime() + 300 * 86_400_000,
    );
  });

  it('adds a login node missing from the certificate', async () => {
    const { secret } = await hubOnFiles(365, [...NODES, 'jwlogin03i'], 2);
    const report = await scan('on');

    expect(report.findings).toEqual([]);
    const leaf = fromSecretData((await secret.read())!.data, 's').leaves['proxy-client'];
    expect(inspectPem(leaf.cert).sans).toContain('DNS:jwlogin03i');
  });

  it('never drops a name by itself: SAN_UNEXPECTED stays a finding', async () => {
    const { hub, secret } = await hubOnFiles(365, NODES.slice(0, 1), 2);
    const report = await scan('on');

    expect(report.findings.map((f) => f.code)).toEqual(['SAN_UNEXPECTED']);
    expect(fromSecretData((await secret.read())!.data, 's').leaves).toEqual(hub.leaves);
  });
});

describe('the scheduled scan with renewal off', () => {
  it('only reports, writing nothing', async () => {
    const { hub, secret } = await hubOnFiles(20, NODES);
    const report = await scan('off');

    expect(report.findings.map((f) => f.code)).toEqual(['EXPIRES_SOON', 'EXPIRES_SOON']);
    expect(fromSecretData((await secret.read())!.data, 's').leaves).toEqual(hub.leaves);
  });
});
