import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signPayload, verifySignature } from '../../functions/http/signature.js';
import { handler } from '../../functions/reissueProxyClient.js';
import { resetColdStart } from '../../functions/shared/runtime.js';
import type { Inventory } from '../../lib/certset/inventory.js';
import { parseSecretManifest } from '../../lib/certset/manifest.js';
import { fromSecretData } from '../../lib/certset/secret.js';
import { FileLock, FileSecret } from '../../lib/cluster/file.js';
import { inspectPem } from '../../lib/pki/inspect.js';
import { FileInventory } from '../../lib/store/inventory-file.js';
import { REVISION_ANNOTATION } from '../../lib/workflows/reissue/index.js';
import { REPO } from '../helpers/cli.js';
import { inventoryOf } from '../helpers/hub.js';
import {
  captureLog,
  fileHash,
  httpEvent,
  lambdaContext,
  makeWebhookHub,
  SECOND_KEY,
  treeHash,
  WEBHOOK_KEY,
  type WebhookHub,
} from '../helpers/webhook.js';

const NODES = ['jwlogin01i', 'jwlogin02i', 'jwlogin03i'];
let hub: WebhookHub;
let log: ReturnType<typeof captureLog>;

beforeEach(async () => {
  hub = await makeWebhookHub(NODES, 5);
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(hub.env)) vi.stubEnv(name, value);
  resetColdStart();
  log = captureLog();
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await hub.cleanup();
});

const bodyOf = (revision: number, nodes: string[]) => JSON.stringify(inventoryOf(revision, nodes));

const signedEvent = (body: string, key = WEBHOOK_KEY) =>
  httpEvent(body, {
    'x-hubcerts-signature': signPayload(body, key, Math.floor(Date.now() / 1000)),
  });

async function post(event: APIGatewayProxyEventV2) {
  const response = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(String(response.body)) };
}

async function secretNow() {
  const manifest = parseSecretManifest(await readFile(hub.secretPath, 'utf8'), hub.secretPath);
  const leaf = fromSecretData(manifest.data, hub.secretPath).leaves['proxy-client'];
  return { sans: inspectPem(leaf.cert).sans, annotations: manifest.annotations ?? {} };
}

const recorded = async () => (await new FileInventory(hub.inventoryPath).read())?.inventory;

