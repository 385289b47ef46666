/**
 * The webhook request as HTTP API (payload 2.0) delivers it, checked in the contract's
 * order: size on the raw bytes, then the content type (here), the signature (by the
 * caller, on these same bytes), and only then JSON and the inventory document.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MAX_DOCUMENT_BYTES } from '../../lib/certset/document.js';
import { type Inventory, parseInventoryText } from '../../lib/certset/inventory.js';
import { InvalidInventoryError } from '../../lib/errors.js';
import { type Answer, answer, invalidAnswer } from './answer.js';

/** The raw body and the headers (lower-case names) of an accepted request. */
export interface WebhookRequest {
  body: Buffer;
  headers: Record<string, string>;
}

/** The name the inventory goes by in error messages. */
const SOURCE = 'webhook body';

/** The raw body bytes and headers, or the answer refusing a too large or non-JSON request. */
export function readWebhookRequest(event: APIGatewayProxyEventV2): WebhookRequest | Answer {
  const text = event.body ?? '';
  const base64 = event.isBase64Encoded === true;

  // Size first, from the lengths alone: nothing is decoded before the limit holds.
  const size = base64 ? decodedLength(text) : Buffer.byteLength(text, 'utf8');
  if (size > MAX_DOCUMENT_BYTES) {
    const message = `The body is ${size} bytes long; at most ${MAX_DOCUMENT_BYTES} (256 KiB).`;
    return answer(413, 'BODY_TOO_LARGE', message, { limit: MAX_DOCUMENT_BYTES });
  }
  const headers = lowerCaseHeaders(event.headers);
  const type = headers['content-type'];
  if (!isJsonType(type)) {
    const given = type === undefined ? 'missing' : JSON.stringify(type.slice(0, 80));
    const message = `The content type is ${given}; send application/json (UTF-8).`;
    return answer(415, 'UNSUPPORTED_MEDIA_TYPE', message);
  }
  return { body: base64 ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'), headers };
}

/**
 * The inventory in a signed body. JSON.parse decides "is this JSON" (400); the document is
 * then read by the inventory parser, which also refuses what JSON.parse lets pass, such as a
 * repeated key whose last value would otherwise win silently (422).
 */
export async function readInventoryBody(body: Buffer): Promise<Inventory | Answer> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return answer(400, 'BODY_NOT_JSON', 'The body is not UTF-8 text, so it is not JSON.');
  }
  try {
    JSON.parse(text);
  } catch (error) {
    const why = error instanceof SyntaxError ? ` (${error.message})` : '';
    return answer(400, 'BODY_NOT_JSON', `The body is not valid JSON${why}.`);
  }
  try {
    return await parseInventoryText(text, SOURCE);
  } catch (error) {
    if (!(error instanceof InvalidInventoryError)) throw error;
    return invalidAnswer('INVALID_INVENTORY', 'The inventory', error.problems);
  }
}

/** True for an Answer, false for what a reader returns on success. */
export function isAnswer(value: unknown): value is Answer {
  return typeof value === 'object' && value !== null && 'status' in value && 'code' in value;
}

/** Bytes a base64 text decodes to, without decoding it. */
function decodedLength(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((text.length * 3) / 4) - padding);
}

/**
 * HTTP API already lower-cases names and joins repeated headers with commas; other
 * senders (tests, a Function URL behind another proxy) may not, so do it again here.
 */
function lowerCaseHeaders(headers: APIGatewayProxyEventV2['headers'] | undefined) {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    result[key] = result[key] === undefined ? value : `${result[key]},${value}`;
  }
  return result;
}

/** `application/json`, optionally with `charset=utf-8`; other parameters are ignored. */
function isJsonType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [media, ...parameters] = value.split(';').map((part) => part.trim().toLowerCase());
  if (media !== 'application/json') return false;
  return parameters.every((parameter) => {
    const [name, raw = ''] = parameter.split('=', 2).map((part) => part.trim());
    return name !== 'charset' || raw.replace(/^"(.*)"$/, '$1') === 'utf-8';
  });
}
