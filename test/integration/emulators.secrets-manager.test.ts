/**
 * The Secrets Manager emulator, observed through the AWS SDK v3 client as hubcerts uses it
 * to resolve `aws-sm:` settings.
 */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerEmulator } from '../emulators/secrets-manager.js';

let emulator: SecretsManagerEmulator;
let client: SecretsManagerClient;

beforeEach(async () => {
  emulator = await SecretsManagerEmulator.start();
  client = new SecretsManagerClient({
    endpoint: emulator.url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  client.destroy();
  await emulator.close();
});

const get = (input: { SecretId: string; VersionStage?: string }) =>
  client.send(new GetSecretValueCommand(input));

describe('GetSecretValue', () => {
  it('returns the current string with its ARN, version and stages', async () => {
    // Prepare
    const arn = emulator.put('hubcerts/webhook', '{"key":"k1"}', 'v-1');

    // Act
    const answer = await get({ SecretId: 'hubcerts/webhook' });

    // Assess
    expect(answer).toMatchObject({
      ARN: arn,
      Name: 'hubcerts/webhook',
      VersionId: 'v-1',
      SecretString: '{"key":"k1"}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(answer.CreatedDate).toBeInstanceOf(Date);
    expect(Math.abs((answer.CreatedDate?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it('finds a secret by its ARN and serves the previous version by stage', async () => {
    // Prepare
    const arn = emulator.put('hubcerts/webhook', 'old');
    emulator.put('hubcerts/webhook', 'new');

    // Act
    const current = await get({ SecretId: arn });
    const previous = await get({ SecretId: arn, VersionStage: 'AWSPREVIOUS' });

    // Assess
    expect(current.SecretString).toBe('new');
    expect(previous).toMatchObject({ SecretString: 'old', VersionStages: ['AWSPREVIOUS'] });
  });

  it('returns binary secrets as bytes', async () => {
    // Prepare
    emulator.put('hubcerts/blob', new Uint8Array([1, 2, 3]));

    // Act
    const answer = await get({ SecretId: 'hubcerts/blob' });

    // Assess
    expect(answer.SecretString).toBeUndefined();
    expect([...(answer.SecretBinary ?? [])]).toEqual([1, 2, 3]);
  });

  it('answers an unknown secret with ResourceNotFoundException and 400', async () => {
    // Act
    const error = await get({ SecretId: 'missing' }).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('wire', () => {
  it('records the JSON 1.1 request with its target and SigV4 authorization', async () => {
    // Prepare
    emulator.put('hubcerts/webhook', 'k');

    // Act
    await get({ SecretId: 'hubcerts/webhook' });

    // Assess
    const [request] = emulator.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/', kind: 'GetSecretValue' });
    expect(request?.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(request?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\//);
    expect(request?.body).toEqual({ SecretId: 'hubcerts/webhook' });
    expect(emulator.writes()).toEqual([]);
  });

  it('maps an injected 500 to InternalServiceError', async () => {
    // Prepare
    emulator.put('hubcerts/webhook', 'k');
    emulator.faults.add({ match: { kind: 'GetSecretValue' }, fault: { status: 500 } });

    // Act
    const error = await get({ SecretId: 'hubcerts/webhook' }).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toMatchObject({
      name: 'InternalServiceError',
      $metadata: { httpStatusCode: 500 },
    });
  });
});