describe('the inventory webhook', () => {
  it('adds a login node to the proxy-client certificate and records the inventory', async () => {
    // Prepare
    const body = bodyOf(6, [...NODES, 'jwlogin04i']);
    const event = signedEvent(body);

    // Act
    const { status, body: answer } = await post(event);

    // Assess
    expect(status).toBe(200);
    expect(answer).toMatchObject({ code: 'APPLIED', revision: 6, added: ['DNS:jwlogin04i'] });
    expect(answer.removed).toEqual([]);
    expect(answer.fingerprint).toMatch(/^[0-9A-F:]{95}$/);
    const secret = await secretNow();
    expect(secret.sans).toContain('DNS:jwlogin04i');
    expect(secret.annotations[REVISION_ANNOTATION]).toBe('6');
    expect((await recorded())?.revision).toBe(6);
  });

  it('logs JSON lines per step and the answer, never the body or the signature', async () => {
    const body = bodyOf(6, [...NODES, 'jwlogin04i']);
    const event = signedEvent(body);

    await post(event);

    const lines = log.lines();
    expect(lines.find((l) => l.message === 'Secret written')).toMatchObject({
      function: 'reissueProxyClient',
      trigger: 'webhook',
    });
    expect(lines.at(-1)).toMatchObject({ message: 'answered', status: 200, code: 'APPLIED' });
    const signature = event.headers['x-hubcerts-signature']!;
    expect(log.text()).not.toContain(signature.split('v1=')[1]);
    expect(log.text()).not.toContain(body);
    expect(log.text()).not.toContain(JSON.stringify(body));
  });

  it('answers a replay of the same request with nothing to do', async () => {
    const event = signedEvent(bodyOf(6, [...NODES, 'jwlogin04i']));
    expect((await post(event)).body.code).toBe('APPLIED');
    const before = await treeHash(hub.dir);

    const replay = await post(event);

    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ code: 'NOTHING_TO_DO', revision: 6, added: [] });
    expect(replay.body.message).toMatch(/nothing to do/i);
    expect(await treeHash(hub.dir)).toBe(before);
  });

  it('applies a higher revision after an earlier one', async () => {
    await post(signedEvent(bodyOf(6, [...NODES, 'jwlogin04i'])));

    const next = await post(signedEvent(bodyOf(7, [...NODES, 'jwlogin04i', 'jwlogin05i'])));

    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ code: 'APPLIED', revision: 7, added: ['DNS:jwlogin05i'] });
    expect((await secretNow()).annotations[REVISION_ANNOTATION]).toBe('7');
    expect((await recorded())?.revision).toBe(7);
  });

  it('applies one of two concurrent webhooks, refuses the other, then its retry', async () => {
    // Prepare: hold the first request inside its Secret write until the second is answered.
    const write = FileSecret.prototype.write;
    let entered!: () => void;
    const inWrite = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    vi.spyOn(FileSecret.prototype, 'write').mockImplementation(async function (
      this: FileSecret,
      ...args
    ) {
      entered();
      await gate;
      return write.apply(this, args);
    });
    const first = signedEvent(bodyOf(6, [...NODES, 'jwlogin04i']));
    const second = signedEvent(bodyOf(7, [...NODES, 'jwlogin04i', 'jwlogin05i']));

    // Act
    const firstAnswer = post(first);
    await inWrite;
    const secondAnswer = await post(second);
    release();
    const firstDone = await firstAnswer;
    const retry = await post(second);

    // Assess
    expect(secondAnswer.status).toBe(409);
    expect(secondAnswer.body).toMatchObject({ code: 'LOCK_HELD' });
    expect(secondAnswer.body.holder).toMatch(/^webhook\//);
    expect(firstDone.body).toMatchObject({ code: 'APPLIED', revision: 6 });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ code: 'APPLIED', revision: 7, added: ['DNS:jwlogin05i'] });
    expect((await secretNow()).sans).toEqual(expect.arrayContaining(['DNS:jwlogin05i']));
  });

  it('refuses with 409 while a CA rotation holds the lock, and writes nothing', async () => {
    const held = await new FileLock(`${hub.secretPath}.lock`).acquire('rotateCa/plan-x', 600);
    const before = [await fileHash(hub.secretPath), await fileHash(hub.inventoryPath)];

    const { status, body } = await post(signedEvent(bodyOf(6, [...NODES, 'jwlogin04i'])));
    await held.release();

    expect(status).toBe(409);
    expect(body).toMatchObject({ code: 'LOCK_HELD', holder: 'rotateCa/plan-x' });
    expect(body.message).toMatch(/rotateCa\/plan-x/);
    expect([await fileHash(hub.secretPath), await fileHash(hub.inventoryPath)]).toEqual(before);
  });

  it('accepts a body that the gateway delivered base64-encoded', async () => {
    const body = bodyOf(6, [...NODES, '10.1.2.3']);
    const event = signedEvent(body);
    event.body = Buffer.from(body).toString('base64');
    event.isBase64Encoded = true;

    const { status, body: answer } = await post(event);

    expect(status).toBe(200);
    expect(answer).toMatchObject({ code: 'APPLIED', added: ['IP:10.1.2.3'] });
  });

  it('accepts a request signed with the second configured key during a key rollover', async () => {
    const { status, body } = await post(
      signedEvent(bodyOf(6, [...NODES, 'jwlogin04i']), SECOND_KEY),
    );

    expect(status).toBe(200);
    expect(body.code).toBe('APPLIED');
  });

  it('lets a signed webhook drop a login node when the operator allowed removal', async () => {
    vi.stubEnv('HUBCERTS_WEBHOOK_ALLOW_REMOVAL', 'on');
    resetColdStart();

    const { status, body } = await post(signedEvent(bodyOf(6, NODES.slice(0, 2))));

    expect(status).toBe(200);
    expect(body).toMatchObject({ code: 'APPLIED', removed: ['DNS:jwlogin03i'] });
    expect((await secretNow()).sans).not.toContain('DNS:jwlogin03i');
  });

  it('answers 502 and writes nothing when the store cannot be read', async () => {
    vi.stubEnv('HUBCERTS_STORE', `dir:${hub.secretPath}`);
    resetColdStart();
    const before = await treeHash(hub.dir);

    const { status, body } = await post(signedEvent(bodyOf(6, [...NODES, 'jwlogin04i'])));

    expect(status).toBe(502);
    expect(body).toMatchObject({ code: 'STORE_FAILED', retryable: false });
    expect(await treeHash(hub.dir)).toBe(before);
  });

  it('answers 500 without internals when something unexpected breaks', async () => {
    vi.spyOn(FileSecret.prototype, 'read').mockRejectedValue(
      new TypeError('cannot read /var/secret/internal-path'),
    );

    const { status, body } = await post(signedEvent(bodyOf(6, [...NODES, 'jwlogin04i'])));

    expect(status).toBe(500);
    expect(body.code).toBe('INTERNAL_ERROR');
    expect(JSON.stringify(body)).not.toContain('internal-path');
    expect(body.requestId).toMatch(/^test-request-/);
    expect(log.lines().at(-1)).toMatchObject({
      level: 'error',
      status: 500,
      error: 'cannot read /var/secret/internal-path',
    });
  });

  it('answers 500 and names no setting value when the function is not configured', async () => {
    vi.stubEnv('HUBCERTS_SECRET', undefined);
    resetColdStart();

    const { status, body } = await post(signedEvent(bodyOf(6, [...NODES, 'jwlogin04i'])));

    expect(status).toBe(500);
    expect(body.code).toBe('NOT_CONFIGURED');
    expect(JSON.stringify(body)).not.toContain(hub.dir);
  });

  it('refuses every webhook with 500 when no signing key is configured', async () => {
    vi.stubEnv('HUBCERTS_WEBHOOK_SECRET', undefined);
    resetColdStart();
    const before = await treeHash(hub.dir);

    const { status, body } = await post(signedEvent(bodyOf(6, [...NODES, 'jwlogin04i'])));

    expect(status).toBe(500);
    expect(body.code).toBe('NOT_CONFIGURED');
    expect(await treeHash(hub.dir)).toBe(before);
  });

  it('answers 503 just before Lambda would stop a function that is stuck', async () => {
    // Prepare: the Secret never answers, and Lambda says 1.5 s are left.
    vi.spyOn(FileSecret.prototype, 'read').mockReturnValue(new Promise(() => {}));
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 1_500 };
    const started = Date.now();

    // Act
    const response = (await handler(
      signedEvent(bodyOf(6, [...NODES, 'jwlogin04i'])),
      context,
    )) as APIGatewayProxyStructuredResultV2;

    // Assess
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(String(response.body)).code).toBe('TIMED_OUT');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('processes the sample event once it is signed again with a current timestamp', async () => {
    // Prepare: the sample is signed with the documented sample key at a fixed, old time.
    const path = join(REPO, 'events', 'reissueProxyClient-http.json');
    const sample = JSON.parse(await readFile(path, 'utf8')) as APIGatewayProxyEventV2;
    const header = sample.headers['x-hubcerts-signature']!;
    const t = Number(/t=(\d+)/.exec(header)?.[1]);
    const key = 'sample-key-do-not-use';
    const asSent = verifySignature(header, Buffer.from(sample.body!), [key], t);
    vi.stubEnv('HUBCERTS_WEBHOOK_SECRET', key);
    resetColdStart();

    // Act
    const stale = await post(sample);
    const resigned = await post(signedEvent(sample.body!, key));

    // Assess
    expect(asSent.ok).toBe(true);
    expect(stale).toMatchObject({ status: 401, body: { code: 'SIGNATURE_EXPIRED' } });
    expect(resigned.status).toBe(200);
    expect(resigned.body).toMatchObject({ code: 'APPLIED', revision: 43 });
    expect(resigned.body.added).toEqual(['DNS:jrlogin01i']);
  });
});

