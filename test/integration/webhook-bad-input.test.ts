import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../functions/http/signature.js';
import { handler } from '../../functions/reissueProxyClient.js';
import { resetColdStart } from '../../functions/shared/runtime.js';
import {
  captureLog,
  fileHash,
  httpEvent,
  lambdaContext,
  makeWebhookHub,
  treeHash,
  WEBHOOK_KEY,
  type WebhookHub,
} from '../helpers/webhook.js';

const NODES = ['jwlogin01i', 'jwlogin02i', 'jwlogin03i'];
const APPLIED_REVISION = 5;
const LIMIT = 256 * 1024;

let hub: WebhookHub;

beforeAll(async () => {
  hub = await makeWebhookHub(NODES, APPLIED_REVISION);
  Object.assign(process.env, hub.env);
  resetColdStart();
  captureLog();
});

afterAll(async () => {
  await hub.cleanup();
});

const now = () => Math.floor(Date.now() / 1000);

/** A valid inventory that would add a login node, with `fields` replaced. */
const doc = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    revision: APPLIED_REVISION + 1,
    names: ['hub'],
    systems: [{ name: 'JUWELS', loginNodes: [...NODES, 'jwlogin04i'] }],
    ...fields,
  });

/** The valid inventory with `name` as its new login node. */
const withNode = (name: string) =>
  doc({ systems: [{ name: 'JUWELS', loginNodes: [...NODES, name] }] });

const signed = (body: string, headers: Record<string, string> = {}, t = now()) =>
  httpEvent(body, { 'x-hubcerts-signature': signPayload(body, WEBHOOK_KEY, t), ...headers });

const withSignature = (signature: string, body = doc()) =>
  httpEvent(body, { 'x-hubcerts-signature': signature });

const validV1 = (body = doc(), t = now()) => signPayload(body, WEBHOOK_KEY, t).split(',v1=')[1]!;

/** A signed body given as bytes, delivered base64-encoded as HTTP API does for binary. */
const signedBytes = (bytes: Buffer) =>
  httpEvent(
    bytes.toString('base64'),
    { 'x-hubcerts-signature': signPayload(bytes, WEBHOOK_KEY, now()) },
    true,
  );

interface Row {
  name: string;
  event: () => APIGatewayProxyEventV2;
  status: number;
  code: string;
  /** A field the 422 answer must list. */
  field?: string;
}

