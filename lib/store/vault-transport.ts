/**
 * How node-vault talks HTTP in hubcerts: its `request-promise` option, kept by node-vault for
 * a caller's own transport, given a small one over node:https (lib/http-request.ts) in place
 * of axios. axios was most of the Vault client's load time at a Lambda cold start, and the
 * bundles leave it out (scripts/bundle/plugins.cjs).
 *
 * node-vault hands over {method, uri, headers, json} and expects {statusCode, body, request:
 * {path}} back for every status; it turns non-2xx answers into its own errors, which keep only
 * the status and the body. So a `Retry-After` (429, 503) travels on the body, under a symbol
 * that no serialisation shows, for vault-errors.ts to honour. Failures without an answer
 * reject with socket codes, which vault-errors.ts reads.
 */
import http from 'node:http';
import https from 'node:https';
import { sendRequest } from '../http-request.js';

/** Where an answer's body carries its `Retry-After`, in milliseconds. */
export const RETRY_AFTER_MS: unique symbol = Symbol('Retry-After in ms');

/** What node-vault passes for one request (its defaults and requestOptions merged in). */
interface VaultRequest {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  /** A body to send as JSON; `true` only asks for a JSON answer. */
  json?: unknown;
}

/** What node-vault reads of an answer. */
interface VaultResponse {
  statusCode: number;
  body: unknown;
  request: { path: string };
}

/** The shape of node-vault's `request-promise` option. */
export interface RequestPromiseLike {
  defaults(defaults: object): (request: VaultRequest) => Promise<VaultResponse>;
}

export interface VaultTransportOptions {
  /** PEM of the CA that signed Vault's certificate (VAULT_CACERT); else the system's. */
  ca?: string;
  timeoutMs: number;
}

/**
 * A transport with one connection pool kept alive between calls. TLS is always verified:
 * node-vault's strictSSL default follows VAULT_SKIP_VERIFY, which hubcerts does not honour.
 */
export function vaultTransport(options: VaultTransportOptions): RequestPromiseLike {
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true, ca: options.ca, rejectUnauthorized: true }),
  };
  const send = async (request: VaultRequest): Promise<VaultResponse> => {
    const url = new URL(request.uri);
    const agent = url.protocol === 'http:' ? agents['http:'] : agents['https:'];
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/json', ...request.headers };
    let body: string | undefined;
    if (typeof request.json === 'object' && request.json !== null) {
      body = JSON.stringify(request.json);
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const answer = await sendRequest(url, { method: request.method, headers, agent }, body, {
      timeoutMs: options.timeoutMs,
    });
    const answered = parsed(answer.text);
    const retryAfterMs = retryAfterOf(answer.headers['retry-after']);
    if (retryAfterMs !== undefined && typeof answered === 'object' && answered !== null) {
      Object.defineProperty(answered, RETRY_AFTER_MS, { value: retryAfterMs, enumerable: false });
    }
    return { statusCode: answer.status, body: answered, request: { path: url.pathname } };
  };
  return { defaults: () => send };
}

/** Vault answers JSON; a proxy in front of it may answer text, which is kept as it came. */
function parsed(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `Retry-After` in seconds (what Vault sends), as milliseconds; undefined when absent. */
function retryAfterOf(header: string | undefined): number | undefined {
  const value = header?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) * 1000 : undefined;
}
