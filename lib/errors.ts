/**
 * The error classes of hubcerts. Each area has its own class so that callers can decide by
 * `instanceof` and adapters can map a class to an exit code or an HTTP status without knowing
 * which client library failed underneath. The original error is always kept as `cause`.
 *
 * Messages are one sentence a person can act on, naming the input at fault. They never
 * contain key material.
 */

/** Base class: every error hubcerts raises on purpose is one of these. */
export class HubcertsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The command line was used wrongly (unknown flag, missing argument). */
export class UsageError extends HubcertsError {}

/** A setting is missing or malformed, or a reference to a secret could not be resolved. */
export class ConfigError extends HubcertsError {}

/** A certificate, key or PEM text could not be read or does not have the expected shape. */
export class PkiError extends HubcertsError {}

/** One or more host names or IP literals are not acceptable as a SAN. */
export class InvalidNameError extends HubcertsError {
  /** Every rejected input with the reason, in input order. */
  readonly problems: readonly NameProblem[];

  constructor(problems: readonly NameProblem[], context = 'name') {
    const listed = problems.map((p) => `${JSON.stringify(p.input)} (${p.reason})`).join('; ');
    super(`Invalid ${context}${problems.length === 1 ? '' : 's'}: ${listed}`);
    this.problems = problems;
  }
}

/** A name that was rejected, and why. */
export interface NameProblem {
  input: string;
  reason: string;
}

/** An inventory document is invalid; every bad field and name is listed. */
export class InvalidInventoryError extends HubcertsError {
  readonly problems: readonly InventoryProblem[];

  constructor(source: string, problems: readonly InventoryProblem[]) {
    const listed = problems.map((p) => `${p.field}: ${p.reason}`).join('; ');
    super(`Inventory ${source} is invalid: ${listed}`);
    this.problems = problems;
  }
}

/** One bad field of an inventory document (`field` is a path such as `systems[0].name`). */
export interface InventoryProblem {
  field: string;
  reason: string;
}

/** A CA set, Secret content or tarball is incomplete or inconsistent; names the file. */
export class CertSetError extends HubcertsError {
  /** The file (relative path or Secret key) at fault, when one is. */
  readonly file: string | undefined;

  constructor(message: string, file?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.file = file;
  }
}

/** The store (dir, tgz, Vault) could not be read or written. */
export class StoreError extends HubcertsError {
  /** True when the same call may succeed later (sealed, 5xx, reset). */
  readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options);
    this.retryable = options?.retryable ?? false;
  }
}

/** A conditional write lost its race: the stored object changed since it was read. */
export class ConflictError extends HubcertsError {}

/** The cluster (or the file standing in for it) could not be read or written. */
export class ClusterError extends HubcertsError {
  readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options);
    this.retryable = options?.retryable ?? false;
  }
}

/** Another change holds the hub's lock. */
export class LockHeldError extends HubcertsError {
  readonly holder: string;

  constructor(resource: string, holder: string) {
    super(`${resource} is locked by ${holder}; another change is in progress`);
    this.holder = holder;
  }
}

/** A safety guard refused the change; nothing was changed. */
export class GuardRefusal extends HubcertsError {
  /** Machine-readable reason, e.g. `REMOVAL_NOT_ALLOWED`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Shorthand for the message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
