/**
 * The boundary between node-vault and the rest of hubcerts. Every failed Vault call becomes a
 * VaultCallError: a StoreError with a sentence a person can act on, whether trying again may
 * help, and the HTTP status the KV code in this folder decides on. Messages name the address
 * and the API path, never a token or a value. The request node-vault (axios) built holds
 * both, so a failure without an answer keeps only its code and message as the cause.
 */
import { StoreError } from '../errors.js';
import type { RetryDecision } from '../retry.js';
import { RETRY_AFTER_MS } from './vault-transport.js';

/** A Vault call as the messages describe it. */
export interface VaultCall {
  /** What was being done: `reading`, `writing`, `listing`, `logging in at`. */
  verb: string;
  /** The API path below `/v1/`, e.g. `secret/data/hub`. */
  path: string;
  address: string;
  /** What to check when Vault answers 403; by default the token's policy. */
  deniedHint?: string;
}

/** A failed Vault call, described for people, with the status the KV code decides on. */
export class VaultCallError extends StoreError {
  /** The HTTP status Vault answered with; undefined when no answer came. */
  readonly status: number | undefined;
  /** The first entry of Vault's `errors` list, when it sent one. */
  readonly vaultMessage: string | undefined;
  /** Vault's error body: `{errors}`, or the metadata of a deleted version. Never a secret. */
  readonly answer: unknown;
  /** How long Vault asked to wait before the next attempt (its `Retry-After`). */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    details: {
      status?: number;
      vaultMessage?: string;
      answer?: unknown;
      retryable: boolean;
      retryAfterMs?: number;
    },
    cause: unknown,
  ) {
    super(message, { cause, retryable: details.retryable });
    this.status = details.status;
    this.vaultMessage = details.vaultMessage;
    this.answer = details.answer;
    this.retryAfterMs = details.retryAfterMs;
  }
}

const SEALED = 'Vault is sealed';
/** Failures before or during an exchange that a later attempt may not meet. */
const TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);
const TLS_FAILURE = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|EPROTO/;

/** Turns whatever node-vault rejected with into a VaultCallError for `call`. */
export function vaultCallError(error: unknown, call: VaultCall): VaultCallError {
  if (error instanceof VaultCallError) return error;
  const response = (error as { response?: { statusCode?: unknown; body?: unknown } } | null)
    ?.response;
  if (typeof response?.statusCode === 'number') {
    return answered(error, response.statusCode, response.body, call);
  }
  return unanswered(error, call);
}

function answered(error: unknown, status: number, answer: unknown, call: VaultCall) {
  const vaultMessage = firstError(answer);
  const { verb, path, address } = call;
  const said = vaultMessage === undefined ? '' : `: ${clip(vaultMessage)}`;
  const retryAfterMs = (answer as { [RETRY_AFTER_MS]?: number } | null)?.[RETRY_AFTER_MS];
  const details = (retryable: boolean) => ({
    status,
    vaultMessage,
    answer,
    retryable,
    retryAfterMs,
  });
  let message: string;
  let retryable = false;
  if (status === 503 && vaultMessage === SEALED) {
    message = `Vault is sealed at ${address} (${verb} ${path}); it must be unsealed first`;
    retryable = true;
  } else if (status === 403) {
    const hint = call.deniedHint ?? 'check the policy of the Vault token';
    message = `permission denied ${verb} ${path} at ${address}: ${hint}`;
  } else if (status === 404) {
    message = `${path} does not exist at ${address}`;
  } else if (status === 429) {
    message = `Vault at ${address} asked to slow down (429) ${verb} ${path}${said}`;
    retryable = true;
  } else if (status >= 500) {
    message = `Vault at ${address} failed with ${status} ${verb} ${path}${said}`;
    retryable = true;
  } else {
    message = `Vault at ${address} refused ${verb} ${path} with ${status}${said}`;
  }
  return new VaultCallError(message, details(retryable), error);
}

function unanswered(error: unknown, call: VaultCall): VaultCallError {
  const raw = error as { code?: unknown; message?: unknown } | null;
  const code = typeof raw?.code === 'string' ? raw.code : undefined;
  const text = typeof raw?.message === 'string' ? raw.message : String(error);
  const cause = Object.assign(new Error(text), code === undefined ? {} : { code });
  const { verb, path, address } = call;
  if (code !== undefined && TRANSIENT.has(code)) {
    const message = `Vault at ${address} cannot be reached (${code}) ${verb} ${path}`;
    return new VaultCallError(message, { retryable: true }, cause);
  }
  if (code !== undefined && TLS_FAILURE.test(code)) {
    const message =
      `TLS with Vault at ${address} failed (${code}): set VAULT_CACERT to the file of the ` +
      'CA that signed its certificate';
    return new VaultCallError(message, { retryable: false }, cause);
  }
  if (code === 'ENOTFOUND') {
    const message = `the host of VAULT_ADDR ${address} is not known (ENOTFOUND)`;
    return new VaultCallError(message, { retryable: false }, cause);
  }
  const message = `Vault call failed ${verb} ${path} at ${address}: ${clip(text)}`;
  return new VaultCallError(message, { retryable: false }, cause);
}

/** For withRetry: what a VaultCallError says; anything else (a ConfigError) is final. */
export function retryDecision(error: unknown): RetryDecision {
  if (!(error instanceof VaultCallError) || !error.retryable) return { retry: false };
  return { retry: true, afterMs: error.retryAfterMs };
}

function firstError(answer: unknown): string | undefined {
  const errors = (answer as { errors?: unknown } | null)?.errors;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  return typeof first === 'string' ? first : undefined;
}

/** Vault's multi-line error lists on one line, and short. */
function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
