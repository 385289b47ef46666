/**
 * What a publication target offers the workflows: the Secret the proxy and hub mount,
 * the workloads to restart after it changes, and the lock that keeps changes one at a time.
 */
import type { CaName } from '../certset/model.js';

/** The Secret as read, with the version a conditional write must name. */
export interface PublishedSecret {
  data: Record<string, Buffer>;
  annotations: Record<string, string>;
  version: string;
}

export interface SecretTarget {
  /** The reference as configured (`k8s:jupyterjsc/internal-ssl`), for messages and logs. */
  readonly ref: string;

  /** The Secret, or null when it does not exist. */
  read(): Promise<PublishedSecret | null>;

  /**
   * Replaces the Secret if it is still at `expected` (null: create it). The data it held
   * before is kept recoverable (`readPrevious`). A lost race throws ConflictError.
   */
  write(
    data: Record<string, Buffer>,
    annotations: Record<string, string>,
    expected: string | null,
  ): Promise<string>;

  /** The data the Secret held before the last write, or null. */
  readPrevious(): Promise<PublishedSecret | null>;
}

/** Progress of a restarted workload, as `kubectl rollout status` would judge it. */
export type RolloutState =
  | { done: true; message: string }
  | { done: false; failed: boolean; message: string };

export interface Workloads {
  /**
   * Restarts `workload` (`deployment/proxy`) by setting its pod-template annotation to
   * `fingerprint`; does nothing when the annotation already has that value. Returns
   * whether a restart was triggered.
   */
  restart(workload: string, fingerprint: string): Promise<boolean>;

  /** Waits for the rollout of `workload` to finish, fail, or run out of `timeoutMs`. */
  waitForRollout(
    workload: string,
    timeoutMs: number,
    onProgress: (message: string) => void,
  ): Promise<RolloutState>;
}

/**
 * A copy of one trust bundle kept outside the Secret (a ConfigMap in another namespace, a
 * file that job templates read), which a CA rotation must update along with the Secret.
 */
export interface BundleConsumer {
  /** The reference as configured (`jobs/configmap/lab-trust#notebooks-ca_trust.crt`). */
  readonly ref: string;
  /** The CA whose trust bundle it carries (`notebooks-ca`). */
  readonly bundle: CaName;
  /** The PEM it holds now with the version a write must name, or null when absent. */
  read(): Promise<{ pem: string; version: string } | null>;
  /** Writes `pem` if still at `expected` (null: create); a lost race throws ConflictError. */
  write(pem: string, expected: string | null): Promise<string>;
}

/** A held lock; `release` is safe to call twice. */
export interface LockHandle {
  readonly holder: string;
  renew(): Promise<void>;
  release(): Promise<void>;
}

export interface HubLock {
  /** Takes the lock or throws LockHeldError naming the current holder. */
  acquire(holder: string, ttlSeconds: number): Promise<LockHandle>;
}
