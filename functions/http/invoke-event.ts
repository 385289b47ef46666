/**
 * The direct-invoke event of `reissueProxyClient`: `{ inventory, dryRun?, allowRemoval?,
 * force? }`. Lambda's IAM permission to invoke is the authentication, so there is no
 * signature; every field is still checked, and all problems are answered at once (422).
 */
import { type Inventory, validateInventory } from '../../lib/certset/inventory.js';
import { InvalidInventoryError, type InventoryProblem } from '../../lib/errors.js';
import { type Answer, invalidAnswer } from './answer.js';

/** A checked direct-invoke event; absent flags are false. */
export interface InvokeRequest {
  inventory: Inventory;
  dryRun: boolean;
  allowRemoval: boolean;
  force: boolean;
}

const FLAGS = ['dryRun', 'allowRemoval', 'force'] as const;
const FIELDS: readonly string[] = ['inventory', ...FLAGS];

/** The request in `event`, or the 422 answer naming every bad field. */
export function readInvokeEvent(event: unknown): InvokeRequest | Answer {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return invalidAnswer('INVALID_EVENT', 'The event', [
      { field: 'event', reason: 'must be a JSON object' },
    ]);
  }
  const fields = event as Record<string, unknown>;
  const problems: InventoryProblem[] = [];
  // An HTTP event of another kind (REST API, ALB) lands here too; its fields are unknown, so
  // it is refused rather than trusted.
  for (const key of Object.keys(fields)) {
    if (!FIELDS.includes(key)) {
      problems.push({ field: key, reason: `unknown field ${JSON.stringify(key.slice(0, 40))}` });
    }
  }
  const flags = { dryRun: false, allowRemoval: false, force: false };
  for (const flag of FLAGS) {
    const value = Object.hasOwn(fields, flag) ? fields[flag] : undefined;
    if (value === undefined) continue;
    if (typeof value === 'boolean') flags[flag] = value;
    else problems.push({ field: flag, reason: `must be true or false, not ${describe(value)}` });
  }

  let inventory: Inventory | undefined;
  if (!Object.hasOwn(fields, 'inventory')) {
    problems.push({ field: 'inventory', reason: 'is required' });
  } else {
    try {
      inventory = validateInventory(fields['inventory'], 'invoke event');
    } catch (error) {
      if (!(error instanceof InvalidInventoryError)) throw error;
      for (const problem of error.problems) {
        problems.push({ field: underInventory(problem.field), reason: problem.reason });
      }
    }
  }
  if (problems.length > 0 || inventory === undefined) {
    return invalidAnswer('INVALID_EVENT', 'The event', problems);
  }
  return { inventory, ...flags };
}

/** `revision` → `inventory.revision`; the whole document → `inventory`. */
function underInventory(field: string): string {
  if (field === 'document' || field === '') return 'inventory';
  return field.startsWith('[') ? `inventory${field}` : `inventory.${field}`;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `a string (${JSON.stringify(value.slice(0, 40))})`;
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
