/**
 * The boundary between `@kubernetes/client-node` errors and hubcerts' own: reading the
 * `Status` body an `ApiException` carries, deciding whether a failure is worth another
 * attempt, and turning it into a ClusterError, ConflictError or LockHeldError whose message
 * a person can act on. Nothing above `lib/cluster/k8s*` sees an ApiException.
 */
import { ApiException } from '@kubernetes/client-node';
import { ClusterError, ConflictError, HubcertsError, messageOf } from '../errors.js';
import type { RetryDecision } from '../retry.js';

/** What a failed call tried to do, for messages: `replace` + `Secret jupyterjsc/internal-ssl`. */
export interface K8sAction {
  verb: string;
  subject: string;
}

/** The parts of a Kubernetes `Status` error body hubcerts decides on. */
export interface K8sStatus {
  code: number;
  reason: string;
  message: string;
  causes: { field?: string; message?: string; reason?: string }[];
  retryAfterMs?: number;
  /** 410 Expired: a token that continues a list inconsistently, when the server gave one. */
  continueToken?: string;
}

/** Socket-level failures after which the same request may well succeed. */
const TRANSIENT_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * The Status of an API error, looking through the `cause` chain so that callers can ask
 * about errors that were already wrapped. Undefined for anything that is not an answer.
 */
export function k8sStatusOf(error: unknown): K8sStatus | undefined {
  let api = error;
  for (let depth = 0; api !== undefined && !(api instanceof ApiException) && depth < 5; depth++) {
    api = causeOf(api);
  }
  if (!(api instanceof ApiException)) return undefined;
  const body = parseBody(api.body);
  const details = record(body['details']);
  const headerSeconds = Number(api.headers?.['retry-after']);
  const detailSeconds = Number(details['retryAfterSeconds']);
  const seconds = Number.isFinite(headerSeconds) ? headerSeconds : detailSeconds;
  const token = record(body['metadata'])['continue'];
  return {
    code: api.code,
    reason: typeof body['reason'] === 'string' ? body['reason'] : '',
    message: typeof body['message'] === 'string' ? body['message'] : '',
    causes: Array.isArray(details['causes']) ? details['causes'].map(causeText) : [],
    retryAfterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined,
    continueToken: typeof token === 'string' && token !== '' ? token : undefined,
  };
}

/** The socket error code (`ECONNRESET`) somewhere in the cause chain, if it is transient. */
export function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = causeOf(e), depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_NETWORK.has(code)) return code;
  }
  return undefined;
}

/** Retry 429 (after the wait the server asked for), 5xx, and dropped connections. */
export function classifyK8s(error: unknown): RetryDecision {
  const status = k8sStatusOf(error);
  if (status) {
    if (status.code === 429 || status.code === 503) {
      return { retry: true, afterMs: status.retryAfterMs };
    }
    return { retry: status.code >= 500 && status.code !== 501 };
  }
  return { retry: networkCode(error) !== undefined };
}

/**
 * Whether a failed write may nevertheless have been applied: the server timed out after
 * committing (504), failed after it (5xx), or the answer was lost with the connection. A 429
 * and a refused connection are certain not to have changed anything.
 */
export function outcomeUnknown(error: unknown): boolean {
  const status = k8sStatusOf(error);
  if (status) return status.code >= 500 && status.code !== 501;
  const code = networkCode(error);
  return code !== undefined && code !== 'ECONNREFUSED';
}

/** The one error hubcerts raises for a failed cluster call. Wrapped errors pass unchanged. */
export function wrapK8sError(error: unknown, action: K8sAction): HubcertsError {
  if (error instanceof HubcertsError) return error;
  const { verb, subject } = action;
  const status = k8sStatusOf(error);
  const cause = { cause: error };
  if (status === undefined) {
    const code = networkCode(error);
    if (code !== undefined) {
      const why = `could not ${verb} ${subject}: the cluster did not answer (${code})`;
      return new ClusterError(why, { ...cause, retryable: true });
    }
    return new ClusterError(`could not ${verb} ${subject}: ${messageOf(error)}`, cause);
  }
  switch (status.code) {
    case 401:
      return new ClusterError(
        `the cluster did not accept our credentials when we tried to ${verb} ${subject}; ` +
          'check the kubeconfig or the service account token',
        cause,
      );
    case 403:
      return new ClusterError(
        `permission denied: cannot ${verb} ${subject} (${status.message}); ` +
          'check the Role bound to this identity (README, "Kubernetes")',
        cause,
      );
    case 404:
      return new ClusterError(`${subject} not found`, cause);
    case 409:
      return status.reason === 'AlreadyExists'
        ? new ConflictError(`${subject} already exists; it was created since it was read`, cause)
        : new ConflictError(`${subject} changed since it was read`, cause);
    case 422:
      return new ClusterError(`the cluster refused the ${subject}: ${causesOf(status)}`, cause);
    default: {
      const said = [status.reason, status.message].filter((s) => s !== '').join(': ');
      const retryable = classifyK8s(error).retry;
      const why = `could not ${verb} ${subject}: the cluster answered ${status.code}`;
      return new ClusterError(said === '' ? why : `${why} (${said})`, { ...cause, retryable });
    }
  }
}

function causesOf(status: K8sStatus): string {
  const listed = status.causes
    .map((c) => [c.field, c.message].filter((s) => s !== undefined && s !== '').join(': '))
    .filter((text) => text !== '');
  return listed.length > 0 ? listed.join('; ') : status.message || status.reason;
}

function causeText(value: unknown): { field?: string; message?: string; reason?: string } {
  const { field, message, reason } = record(value);
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { field: text(field), message: text(message), reason: text(reason) };
}

function causeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { cause?: unknown }).cause
    : undefined;
}

/** client-node hands the body over as the raw text; tolerate an object or nothing too. */
function parseBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'string') return record(body);
  try {
    return record(JSON.parse(body));
  } catch {
    // A proxy in front of the API server may answer in HTML; the code still tells enough.
    return {};
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
