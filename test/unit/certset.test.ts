import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBundles, normalisePem } from '../../lib/certset/caset.js';
import { caSetFromFiles, caSetToFiles } from '../../lib/certset/layout.js';
import { CA_NAMES, TRUST_GRAPH } from '../../lib/certset/model.js';
import { fromSecretData, SECRET_KEYS, toSecretData } from '../../lib/certset/secret.js';
import { assertConsistent, checkCaSet, checkLeaves } from '../../lib/certset/validate.js';
import { CertSetError } from '../../lib/errors.js';
import { type HubFixture, makeHub } from '../helpers/hub.js';

let hub: HubFixture;
beforeAll(async () => {
  hub = await makeHub();
});

describe('a new CA set', () => {
  it('has five self-signed CAs whose bundles follow the trust graph in order', () => {
    for (const ca of CA_NAMES) {
      const certs = hub.set.bundles[ca].split(/(?<=-----END CERTIFICATE-----\n)/).filter(Boolean);
      const subjects = certs.map((pem) => new X509Certificate(pem).subject);
      expect(subjects).toEqual(TRUST_GRAPH[ca].map((member) => `CN=${member}`));
    }
    expect(checkCaSet(hub.set, 'fixture')).toEqual([]);
  });

  it('has leaves that chain to their own CA and not to the other', () => {
    expect(checkLeaves(hub.set, hub.leaves, 'fixture')).toEqual([]);
    const swapped = { 'proxy-client': hub.leaves['proxy-api'] };
    const problems = checkLeaves(hub.set, swapped, 'fixture');
    expect(problems.map((p) => p.code)).toEqual(['CHAIN_INVALID']);
  });
});

describe('the certipy folder layout', () => {
  it('round-trips a CA set through its files', () => {
    const files = caSetToFiles(hub.set);
    expect([...files.keys()].sort()).toContain('hub-ca/hub-ca.key');
    expect(files.size).toBe(15);
    expect(caSetFromFiles(files, 'fixture')).toEqual(hub.set);
  });

  it('refuses a set with a missing CA, naming the file', () => {
    const files = caSetToFiles(hub.set);
    files.delete('services-ca/services-ca.crt');
    expect(() => caSetFromFiles(files, 'dir:x')).toThrowError(
      /dir:x is missing services-ca\/services-ca\.crt/,
    );
  });

  it('refuses an unreadable PEM, naming the file but not its contents', () => {
    const files = caSetToFiles(hub.set);
    files.set(
      'hub-ca/hub-ca.key',
      Buffer.from('-----BEGIN PRIVATE KEY-----\n%%%\n-----END PRIVATE KEY-----\n'),
    );
    const error = captureError(() => caSetFromFiles(files, 'dir:x'));
    expect(error).toBeInstanceOf(CertSetError);
    expect((error as CertSetError).file).toBe('hub-ca/hub-ca.key');
    expect(error.message).not.toContain('%%%');
  });

  it('refuses a certificate file that holds a key instead', () => {
    const files = caSetToFiles(hub.set);
    files.set('hub-ca/hub-ca.crt', Buffer.from(hub.set.cas['hub-ca'].key));
    const error = captureError(() => caSetFromFiles(files, 'dir:x'));
    expect(error.message).toMatch(/hub-ca\/hub-ca\.crt in dir:x does not hold a certificate/);
    expect(error.message).not.toContain('PRIVATE KEY-----');
  });
});

describe('validation of a loaded set', () => {
  it('refuses a key that does not match its certificate, naming the key file', () => {
    const broken = structuredClone(hub.set);
    broken.cas['notebooks-ca'].key = hub.set.cas['hub-ca'].key;
    expect(() => assertConsistent(broken, {}, 'dir:x')).toThrowError(
      /notebooks-ca\/notebooks-ca\.key in dir:x does not match/,
    );
  });

  it('refuses a bundle that differs from the trust graph, naming the bundle', () => {
    const broken = structuredClone(hub.set);
    broken.bundles['notebooks-ca'] = normalisePem(hub.set.cas['hub-ca'].cert);
    const problems = checkCaSet(broken, 'dir:x');
    expect(problems).toEqual([
      expect.objectContaining({ code: 'TRUST_BUNDLE_MISMATCH', file: 'notebooks-ca_trust.crt' }),
    ]);
  });

  it('refuses a bundle with the right certificates in the wrong order', () => {
    const broken = structuredClone(hub.set);
    const reordered = buildBundles(hub.set.cas)
      ['proxy-client-ca'].split(/(?<=-----\n)(?=-----BEGIN)/)
      .reverse();
    broken.bundles['proxy-client-ca'] = reordered.join('');
    expect(checkCaSet(broken, 'x')[0]?.message).toMatch(/position 1 \(expected hub-ca\)/);
  });
});

describe('the flattened Secret', () => {
  it('holds exactly the keys the proxy mounts', () => {
    const data = toSecretData(hub.set, hub.leaves, 'internal-ssl');
    expect(Object.keys(data).sort()).toEqual([...SECRET_KEYS]);
    expect(SECRET_KEYS).toContain('proxy-client_proxy-client.key');
    expect(SECRET_KEYS).toContain('notebooks-ca_trust.crt');
    expect(SECRET_KEYS).toHaveLength(20);
  });

  it('decodes back to the same set and leaves', () => {
    const decoded = fromSecretData(toSecretData(hub.set, hub.leaves, 'internal-ssl'), 'Secret x');
    expect(decoded.caSet).toEqual(hub.set);
    expect(decoded.leaves).toEqual(hub.leaves);
    expect(decoded.certipy['proxy-client']?.files.cert).toBe(
      'internal-ssl/proxy-client/proxy-client.crt',
    );
  });

  it('refuses Secret data without a key, naming the Secret key', () => {
    const data = toSecretData(hub.set, hub.leaves, 'internal-ssl');
    delete data['proxy-client_proxy-client.key'];
    expect(() => fromSecretData(data, 'Secret jupyterjsc/internal-ssl')).toThrowError(
      /Secret jupyterjsc\/internal-ssl is missing proxy-client_proxy-client\.key/,
    );
  });
});

function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
