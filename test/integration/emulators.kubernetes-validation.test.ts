/**
 * What the Kubernetes emulator refuses before storing an object (undecodable bodies, rule
 * violations), observed through @kubernetes/client-node.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesEmulator } from '../emulators/kubernetes.js';
import { apiClient, statusOf } from '../helpers/k8s-api.js';

const NS = 'jupyterjsc';
let emulator: KubernetesEmulator;
let core: CoreV1Api;

beforeEach(async () => {
  emulator = await KubernetesEmulator.start();
  core = apiClient(emulator, CoreV1Api);
});

afterEach(async () => {
  await emulator.close();
});

const b64 = (text: string) => Buffer.from(text).toString('base64');
const secret = (name: string, data: Record<string, string> = { 'a.crt': b64('a') }) => ({
  metadata: { name },
  data,
});

describe('validation', () => {
  it('refuses an invalid name with Invalid and one cause', async () => {
    // Act
    const error = await statusOf(
      core.createNamespacedSecret({ namespace: NS, body: secret('Bad_Name') }),
    );

    // Assess
    expect(error.code).toBe(422);
    expect(error.body.reason).toBe('Invalid');
    expect(error.body.details).toMatchObject({ name: 'Bad_Name', kind: 'Secret' });
    expect(error.body.details.causes).toEqual([
      expect.objectContaining({ reason: 'FieldValueInvalid', field: 'metadata.name' }),
    ]);
  });

  it('refuses a data key that is not a valid config key', async () => {
    // Act
    const body = secret('s', { 'ca/bad.crt': b64('x') });
    const error = await statusOf(core.createNamespacedSecret({ namespace: NS, body }));

    // Assess
    expect(error.code).toBe(422);
    expect(error.body.details.causes[0].field).toBe('data[ca/bad.crt]');
  });

  it('refuses a data value that is not base64 as an undecodable body', async () => {
    // Act
    const body = secret('s', { 'a.crt': '-----BEGIN' });
    const error = await statusOf(core.createNamespacedSecret({ namespace: NS, body }));

    // Assess
    expect(error.code).toBe(400);
    expect(error.body.reason).toBe('BadRequest');
    expect(error.body.message).toMatch(/cannot be handled as a Secret: illegal base64 data/);
  });
});
