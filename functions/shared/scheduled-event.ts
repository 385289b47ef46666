/**
 * The events a scheduled function accepts: an EventBridge scheduled event as the schedule
 * sends it, or an empty object from a hand-made invoke. Anything else is refused with one
 * sentence, so a wrong trigger is noticed instead of scanned silently.
 */
import { UsageError } from '../../lib/errors.js';

export function checkScheduledEvent(event: unknown): void {
  if (event === undefined || event === null) return;
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new UsageError('expiryScan takes a scheduled event or an empty object');
  }
  const record = event as Record<string, unknown>;
  if (Object.keys(record).length === 0) return;
  if (record.source === 'aws.events' && record['detail-type'] === 'Scheduled Event') return;
  throw new UsageError(
    'expiryScan takes a scheduled event or an empty object, not one with ' +
      Object.keys(record).slice(0, 3).join(', '),
  );
}
