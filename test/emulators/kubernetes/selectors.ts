/**
 * Label and field selectors for lists. Labels: `k=v`, `k==v`, `k!=v`, `k`, `!k`,
 * `k in (a,b)`, `k notin (a,b)`, comma-separated. Fields: `=`, `==`, `!=` on the few fields
 * the API server supports for the emulated kinds.
 */
import type { KubeObject } from './store.js';

export type Selector = (object: KubeObject) => boolean;

export class SelectorError extends Error {}

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';
const VALUE = '[-A-Za-z0-9_.]*';
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`);
const EXISTS = new RegExp(`^(!?)\\s*(${KEY})$`);

const FIELDS: Record<string, readonly string[]> = {
  Pod: ['status.phase', 'spec.nodeName', 'spec.restartPolicy'],
  Secret: ['type'],
};

export function labelSelector(text: string | undefined): Selector {
  const tests = splitRequirements(text ?? '').map(labelRequirement);
  return (object) => {
    const labels = object.metadata?.labels ?? {};
    return tests.every((t) => t(labels));
  };
}

export function fieldSelector(text: string | undefined, kind: string): Selector {
  const allowed = ['metadata.name', 'metadata.namespace', ...(FIELDS[kind] ?? [])];
  const tests = splitRequirements(text ?? '').map((requirement) => {
    const match = requirement.match(/^([A-Za-z.]+)\s*(==|=|!=)\s*(.*)$/);
    if (match === null) throw new SelectorError(`invalid field selector: ${requirement}`);
    const [, field = '', op, value] = match;
    if (!allowed.includes(field)) throw new SelectorError(`field label not supported: ${field}`);
    return (object: KubeObject) => (valueAt(object, field) === value) === (op !== '!=');
  });
  return (object) => tests.every((t) => t(object));
}

function labelRequirement(requirement: string): (labels: Record<string, string>) => boolean {
  const equality = requirement.match(EQUALITY);
  if (equality !== null) {
    const [, key = '', op, value] = equality;
    return (labels) => (labels[key] === value) === (op !== '!=');
  }
  const set = requirement.match(SET);
  if (set !== null) {
    const [, key = '', op, list = ''] = set;
    const values = list.split(',').map((v) => v.trim());
    if (op === 'in') return (labels) => values.includes(labels[key] ?? '\0');
    return (labels) => !values.includes(labels[key] ?? '\0');
  }
  const exists = requirement.match(EXISTS);
  if (exists !== null) {
    const [, negated, key = ''] = exists;
    return (labels) => key in labels !== (negated === '!');
  }
  throw new SelectorError(`unable to parse requirement: invalid label selector "${requirement}"`);
}

/** Splits at commas outside parentheses and drops empty parts. */
function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function valueAt(object: KubeObject, path: string): string {
  let value: unknown = object;
  for (const part of path.split('.')) {
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[part]
        : undefined;
  }
  return value === undefined || value === null ? '' : String(value);
}
