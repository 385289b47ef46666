/**
 * Opening `k8s:NAMESPACE/NAME` through the backend selector: which references are refused,
 * and where the credentials come from (a kubeconfig document, KUBECONFIG files, nothing).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPublication } from '../../lib/backends.js';
import { ConfigError } from '../../lib/errors.js';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';
import { tempDir } from '../helpers/hub.js';

let emulator: KubernetesEmulator;
let folder: { dir: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  emulator = await KubernetesEmulator.start({ token: 'from-config' });
  folder = await tempDir('hubcerts-k8s-');
  emulator.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'internal-ssl', namespace: 'jupyterjsc' },
    data: { 'a.crt': Buffer.from('a').toString('base64') },
  });
});

afterEach(async () => {
  await emulator.close();
  await folder.cleanup();
});

describe('references', () => {
  it.each([
    ['k8s:internal-ssl', /expected exactly one "\/"/],
    ['k8s:jupyterjsc/internal-ssl/extra', /expected exactly one "\/"/],
    ['k8s:JupyterJSC/internal-ssl', /namespace "JupyterJSC" must be a DNS label/],
    ['k8s:jupyter.jsc/internal-ssl', /namespace "jupyter.jsc" must be a DNS label/],
    ['k8s:-jsc/internal-ssl', /namespace "-jsc" must be a DNS label/],
    ['k8s:jupyterjsc/internal_ssl', /name "internal_ssl" must be a DNS subdomain/],
    ['k8s:jupyterjsc/', /name "" must be a DNS subdomain/],
    [`k8s:jupyterjsc/${'a'.repeat(245)}`, /must be a DNS subdomain .*at most 244/],
  ])('refuses %j before looking for credentials', async (ref, reason) => {
    // Act
    const error = await openPublication(ref, { env: {} }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^--secret "k8s:.*" is not k8s:NAMESPACE\/NAME: /);
    expect((error as Error).message).toMatch(reason);
  });

  it('accepts a dotted Secret name and names it in the reference', async () => {
    // Act
    const publication = await openPublication('k8s:jupyterjsc/internal-ssl.v2', {
      env: {},
      kubeconfig: kubeconfigFor(emulator, { token: 'from-config' }),
    });

    // Assess
    expect(publication.secret.ref).toBe('k8s:jupyterjsc/internal-ssl.v2');
    expect(publication.workloads).toBeDefined();
  });
});

describe('credentials', () => {
  it('uses the kubeconfig document given in the settings first', async () => {
    // Prepare
    const file = join(folder.dir, 'config');
    await writeFile(file, kubeconfigFor(emulator, { token: 'from-file' }));

    // Act
    const publication = await openPublication('k8s:jupyterjsc/internal-ssl', {
      env: { KUBECONFIG: file },
      kubeconfig: kubeconfigFor(emulator, { token: 'from-config' }),
    });
    const secret = await publication.secret.read();

    // Assess
    expect(secret?.data).toEqual({ 'a.crt': Buffer.from('a') });
    expect(emulator.requests[0]?.headers.authorization).toBe('Bearer from-config');
  });

  it('falls back to the files KUBECONFIG names', async () => {
    // Prepare
    const file = join(folder.dir, 'config');
    await writeFile(file, kubeconfigFor(emulator, { token: 'from-config' }));

    // Act
    const publication = await openPublication('k8s:jupyterjsc/internal-ssl', {
      env: { KUBECONFIG: file },
    });
    const secret = await publication.secret.read();

    // Assess
    expect(secret?.data).toEqual({ 'a.crt': Buffer.from('a') });
  });

  it('names a KUBECONFIG file that cannot be read', async () => {
    // Prepare
    const missing = join(folder.dir, 'absent');

    // Act
    const error = await openPublication('k8s:jupyterjsc/internal-ssl', {
      env: { KUBECONFIG: missing },
    }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(`KUBECONFIG file ${missing} cannot be read (ENOENT)`);
  });

  it('refuses a kubeconfig document without quoting any of it', async () => {
    // Act
    const error = await openPublication('k8s:jupyterjsc/internal-ssl', {
      env: {},
      kubeconfig: 'users:\n- name: x\n  user: {token: s3cr3t-token\n   bad: [',
    }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^--kubeconfig is not a readable kubeconfig document/);
    expect((error as Error).message).not.toContain('s3cr3t');
    expect((error as Error).cause).toBeUndefined();
  });

  it('says where credentials may come from when there are none', async () => {
    // Act
    const error = await openPublication('k8s:jupyterjsc/internal-ssl', { env: {} }).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/set --kubeconfig .* or KUBECONFIG, or run inside/);
  });
});
