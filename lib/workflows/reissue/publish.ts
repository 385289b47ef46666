/**
 * Publishing new Secret data safely: a conditional write, the fingerprint-annotated
 * restart of each workload, and a bounded wait for the rollouts. When a rollout fails the
 * previous data is written back and the workloads restarted onto it, so the proxy never
 * stays on material that does not work.
 */
import type { Publication } from '../../backends.js';
import { ConflictError, HubcertsError, messageOf } from '../../errors.js';
import type { Logger } from '../../log.js';

/** A rollout failed; `restored` says what was put back. */
export class RolloutFailedError extends HubcertsError {
  constructor(
    message: string,
    readonly restored: boolean,
  ) {
    super(message);
  }
}

export interface PublishRequest {
  data: Record<string, Buffer>;
  annotations: Record<string, string>;
  expectedVersion: string | null;
  fingerprint: string;
  restart: readonly string[];
  /** How long to wait for rollouts before answering "under way". */
  waitMs: number;
  /** The data and annotations to restore when a rollout fails. */
  previous?: {
    data: Record<string, Buffer>;
    annotations: Record<string, string>;
    fingerprint: string;
  };
}

export type PublishOutcome = { rollout: 'done' | 'pending' | 'none'; restarted: string[] };

export async function publish(
  target: Publication,
  request: PublishRequest,
  log: Logger,
): Promise<PublishOutcome> {
  const version = await target.secret.write(
    request.data,
    request.annotations,
    request.expectedVersion,
  );
  log.info('Secret written', {
    secret: target.secret.ref,
    secretVersion: version,
    fingerprint: request.fingerprint,
  });
  if (request.restart.length === 0 || !target.workloads) return { rollout: 'none', restarted: [] };

  // A restart that is refused (a paused or missing Deployment) fails like a rollout: the
  // proxy would otherwise keep serving the old certificate beside a Secret that changed.
  const workloads = target.workloads;
  let failure: string;
  try {
    const restarted = await restartAll(target, request.restart, request.fingerprint, log);
    const states = await Promise.all(
      request.restart.map((w) =>
        workloads.waitForRollout(w, request.waitMs, (m) => log.info(m, { workload: w })),
      ),
    );
    const failed = states.find((s) => !s.done && s.failed);
    if (!failed) {
      const pending = states.some((s) => !s.done);
      return { rollout: pending ? 'pending' : 'done', restarted };
    }
    failure = `rollout failed (${failed.message})`;
  } catch (error) {
    failure = `restart failed (${messageOf(error)})`;
  }
  return restore(target, request, version, failure, log);
}

/** Puts the previous Secret back and restarts onto it; always ends in RolloutFailedError. */
async function restore(
  target: Publication,
  request: PublishRequest,
  written: string,
  failure: string,
  log: Logger,
): Promise<never> {
  log.error(`${failure}; restoring the previous Secret`);
  if (!request.previous) {
    throw new RolloutFailedError(`${failure}; there was no previous Secret to restore`, false);
  }
  try {
    await target.secret.write(request.previous.data, request.previous.annotations, written);
  } catch (error) {
    const why =
      error instanceof ConflictError ? 'the Secret changed again meanwhile' : messageOf(error);
    throw new RolloutFailedError(
      `${failure} and the previous Secret could not be restored: ${why}`,
      false,
    );
  }
  let restartNote = 'the workloads restarted onto it';
  try {
    await restartAll(target, request.restart, request.previous.fingerprint, log);
  } catch (error) {
    restartNote = `the workloads could not be restarted onto it (${messageOf(error)})`;
  }
  throw new RolloutFailedError(
    `${failure}; the previous Secret (proxy-client ${request.previous.fingerprint}) ` +
      `was restored and ${restartNote}`,
    true,
  );
}

async function restartAll(
  target: Publication,
  workloads: readonly string[],
  fingerprint: string,
  log: Logger,
) {
  const restarted: string[] = [];
  for (const workload of workloads) {
    if (await target.workloads!.restart(workload, fingerprint)) restarted.push(workload);
    log.info('restart requested', { workload, fingerprint });
  }
  return restarted;
}
