/**
 * Error → exit status, per design section 4.3. Kept apart from the entry point so the
 * mapping is tested on its own.
 */
import {
  CertSetError,
  ConfigError,
  GuardRefusal,
  HubcertsError,
  InvalidInventoryError,
  InvalidNameError,
  LockHeldError,
  messageOf,
  UsageError,
} from '../lib/errors.js';

export function exitCodeOf(
  command: string,
  error: unknown,
): { code: number; message: string; kind: string } {
  const kind = error instanceof Error ? error.name : 'Error';
  const message = messageOf(error);
  if (
    error instanceof UsageError ||
    error instanceof ConfigError ||
    error instanceof InvalidInventoryError ||
    error instanceof InvalidNameError
  ) {
    return { code: 64, message, kind };
  }
  // A scan that could not even start saw nothing: that is UNKNOWN to a monitoring system.
  if (command === 'scan') return { code: 3, message, kind };
  if (error instanceof GuardRefusal || error instanceof LockHeldError)
    return { code: 1, message, kind };
  if (error instanceof CertSetError || error instanceof HubcertsError)
    return { code: 2, message, kind };
  return { code: 2, message: `unexpected failure: ${message}`, kind };
}
