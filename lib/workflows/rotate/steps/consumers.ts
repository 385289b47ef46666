/**
 * Steps `publish-consumers` and `restore-consumers`: every configured copy of a trust
 * bundle gets the bundle of the given set. A copy that already holds it is left alone, so
 * the step can run again after a crash without writing twice.
 */
import type { CaSet } from '../../../certset/model.js';
import type { BundleConsumer } from '../../../cluster/types.js';
import type { Logger } from '../../../log.js';

/** Writes `set`'s bundles to `consumers`; returns the references that were written. */
export async function syncConsumers(
  consumers: readonly BundleConsumer[],
  set: CaSet,
  log: Logger,
): Promise<string[]> {
  const written: string[] = [];
  for (const consumer of consumers) {
    const desired = set.bundles[consumer.bundle];
    const current = await consumer.read();
    if (current?.pem === desired) continue;
    await consumer.write(desired, current?.version ?? null);
    log.info('trust-bundle copy written', { consumer: consumer.ref, bundle: consumer.bundle });
    written.push(consumer.ref);
  }
  return written;
}
