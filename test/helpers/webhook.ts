/**
 * Fixtures for the `reissueProxyClient` tests: a hub on file backends in a temporary folder
 * (store `dir:`, Secret `file:`, inventory record `file:`), HTTP API payload 2.0 events,
 * a fingerprint of everything on disk, and a capture of the function's log lines.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { vi } from 'vitest';
import { toSecretData } from '../../lib/certset/secret.js';
import { FileSecret } from '../../lib/cluster/file.js';
import { DirStore } from '../../lib/store/dir.js';
import { FileInventory } from '../../lib/store/inventory-file.js';
import { REVISION_ANNOTATION } from '../../lib/workflows/reissue/index.js';
import { type HubFixture, inventoryOf, makeHub, tempDir } from './hub.js';

export const WEBHOOK_KEY = 'test-webhook-key-one';
export const SECOND_KEY = 'test-webhook-key-two';

export interface WebhookHub {
  dir: string;
  secretPath: string;
  storePath: string;
  inventoryPath: string;
  /** The CA set and leaves in the store and the Secret. */
  fixture: HubFixture;
  /** The HUBCERTS_* variables that point the function at this hub. */
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}

/** A hub whose Secret names `loginNodes` under inventory `revision`, recorded as well. */
export async function makeWebhookHub(loginNodes: string[], revision: number): Promise<WebhookHub> {
  const { dir, cleanup } = await tempDir('hubcerts-webhook-');
  const hub = await makeHub(loginNodes, { now: new Date() });
  const storePath = join(dir, 'ca_certs');
  const secretPath = join(dir, 'secret.yaml');
  const inventoryPath = join(dir, 'inventory.yaml');
  await new DirStore(storePath).write(hub.set, null, { who: 'test', why: 'fixture' });
  const annotations = { [REVISION_ANNOTATION]: String(revision) };
  const data = toSecretData(hub.set, hub.leaves, 'internal-ssl');
  await new FileSecret(secretPath).write(data, annotations, null);
  await new FileInventory(inventoryPath).write(inventoryOf(revision, loginNodes), null);
  const env = {
    HUBCERTS_STORE: `dir:${storePath}`,
    HUBCERTS_SECRET: `file:${secretPath}`,
    HUBCERTS_INVENTORY: `file:${inventoryPath}`,
    HUBCERTS_WEBHOOK_SECRET: `${WEBHOOK_KEY},${SECOND_KEY}`,
    HUBCERTS_KEY_TYPE: 'ec-p256',
  };
  return { dir, secretPath, storePath, inventoryPath, fixture: hub, env, cleanup };
}

/** An HTTP API payload 2.0 event for `POST /inventory`. */
export function httpEvent(
  body: string | undefined,
  headers: Record<string, string> = {},
  isBase64Encoded = false,
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /inventory',
    rawPath: '/inventory',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path: '/inventory',
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'test',
      },
      requestId: 'gateway-request',
      routeKey: 'POST /inventory',
      stage: '$default',
      time: '03/Dec/2026:12:00:00 +0000',
      timeEpoch: 0,
    },
    body,
    isBase64Encoded,
  };
}

let invocations = 0;

/** A Lambda context with a fresh request id (no remaining-time clock, as in local runs). */
export function lambdaContext(): Context {
  invocations += 1;
  return { awsRequestId: `test-request-${invocations}` } as Context;
}

/** SHA-256 over every file name and content under `dir`: equal hashes, nothing written. */
export async function treeHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      hash.update(`${relative(dir, path)}\0`);
      if (entry.isDirectory()) await walk(path);
      else hash.update(await readFile(path)).update('\0');
    }
  };
  await walk(dir);
  return hash.digest('hex');
}

/** SHA-256 of one file, or 'missing'. */
export async function fileHash(path: string): Promise<string> {
  const data = await readFile(path).catch(() => undefined);
  return data === undefined ? 'missing' : createHash('sha256').update(data).digest('hex');
}

/** Collects what the function writes to stdout (its JSON log lines) instead of printing it. */
export function captureLog(): { lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, text };
}
