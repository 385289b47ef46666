/**
 * A function's `aws-sm:` settings end to end: reissueProxyClient, on a cold start, takes its
 * webhook key from a Secrets Manager emulator that checks SigV4, with the credentials Lambda
 * puts in the environment and no AWS SDK involved.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { signPayload } from '../../functions/http/signature.js';
import { handler } from '../../functions/reissueProxyClient.js';
import { resetColdStart } from '../../functions/shared/runtime.js';
import { SecretsManagerEmulator } from '../emulators/secrets-manager.js';
import { inventoryOf } from '../helpers/hub.js';
import {
  captureLog,
  httpEvent,
  lambdaContext,
  makeWebhookHub,
  WEBHOOK_KEY,
  type WebhookHub,
} from '../helpers/webhook.js';

const NODES = ['jwlogin01i', 'jwlogin02i'];
const REVISION = 5;
const ROLE = {
  accessKeyId: 'ASIAFUNCTIONROLE',
  secretAccessKey: 'function-role-secret-key',
  sessionToken: 'function-role-session-token',
};
const KEY_FROM_SM = 'key-kept-in-secrets-manager';

let sm: SecretsManagerEmulator;
let hub: WebhookHub;
let log: ReturnType<typeof captureLog>;

beforeAll(async () => {
  [sm, hub] = await Promise.all([
    SecretsManagerEmulator.start({ credentials: ROLE }),
    makeWebhookHub(NODES, REVISION),
  ]);
  sm.put('hubcerts/test/webhook', JSON.stringify({ key: KEY_FROM_SM }));
});

afterAll(async () => {
  await Promise.all([sm.close(), hub.cleanup()]);
});

beforeEach(() => {
  const env = {
    ...hub.env,
    HUBCERTS_WEBHOOK_SECRET: 'aws-sm:hubcerts/test/webhook#key',
    AWS_REGION: sm.region,
    AWS_ACCESS_KEY_ID: ROLE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ROLE.secretAccessKey,
    AWS_SESSION_TOKEN: ROLE.sessionToken,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  resetColdStart();
  log = captureLog();
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** The inventory already applied, signed with `key`: a replay when the key is right. */
async function postSignedWith(key: string) {
  const body = JSON.stringify(inventoryOf(REVISION, NODES));
  const signature = signPayload(body, key, Math.floor(Date.now() / 1000));
  const event: APIGatewayProxyEventV2 = httpEvent(body, { 'x-hubcerts-signature': signature });
  const response = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(String(response.body)) };
}

describe('a function whose webhook key is in Secrets Manager', () => {
  it('accepts a webhook signed with the key it read, with a request AWS would accept', async () => {
    // Prepare
    const before = sm.requests.length;

    // Act
    const first = await postSignedWith(KEY_FROM_SM);
    const second = await postSignedWith(KEY_FROM_SM);

    // Assess
    expect(first).toMatchObject({ status: 200, body: { code: 'NOTHING_TO_DO' } });
    expect(second.status).toBe(200);
    const reads = sm.requests.slice(before);
    expect(reads.map((r) => [r.status, r.body])).toEqual([
      [200, { SecretId: 'hubcerts/test/webhook' }],
    ]);
    expect(reads[0]?.headers['x-amz-security-token']).toBe(ROLE.sessionToken);
    expect(reads[0]?.headers['x-amz-user-agent']).toBeUndefined();
  });

  it('refuses a webhook signed with any other key', async () => {
    // Act
    const answer = await postSignedWith(WEBHOOK_KEY);

    // Assess
    expect(answer.status).toBe(401);
    expect(log.text()).not.toContain(KEY_FROM_SM);
  });

  it('fails the cold start, naming the setting, when the role key is refused', async () => {
    // Prepare
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'a-key-that-was-rotated-away');

    // Act
    const answer = await postSignedWith(KEY_FROM_SM);

    // Assess
    expect(answer).toMatchObject({ status: 500, body: { code: 'NOT_CONFIGURED' } });
    expect(log.text()).toMatch(
      /HUBCERTS_WEBHOOK_SECRET: .*\/webhook cannot be read: InvalidSignatureException/,
    );
    expect(log.text()).not.toContain(KEY_FROM_SM);
  });
});