describe('the direct invoke', () => {
  const inventory = (revision: number, nodes: string[]): Inventory => inventoryOf(revision, nodes);

  it('returns the SAN changes of a dry run and writes nothing', async () => {
    const before = await treeHash(hub.dir);

    const answer = await handler(
      {
        inventory: inventory(6, [...NODES.slice(1), 'jwlogin04i']),
        dryRun: true,
        allowRemoval: true,
      },
      lambdaContext(),
    );

    expect(answer).toMatchObject({
      code: 'DRY_RUN',
      revision: 6,
      added: ['DNS:jwlogin04i'],
      removed: ['DNS:jwlogin01i'],
    });
    expect(answer).not.toHaveProperty('statusCode');
    expect(await treeHash(hub.dir)).toBe(before);
  });

  it('answers wrong field types with a 422 answer naming each field', async () => {
    const before = await treeHash(hub.dir);
    const event = {
      inventory: { ...inventory(6, NODES), revision: '6' },
      dryRun: 'yes',
      force: 1,
      reason: 'extra',
    };

    const answer = (await handler(event, lambdaContext())) as Record<string, unknown>;

    expect(answer.code).toBe('INVALID_EVENT');
    const fields = (answer.problems as { field: string }[]).map((p) => p.field);
    expect(fields).toEqual(['reason', 'dryRun', 'force', 'inventory.revision']);
    expect(await treeHash(hub.dir)).toBe(before);
  });

  it('refuses an event without an inventory', async () => {
    const answer = await handler({ dryRun: true }, lambdaContext());

    expect(answer).toMatchObject({
      code: 'INVALID_EVENT',
      problems: [{ field: 'inventory', reason: 'is required' }],
    });
  });

  it('applies a removal the invoker approved, which the webhook would refuse', async () => {
    const dropped = inventory(6, [...NODES.slice(0, 2)]);
    const viaWebhook = await post(signedEvent(JSON.stringify(dropped)));

    const answer = await handler({ inventory: dropped, allowRemoval: true }, lambdaContext());

    expect(viaWebhook).toMatchObject({ status: 428, body: { code: 'REMOVAL_NOT_ALLOWED' } });
    expect(answer).toMatchObject({ code: 'APPLIED', removed: ['DNS:jwlogin03i'] });
    expect((await secretNow()).sans).not.toContain('DNS:jwlogin03i');
  });

  it('needs no signature, so the sample invoke event applies as a dry run', async () => {
    const path = join(REPO, 'events', 'reissueProxyClient-invoke.json');
    const event = JSON.parse(await readFile(path, 'utf8'));

    const answer = await handler(event, lambdaContext());

    expect(answer).toMatchObject({ code: 'DRY_RUN', revision: 43 });
  });
});
