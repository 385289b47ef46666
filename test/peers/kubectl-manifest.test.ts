/**
 * Peer: kubectl. The `file:` Secret target writes the manifest operators used to make with
 * `kubectl create secret generic … --dry-run=client -o yaml`; it must be the same text.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSecretManifest, renderSecretManifest } from '../../lib/certset/manifest.js';
import { CA_NAMES } from '../../lib/certset/model.js';
import { requirePeer } from '../helpers/peers.js';

const KUBECTL = requirePeer('kubectl', ['version', '--client']);

let work: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'hubcerts-kubectl-'));
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Runs kubectl offline: no kubeconfig, so no cluster or context namespace can leak in. */
function kubectl(args: string[]): string {
  const env = { ...process.env, KUBECONFIG: join(work, 'no-kubeconfig') };
  return execFileSync(KUBECTL, args, { env, encoding: 'utf8' });
}

/** What kubectl prints for `data`, each key written as a file and passed with --from-file. */
function kubectlCreate(data: Record<string, Buffer>, namespace?: string): string {
  const dir = mkdtempSync(join(work, 'files-'));
  const fromFiles = Object.entries(data).map(([key, value]) => {
    writeFileSync(join(dir, key), value);
    return `--from-file=${join(dir, key)}`;
  });
  const ns = namespace ? ['-n', namespace] : [];
  return kubectl([
    'create',
    'secret',
    'generic',
    'internal-ssl',
    ...ns,
    ...fromFiles,
    '--dry-run=client',
    '-o',
    'yaml',
  ]);
}

/** The Secret keys of design section 3, with PEM-like text, binary and empty contents. */
function internalSsl(): Record<string, Buffer> {
  const pem = (label: string, body: string) =>
    Buffer.from(
      `-----BEGIN ${label}-----\n${Buffer.from(body).toString('base64')}\n-----END ${label}-----\n`,
    );
  const data: Record<string, Buffer> = {
    'certipy.json': Buffer.from('{"hub-ca": {"serial": 1, "is_ca": true, "signees": null}}\n'),
    'proxy-api_proxy-api.crt': pem('CERTIFICATE', 'proxy-api'),
    'proxy-api_proxy-api.key': Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    'proxy-client_proxy-client.crt': pem('CERTIFICATE', 'proxy-client'),
    'proxy-client_proxy-client.key': pem('PRIVATE KEY', 'proxy-client key'),
  };
  for (const ca of CA_NAMES) {
    data[`${ca}_${ca}.crt`] = pem('CERTIFICATE', ca);
    data[`${ca}_${ca}.key`] = pem('RSA PRIVATE KEY', `${ca} key`);
    data[`${ca}_trust.crt`] =
      ca === 'services-ca' ? Buffer.alloc(0) : pem('CERTIFICATE', `${ca} trust`);
  }
  return data;
}

describe('renderSecretManifest prints what kubectl create secret generic prints', () => {
  it.each([
    ['with', 'jupyterjsc'],
    ['without', undefined],
  ])('for the internal-ssl keys %s a namespace', (_, namespace) => {
    // Prepare
    const data = internalSsl();

    // Act
    const rendered = renderSecretManifest({ name: 'internal-ssl', namespace, data });

    // Assess
    expect(rendered).toBe(kubectlCreate(data, namespace));
  });

  it('quotes, orders and lays out awkward keys and values as kubectl does', () => {
    // Prepare
    // go-yaml's key order is not transitive for some sets (`0777`, `0b-1`, `1e3`), and for
    // those kubectl's own output changes from run to run; this set is ordered consistently.
    const keys = ['1234', 'true', 'y', 'NULL', '2001-12-14', '2001-02-29', '0x1F', '0b-1', '1_0'];
    keys.push('1e3', '1e999', '-', '---x', '.5', '._5', 'v9', 'v10', 'a01', 'a1', '_');
    keys.push('k'.repeat(128), 'q'.repeat(129), '9'.repeat(200));
    const data = Object.fromEntries(keys.map((key) => [key, Buffer.from(key)]));
    // Values whose base64 text YAML 1.1 would read as a boolean or a number.
    const values = {
      'b64-bool': 'true',
      'b64-int': '1234',
      'b64-sign': '+123',
      'b64-float': '9e10',
    };
    for (const [key, base64] of Object.entries({ ...values, empty: '' })) {
      data[key] = Buffer.from(base64, 'base64');
    }

    // Act
    const rendered = renderSecretManifest({ name: 'internal-ssl', namespace: '2020', data });

    // Assess
    expect(rendered).toBe(kubectlCreate(data, '2020'));
  });
});

describe('renderSecretManifest prints annotations as kubectl annotate --local prints them', () => {
  it('for revision and fingerprint annotations and for values that need quoting or folding', () => {
    // Prepare
    const base = { name: 'internal-ssl', namespace: 'jupyterjsc', data: internalSsl() };
    const annotations: Record<string, string> = {
      'hubcerts.io/inventory-revision': '42',
      'hubcerts.io/proxy-client-sha256': 'AB:CD:12:34:00:FF',
      'hubcerts.io/applied-at': '2024-05-01T12:00:00Z',
      'example.org/reason': `rotated because ${'the login nodes changed and '.repeat(4)}more`,
      'example.org/quoted': `"quoted" ${'and then some words '.repeat(5)}# not a comment`,
      'example.org/lines': 'first line\n  indented\n\nlast\n',
      'example.org/lead': ' leading space',
      'example.org/tab': 'a\tb',
      'example.org/unicode': 'Grüße, ☃ and 😀',
      'example.org/empty': '',
      'example.org/time': '12:30',
    };
    // A space on each side of column 80, in each of the three styles that fold.
    for (let n = 44; n <= 52; n++) {
      annotations[`fold.example.org/plain-${n}`] = `${'p'.repeat(n)} folds here or later`;
      annotations[`fold.example.org/single-${n}`] = `"${'s'.repeat(n)} folds here or later`;
      annotations[`fold.example.org/double-${n}`] = `\t${'d'.repeat(n)} folds  here or later`;
    }
    const file = join(work, 'secret.yaml');
    writeFileSync(file, renderSecretManifest(base));
    const pairs = Object.entries(annotations).map(([key, value]) => `${key}=${value}`);

    // Act
    const rendered = renderSecretManifest({ ...base, annotations });

    // Assess
    expect(rendered).toBe(kubectl(['annotate', '--local', '-f', file, '-o', 'yaml', ...pairs]));
  });
});

describe('parseSecretManifest reads what kubectl prints', () => {
  it('returns the same data, name and namespace', () => {
    // Prepare
    const data = internalSsl();
    const printed = kubectlCreate(data, 'jupyterjsc');

    // Act
    const parsed = parseSecretManifest(printed, 'kubectl output');

    // Assess
    expect(parsed).toEqual({ name: 'internal-ssl', namespace: 'jupyterjsc', data });
  });
});
