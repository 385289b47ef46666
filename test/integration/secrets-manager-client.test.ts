/**
 * The functions' Secrets Manager client against an emulator that checks SigV4 as AWS does:
 * what it reads, that its signatures (session token included) are accepted and a wrong key is
 * not, how AWS errors are named, retries, deadlines, and that no error quotes a secret.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../lib/backends.js';
import { secretsManagerTarget } from '../../lib/credentials/aws-environment.js';
import {
  type SecretsManagerOptions,
  SecretsManagerReader,
} from '../../lib/credentials/secrets-manager.js';
import { SecretsManagerError } from '../../lib/credentials/secrets-manager-errors.js';
import type { RetryPolicy } from '../../lib/retry.js';
import { SecretsManagerEmulator } from '../emulators/secrets-manager.js';

const IDENTITY = {
  accessKeyId: 'ASIAHUBCERTSTEST',
  secretAccessKey: 'role-secret-access-key',
  sessionToken: 'role-session-token',
};
const VALUE = 'value-that-must-stay-secret';
const FAST: RetryPolicy = { attempts: 3, baseMs: 1, maxDelayMs: 5, budgetMs: 5_000 };

let emulator: SecretsManagerEmulator;

beforeAll(async () => {
  emulator = await SecretsManagerEmulator.start({ credentials: IDENTITY });
  emulator.put('hubcerts/plain', VALUE);
  emulator.put('hubcerts/blob', Buffer.from(`{"key":"${VALUE}"}`));
});
afterAll(() => emulator.close());
afterEach(() => emulator.faults.clear());

/** The environment Lambda would give a function whose role is IDENTITY. */
function lambdaEnv(overrides: Env = {}): Env {
  return {
    AWS_REGION: emulator.region,
    AWS_ACCESS_KEY_ID: IDENTITY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: IDENTITY.secretAccessKey,
    AWS_SESSION_TOKEN: IDENTITY.sessionToken,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: emulator.url,
    ...overrides,
  };
}

function reader(env: Env = lambdaEnv(), options: SecretsManagerOptions = {}) {
  return new SecretsManagerReader(secretsManagerTarget(env), { retry: FAST, ...options });
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as SecretsManagerError,
  );

