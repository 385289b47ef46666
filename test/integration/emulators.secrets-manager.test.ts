/**
 * The Secrets Manager emulator, observed through the AWS SDK v3 client as the CLI uses it to
 * resolve `aws-sm:` settings. The emulator checks signatures here: the SDK's requests passing,
 * and its wrong ones failing, is what shows the check is AWS's.
 */
import http from 'node:http';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SecretsManagerEmulator,
  type SecretsManagerOptions,
} from '../emulators/secrets-manager.js';

const IDENTITY = {
  accessKeyId: 'AKIAEMULATORTEST',
  secretAccessKey: 'emulator-secret-key',
  sessionToken: 'emulator-session-token',
};

let emulator: SecretsManagerEmulator;
let client: SecretsManagerClient;

async function start(options: SecretsManagerOptions = {}, config: SecretsManagerClientConfig = {}) {
  await emulator?.close();
  client?.destroy();
  emulator = await SecretsManagerEmulator.start({ credentials: IDENTITY, ...options });
  client = new SecretsManagerClient({
    endpoint: emulator.url,
    region: 'eu-central-1',
    credentials: IDENTITY,
    maxAttempts: 1,
    ...config,
  });
}

beforeEach(() => start());

afterEach(async () => {
  client.destroy();
  await emulator.close();
});

const get = (input: { SecretId: string; VersionStage?: string }) =>
  client.send(new GetSecretValueCommand(input));

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

/** Sends a request as given, byte for byte, as a client that signs its own would. */
function send(url: string, headers: http.OutgoingHttpHeaders, body: string) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers }, (response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

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
    const error = await failureOf(get({ SecretId: 'missing' }));

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
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAEMULATORTEST\//,
    );
    expect(request?.body).toEqual({ SecretId: 'hubcerts/webhook' });
    expect(emulator.writes()).toEqual([]);
  });

  it('maps an injected 500 to InternalServiceError', async () => {
    // Prepare
    emulator.put('hubcerts/webhook', 'k');
    emulator.faults.add({ match: { kind: 'GetSecretValue' }, fault: { status: 500 } });

    // Act
    const error = await failureOf(get({ SecretId: 'hubcerts/webhook' }));

    // Assess
    expect(error).toMatchObject({
      name: 'InternalServiceError',
      $metadata: { httpStatusCode: 500 },
    });
  });
});

describe('signature checks', () => {
  it('refuses a request signed with the wrong secret key as AWS does', async () => {
    // Prepare
    await start({}, { credentials: { ...IDENTITY, secretAccessKey: 'not-the-key' } });
    emulator.put('hubcerts/webhook', 'k');

    // Act
    const error = await failureOf(get({ SecretId: 'hubcerts/webhook' }));

    // Assess
    expect(error).toMatchObject({
      name: 'InvalidSignatureException',
      message: expect.stringMatching(/^The request signature we calculated does not match/),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it.each([
    ['an unknown access key', { accessKeyId: 'AKIAUNKNOWN' }],
    ['another session token', { sessionToken: 'stolen-elsewhere' }],
  ])('refuses %s with UnrecognizedClientException', async (_, change) => {
    // Prepare
    await start({}, { credentials: { ...IDENTITY, ...change } });
    emulator.put('hubcerts/webhook', 'k');

    // Act
    const error = await failureOf(get({ SecretId: 'hubcerts/webhook' }));

    // Assess
    expect(error).toMatchObject({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it.each([
    ['expired', +10, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z/],
    ['not yet current', -10, /^Signature not yet current: \d{8}T\d{6}Z is still later than/],
  ])('refuses a signature more than five minutes off as %s', async (_, minutes, message) => {
    // Prepare
    await start({ now: () => Date.now() + minutes * 60_000 });
    emulator.put('hubcerts/webhook', 'k');

    // Act
    const error = await failureOf(get({ SecretId: 'hubcerts/webhook' }));

    // Assess
    expect(error).toMatchObject({ name: 'InvalidSignatureException', message });
  });

  it('accepts a signature four minutes off', async () => {
    // Prepare
    await start({ now: () => Date.now() + 4 * 60_000 });
    emulator.put('hubcerts/webhook', 'k');

    // Act
    const answer = await get({ SecretId: 'hubcerts/webhook' });

    // Assess
    expect(answer.SecretString).toBe('k');
  });

  it('refuses a signed request whose body was changed on the way', async () => {
    // Prepare
    emulator.put('hubcerts/webhook', 'k');
    emulator.put('hubcerts/webhooc', 'other');
    await get({ SecretId: 'hubcerts/webhook' });
    const { headers, rawBody } = emulator.requests[0]!;

    // Act
    const answer = await send(emulator.url, headers, rawBody.replace('webhook', 'webhooc'));

    // Assess
    expect(answer).toEqual({
      status: 400,
      body: { __type: 'InvalidSignatureException', message: expect.any(String) },
    });
  });

  it('refuses an unsigned request with MissingAuthenticationTokenException', async () => {
    // Act
    const answer = await send(
      emulator.url,
      { 'x-amz-target': 'secretsmanager.GetSecretValue' },
      '{"SecretId":"hubcerts/webhook"}',
    );

    // Assess
    expect(answer).toMatchObject({
      status: 400,
      body: { __type: 'MissingAuthenticationTokenException' },
    });
  });

  it('accepts any signature when started without credentials', async () => {
    // Prepare
    const open = await SecretsManagerEmulator.start();
    open.put('hubcerts/webhook', 'k');

    // Act
    const answer = await send(
      open.url,
      { 'x-amz-target': 'secretsmanager.GetSecretValue' },
      '{"SecretId":"hubcerts/webhook"}',
    );
    await open.close();

    // Assess
    expect(answer).toMatchObject({ status: 200, body: { SecretString: 'k' } });
  });
});