const rows: Row[] = [
  // Size comes first, before the content type and the signature are looked at.
  {
    name: 'a body over 256 KiB',
    event: () => signed(doc() + ' '.repeat(LIMIT)),
    status: 413,
    code: 'BODY_TOO_LARGE',
  },
  {
    name: 'a body over 256 KiB, unsigned and of the wrong type',
    event: () => httpEvent('x'.repeat(LIMIT + 1), { 'content-type': 'text/plain' }),
    status: 413,
    code: 'BODY_TOO_LARGE',
  },
  {
    name: 'a base64 body that decodes to over 256 KiB',
    event: () => signedBytes(Buffer.alloc(LIMIT + 1, 0x20)),
    status: 413,
    code: 'BODY_TOO_LARGE',
  },
  {
    name: 'a body of exactly 256 KiB with a wrong signature (the limit itself is allowed)',
    event: () => {
      const body = doc().padEnd(LIMIT, ' ');
      return httpEvent(body, { 'x-hubcerts-signature': signPayload('other', WEBHOOK_KEY, now()) });
    },
    status: 401,
    code: 'SIGNATURE_MISMATCH',
  },
  // The content type comes before the signature.
  {
    name: 'content type text/plain',
    event: () => signed(doc(), { 'content-type': 'text/plain' }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'no content type',
    event: () => {
      const event = signed(doc());
      delete event.headers['content-type'];
      return event;
    },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'JSON in another charset',
    event: () => signed(doc(), { 'content-type': 'application/json; charset=iso-8859-1' }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a form post',
    event: () => signed(doc(), { 'content-type': 'application/x-www-form-urlencoded' }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'the wrong content type and no signature',
    event: () => httpEvent(doc(), { 'content-type': 'application/xml' }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  // The signature comes before anything reads the body.
  {
    name: 'no signature header',
    event: () => httpEvent(doc()),
    status: 401,
    code: 'SIGNATURE_MISSING',
  },
  {
    name: 'an empty signature header',
    event: () => withSignature(''),
    status: 401,
    code: 'SIGNATURE_MISSING',
  },
  {
    name: 'two signature headers joined by the gateway',
    event: () => withSignature(`t=${now()},v1=${validV1()},t=${now()},v1=${validV1()}`),
    status: 401,
    code: 'SIGNATURE_MALFORMED',
  },
  {
    name: 'an extra unknown element in the signature',
    event: () => withSignature(`t=${now()},v1=${validV1()},extra=1`),
    status: 401,
    code: 'SIGNATURE_MALFORMED',
  },
  {
    name: 'a signature made with another key',
    event: () => withSignature(signPayload(doc(), 'not-the-key', now())),
    status: 401,
    code: 'SIGNATURE_MISMATCH',
  },
  {
    name: 'a signature of another body',
    event: () => withSignature(signPayload(withNode('jwlogin09i'), WEBHOOK_KEY, now())),
    status: 401,
    code: 'SIGNATURE_MISMATCH',
  },
  {
    name: 'the signed JSON re-serialised with other bytes',
    event: () => {
      const signature = signPayload(doc(), WEBHOOK_KEY, now());
      return withSignature(signature, JSON.stringify(JSON.parse(doc()), null, 2));
    },
    status: 401,
    code: 'SIGNATURE_MISMATCH',
  },
  {
    name: 'truncated hex',
    event: () => withSignature(`t=${now()},v1=${validV1().slice(0, 60)}`),
    status: 401,
    code: 'SIGNATURE_MALFORMED',
  },
  {
    name: 'upper-case hex',
    event: () => withSignature(`t=${now()},v1=${validV1().toUpperCase()}`),
    status: 401,
    code: 'SIGNATURE_MALFORMED',
  },
  {
    name: 'a GitHub sha1= signature',
    event: () => withSignature(`sha1=${validV1().slice(0, 40)}`),
    status: 401,
    code: 'SIGNATURE_MALFORMED',
  },
  {
    name: 'a GitHub sha256= signature',
    event: () => withSignature(`sha256=${validV1()}`),
    status: 401,
    code: 'SIGNATURE_MALFORMED',
  },
  {
    name: 'a signature made 301 s ago',
    event: () => signed(doc(), {}, now() - 301),
    status: 401,
    code: 'SIGNATURE_EXPIRED',
  },
  {
    name: 'a signature from 301 s ahead',
    event: () => signed(doc(), {}, now() + 301),
    status: 401,
    code: 'SIGNATURE_FROM_FUTURE',
  },
  {
    name: 'a base64 body with a bad signature',
    event: () =>
      httpEvent(
        Buffer.from(doc()).toString('base64'),
        { 'x-hubcerts-signature': signPayload(withNode('jwlogin09i'), WEBHOOK_KEY, now()) },
        true,
      ),
    status: 401,
    code: 'SIGNATURE_MISMATCH',
  },
  {
    name: 'a base64 body signed over its base64 text instead of its bytes',
    event: () => {
      const text = Buffer.from(doc()).toString('base64');
      return httpEvent(
        text,
        { 'x-hubcerts-signature': signPayload(text, WEBHOOK_KEY, now()) },
        true,
      );
    },
    status: 401,
    code: 'SIGNATURE_MISMATCH',
  },
  // Signed, but not JSON.
  { name: 'an empty body', event: () => signed(''), status: 400, code: 'BODY_NOT_JSON' },
  {
    name: 'no body at all',
    event: () => {
      const event = signed('');
      delete event.body;
      return event;
    },
    status: 400,
    code: 'BODY_NOT_JSON',
  },
  {
    name: 'invalid JSON',
    event: () => signed('{"revision": 6,'),
    status: 400,
    code: 'BODY_NOT_JSON',
  },
  {
    name: 'YAML instead of JSON',
    event: () => signed('revision: 6\nsystems: []\n'),
    status: 400,
    code: 'BODY_NOT_JSON',
  },
  {
    name: 'JSON followed by more text',
    event: () => signed(`${doc()} {}`),
    status: 400,
    code: 'BODY_NOT_JSON',
  },
  {
    name: 'bytes that are not UTF-8',
    event: () => signedBytes(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
    status: 400,
    code: 'BODY_NOT_JSON',
  },
  // JSON, but not a valid inventory.
  {
    name: 'nesting deeper than an inventory needs',
    event: () => signed(doc({ systems: JSON.parse(`${'['.repeat(30)}${']'.repeat(30)}`) })),
    status: 422,
    code: 'INVALID_INVENTORY',
    field: 'document',
  },
  {
    name: 'hostile nesting of 100,000 levels',
    event: () => signed(`${'['.repeat(100_000)}${']'.repeat(100_000)}`),
    status: 422,
    code: 'INVALID_INVENTORY',
    field: 'document',
  },
  {
    name: 'a list instead of a document',
    event: () => signed('[]'),
    status: 422,
    code: 'INVALID_INVENTORY',
    field: 'document',
  },
  {
    name: 'revision as a string',
    event: () => signed(doc({ revision: '6' })),
    status: 422,
    code: 'INVALID_INVENTORY',
    field: 'revision',
  },
  {
    name: 'a fractional revision',
    event: () => signed(doc({ revision: 6.5 })),
    status: 422,
    code: 'INVALID_INVENTORY',
    field: 'revision',
  },
  {
    name: 'a negative revision',
    event: () => signed(doc({ revision: -6 })),
    status: 422,
    code: 'INVALID_INVENTORY',
    field: 'revision',
  },
  {
    name: 'a missing revision',
    event: () => signed(doc({ revision: undefined })),
    status: 422,
    code: 'INVALID_INVENTORY',
    field: 'revision',
  },
  {
    name: 'systems not a list',
    event: () => signed(doc({ systems: { JUWELS: NODES } })),
    status: 422,
    code: 'INVALID_INVENTORY',
    field: 'systems',
  },
  {
    name: 'loginNodes not a list',
    event: () => signed(doc({ systems: [{ name: 'JUWELS', loginNodes: 'jwlogin01i' }] })),
    status: 422,
    code: 'INVALID_INVENTORY',
    field: 'systems[0].loginNodes',
  },
  {
    name: 'an unknown top-level field',
    event: () => signed(doc({ allowRemoval: true })),
    status: 422,
    code: 'INVALID_INVENTORY',
    field: 'allowRemoval',
  },
  {
    name: 'an unknown field in a system',
    event: () => signed(doc({ systems: [{ name: 'J', loginNodes: NODES, nodes: [] }] })),
    status: 422,
    code: 'INVALID_INVENTORY',
    field: 'systems[0].nodes',
  },
  {
    name: 'a duplicate key (JSON.parse would keep the last one)',
    event: () => signed(doc().replace('{', '{"revision":99,')),
    status: 422,
    code: 'INVALID_INVENTORY',
    field: 'document',
  },
  ...[
    ['an empty label', 'jwlogin04i..fz-juelich.de'],
    ['a label over 63 characters', `${'a'.repeat(64)}.fz-juelich.de`],
    ['a name over 253 characters', `${'a'.repeat(60)}.`.repeat(4) + 'a'.repeat(20)],
    ['a leading hyphen', '-jwlogin04i'],
    ['a trailing hyphen', 'jwlogin04i-'],
    ['a leading dot', '.jwlogin04i'],
    ['a trailing dot', 'jwlogin04i.fz-juelich.de.'],
    ['an underscore', 'jw_login04i'],
    ['a wildcard', '*.fz-juelich.de'],
    ['a space', 'jwlogin 04i'],
    ['a comma', 'jwlogin04i,jwlogin05i'],
    ['a newline', 'jwlogin04i\njwlogin05i'],
    ['a NUL character', 'jwlogin04i\u0000'],
    ['a DNS: prefix', 'DNS:jwlogin04i'],
    ['non-ASCII letters', 'jwlögin04i'],
    ['a port', 'jwlogin04i:22'],
    ['an IPv4 octet with a leading zero', '10.01.2.3'],
  ].map(
    ([what, name]): Row => ({
      name: `a login node with ${what}`,
      event: () => signed(withNode(name!)),
      status: 422,
      code: 'INVALID_INVENTORY',
      field: 'systems[0].loginNodes[3]',
    }),
  ),
  // Valid and signed, but refused by the workflow's guards.
  {
    name: 'a revision older than the applied one',
    event: () => signed(doc({ revision: APPLIED_REVISION - 1 })),
    status: 409,
    code: 'REVISION_OLDER',
  },
  {
    name: 'the applied revision again with other names',
    event: () => signed(doc({ revision: APPLIED_REVISION })),
    status: 409,
    code: 'REVISION_REUSED',
  },
  {
    name: 'a change that drops a login node without approval',
    event: () => signed(doc({ systems: [{ name: 'JUWELS', loginNodes: NODES.slice(0, 2) }] })),
    status: 428,
    code: 'REMOVAL_NOT_ALLOWED',
  },
];

/** Hashes of the Secret, the store folder, the inventory record, and the whole folder. */
async function snapshot() {
  return {
    secret: await fileHash(hub.secretPath),
    store: await treeHash(hub.storePath),
    inventory: await fileHash(hub.inventoryPath),
    everything: await treeHash(hub.dir),
  };
}

describe('the inventory webhook refuses bad input and writes nothing', () => {
  it('has a corpus of at least 40 bad inputs', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
  });

  it.each(rows)('$name → $status $code', async (row) => {
    // Prepare
    const before = await snapshot();

    // Act
    const response = (await handler(
      row.event(),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    // Assess
    const body = JSON.parse(String(response.body));
    expect({ status: response.statusCode, code: body.code }).toEqual({
      status: row.status,
      code: row.code,
    });
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(body.message).toMatch(/^[A-Z].*\.$/);
    if (row.field !== undefined) {
      expect(body.problems.map((p: { field: string }) => p.field)).toContain(row.field);
    }
    expect(await snapshot()).toEqual(before);
  });
});
