/**
 * Checking a rotation request that arrives as data (the `rotateCa` event of design 4.6):
 * each field must have its type and a sane length, and unknown fields are refused, since
 * a misspelt `approvedby` must not silently turn into "no approver". A refusal names the
 * field and changes nothing.
 */
import { GuardRefusal } from '../../errors.js';
import { ACTIONS, type RotationAction, type RotationRequest } from './model.js';

const TEXT_FIELDS = ['planId', 'confirm', 'approvedBy', 'plannedBy', 'reason'] as const;
const MAX_TEXT = 1000;

/** The request in `value`, or a GuardRefusal `INVALID_REQUEST` naming the field at fault. */
export function parseRotationRequest(value: unknown): RotationRequest {
  const refuse = (field: string, why: string): never => {
    throw new GuardRefusal('INVALID_REQUEST', `field ${field} ${why}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse('(event)', 'must be an object with an action');
  }
  const event = value as Record<string, unknown>;
  const known: readonly string[] = ['action', 'force', ...TEXT_FIELDS];
  const unknown = Object.keys(event).find((key) => !known.includes(key));
  if (unknown !== undefined)
    refuse(JSON.stringify(unknown), `is not known; use ${known.join(', ')}`);

  const action = event.action;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
    refuse('action', `must be one of ${ACTIONS.join(', ')}`);
  }
  const request: RotationRequest = { action: action as RotationAction };
  for (const field of TEXT_FIELDS) {
    const text = event[field];
    if (text === undefined || text === null) continue;
    if (typeof text !== 'string') refuse(field, `must be a string, not ${typeof text}`);
    if ((text as string).length > MAX_TEXT) refuse(field, `is longer than ${MAX_TEXT} characters`);
    request[field] = text as string;
  }
  if (event.force !== undefined && event.force !== null) {
    if (typeof event.force !== 'boolean')
      refuse('force', `must be true or false, not ${typeof event.force}`);
    request.force = event.force as boolean;
  }
  return request;
}
