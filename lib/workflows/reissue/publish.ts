/**
 * Publishing new Secret data safely: a conditional write, the fingerprint-annotated
 * restart of each workload, and a bounded wait for the rollouts. When a rollout fails the
 * previous data is written back and the workloads restarted onto it, so the proxy never
 * stays on material that does not work.
 */
import type { Publication } from '../../backends.js';
import { ConflictError, HubcertsError } from '../../errors.js';
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

  const workloads = target.workloads;
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

  log.error('rollout failed; restoring the previous Secret', { reason: failed.message });
  if (!request.previous)
    throw new RolloutFailedError(
      `rollout failed (${failed.message}); there was no previous Secret to restore`,
      false,
    );
  try {
    await target.secret.write(request.previous.data, request.previous.annotations, version);
  } catch (error) {
    const why =
      error instanceof ConflictError ? 'the Secret changed again meanwhile' : String(error);
    throw new RolloutFailedError(
      `rollout failed (${failed.message}) and the previous Secret could not be restored: ${why}`,
      false,
    );
  }
  await restartAll(target, request.restart, request.previous.fingerprint, log);
  throw new RolloutFailedError(
    `rollout failed (${failed.message}); the previous Secret (proxy-client ${request.previous.fingerprint}) was restored and the workloads restarted onto it`,
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
