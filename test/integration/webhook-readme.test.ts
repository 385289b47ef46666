/**
 * The README's signing snippet, run as written with the real `openssl`, and its request fed
 * to the handler: the documentation and the code must agree on the signature.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/reissueProxyClient.js';
import { resetColdStart } from '../../functions/shared/runtime.js';
import { REPO, run } from '../helpers/cli.js';
import { inventoryOf } from '../helpers/hub.js';
import { requirePeer } from '../helpers/peers.js';
import {
  captureLog,
  httpEvent,
  lambdaContext,
  makeWebhookHub,
  SECOND_KEY,
  type WebhookHub,
} from '../helpers/webhook.js';

const NODES = ['jwlogin01i', 'jwlogin02i'];
let hub: WebhookHub;

beforeEach(async () => {
  hub = await makeWebhookHub(NODES, 1);
  for (const [name, value] of Object.entries(hub.env)) vi.stubEnv(name, value);
  resetColdStart();
  captureLog();
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await hub.cleanup();
});

/** The shell block of "The inventory webhook" that signs with `openssl dgst`. */
async function readmeSnippet(): Promise<string> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## The inventory webhook\n');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const snippet = blocks.find((block) => block.includes('openssl dgst'));
  if (start < 0 || snippet === undefined) throw new Error('README has no signing snippet');
  return snippet;
}

/** A `curl` that records its arguments instead of sending anything. */
async function fakeCurl(dir: string): Promise<{ bin: string; capture: string }> {
  const bin = join(dir, 'bin');
  const capture = join(dir, 'curl-args');
  await mkdir(bin);
  await writeFile(join(bin, 'curl'), `#!/bin/sh\nprintf '%s\\0' "$@" > "${capture}"\n`);
  await chmod(join(bin, 'curl'), 0o755);
  return { bin, capture };
}

describe('the README signing snippet', () => {
  it('produces a request the handler accepts', async () => {
    // Prepare: a pretty-printed file with a final newline, which -d would have mangled.
    requirePeer('openssl', ['version']);
    const snippet = await readmeSnippet();
    const work = join(hub.dir, 'sender');
    await mkdir(work);
    const inventory = inventoryOf(2, [...NODES, 'jwlogin03i']);
    await writeFile(join(work, 'inventory.json'), `${JSON.stringify(inventory, null, 2)}\n`);
    const curl = await fakeCurl(work);

    // Act: run the snippet as written, then deliver what curl was asked to send.
    const shell = await run('sh', ['-eu', '-c', snippet], {
      cwd: work,
      env: { PATH: `${curl.bin}:${process.env.PATH}`, HUBCERTS_WEBHOOK_KEY: SECOND_KEY },
    });
    const args = (await readFile(curl.capture, 'utf8')).split('\0').slice(0, -1);
    const headers = Object.fromEntries(
      args
        .filter((_, i) => args[i - 1] === '-H')
        .map((header) => {
          const colon = header.indexOf(':');
          return [header.slice(0, colon).toLowerCase(), header.slice(colon + 1).trim()];
        }),
    );
    const dataFile = args[args.indexOf('--data-binary') + 1]!.replace(/^@/, '');
    const body = await readFile(join(work, dataFile), 'utf8');
    const response = (await handler(
      httpEvent(body, headers),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    // Assess
    expect(shell.code, shell.stderr).toBe(0);
    expect(args.slice(0, 5)).toEqual([
      '--fail-with-body',
      '--silent',
      '--show-error',
      '-X',
      'POST',
    ]);
    expect(headers['x-hubcerts-signature']).toMatch(/^t=\d{10},v1=[0-9a-f]{64}$/);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(String(response.body))).toMatchObject({
      code: 'APPLIED',
      added: ['DNS:jwlogin03i'],
    });
  });
});