describe('reading secrets', () => {
  it('reads a SecretString with a request AWS accepts', async () => {
    // Act
    const value = await reader().getSecretValue('hubcerts/plain');

    // Assess
    expect(value).toBe(VALUE);
    const request = emulator.requests.at(-1);
    expect(request?.status).toBe(200);
    expect(request?.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(request?.body).toEqual({ SecretId: 'hubcerts/plain' });
  });

  it('reads a SecretBinary, sent base64 in the JSON answer, as UTF-8 text', async () => {
    // Act
    const value = await reader().getSecretValue('hubcerts/blob');

    // Assess
    expect(JSON.parse(value)).toEqual({ key: VALUE });
  });

  it('sends the session token and signs it', async () => {
    // Act
    await reader().getSecretValue('hubcerts/plain');

    // Assess
    const { headers } = emulator.requests.at(-1)!;
    expect(headers['x-amz-security-token']).toBe(IDENTITY.sessionToken);
    const signed = /SignedHeaders=([^,]+)/.exec(String(headers.authorization))?.[1]?.split(';');
    expect(signed).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-security-token']));
  });

  it('is refused with UnrecognizedClientException when the session token is missing', async () => {
    // Act
    const error = await failureOf(
      reader(lambdaEnv({ AWS_SESSION_TOKEN: undefined })).getSecretValue('hubcerts/plain'),
    );

    // Assess
    expect(error).toBeInstanceOf(SecretsManagerError);
    expect(error).toMatchObject({ name: 'UnrecognizedClientException', status: 400 });
  });
});

describe('errors', () => {
  it('names a missing secret ResourceNotFoundException, as the SDK does', async () => {
    // Act
    const error = await failureOf(reader().getSecretValue('hubcerts/nope'));

    // Assess
    expect(error).toBeInstanceOf(SecretsManagerError);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    expect(error?.message).toMatch(/400 ResourceNotFoundException: Secrets Manager can't find/);
  });

  it('surfaces a wrong secret key as InvalidSignatureException, without retrying', async () => {
    // Prepare
    const before = emulator.requests.length;
    const env = lambdaEnv({ AWS_SECRET_ACCESS_KEY: 'not-the-role-key' });

    // Act
    const error = await failureOf(reader(env).getSecretValue('hubcerts/plain'));

    // Assess
    expect(error).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    expect(error?.message).toMatch(/signature we calculated does not match/);
    expect(emulator.requests.length - before).toBe(1);
  });

  it('reads the type from a namespaced __type, as AWS may send it', async () => {
    // Prepare
    emulator.faults.add({
      fault: {
        status: 400,
        body: { __type: 'com.amazonaws.secretsmanager#DecryptionFailure', message: 'KMS said no' },
      },
    });

    // Act
    const error = await failureOf(reader().getSecretValue('hubcerts/plain'));

    // Assess
    expect(error).toMatchObject({ name: 'DecryptionFailure', status: 400 });
  });

  it('never quotes a secret, not even from a body that is not an AWS error', async () => {
    // Prepare
    const bodies = [
      { status: 500, body: `upstream said ${VALUE}` },
      { status: 200, body: { Unexpected: VALUE } },
      { status: 200, body: `not json ${VALUE}` },
    ];
    const errors: unknown[] = [];

    // Act
    for (const fault of bodies) {
      emulator.faults.add({ repeat: 'always', fault });
      errors.push(await failureOf(reader().getSecretValue('hubcerts/plain')));
      emulator.faults.clear();
    }

    // Assess
    expect(errors.map((e) => (e as Error).name)).toEqual([
      'HTTP 500',
      'MalformedResponse',
      'MalformedResponse',
    ]);
    for (const error of errors) {
      expect(JSON.stringify(error)).not.toContain(VALUE);
      expect(String((error as Error).message)).not.toContain(VALUE);
    }
  });
});

describe('transient failures', () => {
  it('tries again after a 500 and after a reset connection, then reads the secret', async () => {
    // Prepare
    const rules = [
      emulator.faults.add({ match: { kind: 'GetSecretValue' }, fault: { status: 500 } }),
      emulator.faults.add({ match: { kind: 'GetSecretValue' }, nth: 2, fault: { reset: true } }),
    ];

    // Act
    const value = await reader().getSecretValue('hubcerts/plain');

    // Assess
    expect(value).toBe(VALUE);
    expect(rules.map((r) => r.fired)).toEqual([1, 1]);
  });

  it('tries again when throttled with 400 ThrottlingException', async () => {
    // Prepare
    const rule = emulator.faults.add({
      fault: { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
    });

    // Act
    const value = await reader().getSecretValue('hubcerts/plain');

    // Assess
    expect(value).toBe(VALUE);
    expect(rule.fired).toBe(1);
  });

  it('gives up after the last attempt with the name of the last failure', async () => {
    // Prepare
    const rule = emulator.faults.add({ repeat: 'always', fault: { status: 503 } });

    // Act
    const error = await failureOf(reader().getSecretValue('hubcerts/plain'));

    // Assess
    expect(error).toMatchObject({ name: 'ServiceUnavailableException', status: 503 });
    expect(rule.fired).toBe(FAST.attempts);
  });

  it('abandons an attempt that outlasts its deadline, and the next one succeeds', async () => {
    // Prepare
    const rule = emulator.faults.add({ fault: { latencyMs: 1_000 } });

    // Act
    const started = Date.now();
    const value = await reader(lambdaEnv(), { timeoutMs: 100 }).getSecretValue('hubcerts/plain');

    // Assess
    expect(value).toBe(VALUE);
    expect(rule.fired).toBe(1);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('names a call that never answers TimeoutError', async () => {
    // Prepare
    emulator.faults.add({ repeat: 'always', fault: { latencyMs: 1_000 } });
    const once = { ...FAST, attempts: 1 };

    // Act
    const error = await failureOf(
      reader(lambdaEnv(), { timeoutMs: 100, retry: once }).getSecretValue('hubcerts/plain'),
    );

    // Assess
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(error?.message).toMatch(/did not answer within 100 ms/);
  });

  it('names a refused connection by its socket code', async () => {
    // Prepare
    const gone = await SecretsManagerEmulator.start();
    const url = gone.url;
    await gone.close();

    // Act
    const error = await failureOf(
      reader(lambdaEnv({ AWS_ENDPOINT_URL_SECRETS_MANAGER: url })).getSecretValue('x'),
    );

    // Assess
    expect(error).toMatchObject({ name: 'ECONNREFUSED', retryable: true });
  });
});
