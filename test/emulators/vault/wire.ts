/**
 * Vault's response shapes: the envelope around every answer and the `{"errors": [...]}` body
 * of every failure, with the exact messages clients match on.
 */
import { randomUUID } from 'node:crypto';
import type { Reply } from '../server.js';

export const PERMISSION_DENIED = '1 error occurred:\n\t* permission denied\n\n';
export const SEALED = 'Vault is sealed';
export const CAS_MISMATCH = 'check-and-set parameter did not match the current version';
export const CAS_REQUIRED = 'check-and-set parameter required for this call';

/** The envelope Vault wraps around `data` (and `auth` for logins). */
export function envelope(
  data: unknown,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
    ...extra,
  };
}

export function ok(data: unknown, extra?: Record<string, unknown>): Reply {
  return { status: 200, body: envelope(data, extra) };
}

export function noContent(): Reply {
  return { status: 204 };
}

export function failure(status: number, ...errors: string[]): Reply {
  return { status, body: { errors } };
}

/** A missing path: 404 with an empty error list. */
export function notFound(): Reply {
  return failure(404);
}

export function denied(): Reply {
  return failure(403, PERMISSION_DENIED);
}

export function sealed(): Reply {
  return failure(503, SEALED);
}

/** The body Vault sends with a status when a fault gives none. */
export function defaultFailure(status: number): Reply {
  switch (status) {
    case 400:
      return failure(400, CAS_MISMATCH);
    case 403:
      return denied();
    case 404:
      return notFound();
    case 429:
      return failure(429, 'request path "": rate limit quota exceeded');
    case 503:
      return sealed();
    default:
      return failure(status, 'internal error');
  }
}

/** Vault prints times as RFC 3339 in UTC. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString();
}
