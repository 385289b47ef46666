/**
 * How a failed `GetSecretValue` is described. Like the SDK's exceptions, the error's `name` is
 * AWS's error type without its namespace (`ResourceNotFoundException`), or `TimeoutError`, or
 * the socket's code (`ECONNRESET`) when no answer came: resolve.ts puts the name, and only the
 * name, into its message. The message adds AWS's own explanation; a body that is not an AWS
 * error, or any body of a successful answer, is never quoted, since it may hold a secret.
 */
import { HubcertsError } from '../errors.js';
import type { RetryDecision } from '../retry.js';

/** A GetSecretValue call that failed; `name` is the AWS error type. */
export class SecretsManagerError extends HubcertsError {
  /** The HTTP status of the answer; undefined when none came. */
  readonly status: number | undefined;
  /** True when the same call may succeed later (5xx, throttling, a reset connection). */
  readonly retryable: boolean;

  constructor(
    type: string,
    message: string,
    details: { status?: number; retryable: boolean; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.name = type;
    this.status = details.status;
    this.retryable = details.retryable;
  }
}

/** AWS's names for "slow down", which it sends with 400 as well as 429. */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottledException',
]);

/** Socket failures that a new connection may not meet (the SDK retries the same ones). */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** An answer other than 200, from its status, `x-amzn-errortype` header and JSON body. */
export function answerError(
  status: number,
  errorTypeHeader: string | undefined,
  text: string,
  endpoint: URL,
): SecretsManagerError {
  const body = parseObject(text);
  // `__type` may carry a namespace (`com.amazonaws.secretsmanager#…`), the header a URL suffix.
  const raw = errorTypeHeader?.split(':')[0] || stringField(body, '__type') || '';
  const type = raw.split('#').at(-1) || `HTTP ${status}`;
  const said = stringField(body, 'message') ?? stringField(body, 'Message');
  const retryable = status >= 500 || status === 429 || THROTTLING.has(type);
  const message =
    `Secrets Manager at ${endpoint.host} refused GetSecretValue with ${status} ${type}` +
    (said === undefined ? '' : `: ${clip(said)}`);
  return new SecretsManagerError(type, message, { status, retryable });
}

/** A request that got no answer: the socket failed, or the deadline passed. */
export function unansweredError(error: unknown, endpoint: URL): SecretsManagerError {
  if (error instanceof SecretsManagerError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const type = typeof code === 'string' ? code : 'NetworkingError';
  const message = `Secrets Manager at ${endpoint.host} cannot be reached (${type})`;
  return new SecretsManagerError(type, message, {
    retryable: TRANSIENT_CODES.has(type),
    cause: error,
  });
}

export function timeoutError(endpoint: URL, timeoutMs: number): SecretsManagerError {
  const message = `Secrets Manager at ${endpoint.host} did not answer within ${timeoutMs} ms`;
  return new SecretsManagerError('TimeoutError', message, { retryable: true });
}

/** A 200 whose body is not a secret value; the body itself is not quoted. */
export function malformedAnswer(endpoint: URL, what: string): SecretsManagerError {
  const message = `Secrets Manager at ${endpoint.host} answered GetSecretValue with ${what}`;
  return new SecretsManagerError('MalformedResponse', message, { status: 200, retryable: false });
}

/** For withRetry: only what SecretsManagerError marks as transient is tried again. */
export function retryDecision(error: unknown): RetryDecision {
  return { retry: error instanceof SecretsManagerError && error.retryable };
}

export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    // Not JSON: the caller treats it as a body without the expected fields.
    return undefined;
  }
}

function stringField(body: Record<string, unknown> | undefined, name: string) {
  const value = body?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
