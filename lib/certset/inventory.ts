/**
 * The inventory document (design 4.1): the login nodes of every HPC system plus the fixed
 * names the proxy must answer to, with a revision that grows with every change. The desired
 * SAN list of the proxy-client certificate is derived from it alone.
 *
 * A document is accepted whole or not at all: every problem is collected with its field path
 * and reported in one `InvalidInventoryError`, so that the owner can fix them in one round.
 */
import { InvalidInventoryError, type InventoryProblem } from '../errors.js';
import { desiredSans, parseName, splitSan } from '../pki/names.js';
import { readDocument } from './document.js';

/** An accepted inventory; every name is canonical and bare (no `DNS:`/`IP:`), without repeats. */
export interface Inventory {
  revision: number;
  names: string[];
  systems: { name: string; loginNodes: string[] }[];
}

/** Deeper than this is not an inventory; the real document needs four levels. */
const MAX_DEPTH = 8;
/** Longest list accepted, for names, systems and each system's login nodes. */
const MAX_LIST = 10_000;
const TOP_FIELDS = ['revision', 'names', 'systems'];
const SYSTEM_FIELDS = ['name', 'loginNodes'];

type Problems = InventoryProblem[];
type Fields = Record<string, unknown>;

/** Parse and validate an inventory given as YAML or JSON text; `source` names it in errors. */
export async function parseInventoryText(text: string, source: string): Promise<Inventory> {
  const read = await readDocument(text);
  if (!read.ok) {
    const problems = read.problems.map((reason) => ({ field: 'document', reason }));
    throw new InvalidInventoryError(source, problems);
  }
  return validateInventory(read.value, source);
}

/** Validate an inventory that is already a plain value (a parsed JSON webhook body). */
export function validateInventory(value: unknown, source: string): Inventory {
  const deep = tooDeep(value);
  if (deep !== undefined) {
    refuse(source, deep || 'document', `is nested deeper than ${MAX_DEPTH} levels`);
  }
  if (!isFields(value)) refuse(source, 'document', `must be a mapping, not ${kind(value)}`);

  const problems: Problems = [];
  unknownFields(value, TOP_FIELDS, '', problems);
  const revision = own(value, 'revision');
  const revisionIssue = revisionProblem(revision);
  if (revisionIssue !== undefined) problems.push({ field: 'revision', reason: revisionIssue });
  // `names` is optional; a missing list reads as empty.
  const names = nameList(value, 'names', '', problems);
  const systems = checkSystems(own(value, 'systems'), problems);
  if (problems.length > 0) throw new InvalidInventoryError(source, problems);
  return { revision: Number(revision), names, systems };
}

function refuse(source: string, field: string, reason: string): never {
  throw new InvalidInventoryError(source, [{ field, reason }]);
}

function revisionProblem(value: unknown): string | undefined {
  if (value === undefined) return 'is required';
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return `must be an integer, not ${kind(value)}`;
  }
  if (value < 0) return 'must not be negative';
  if (!Number.isSafeInteger(value)) return `must be at most ${Number.MAX_SAFE_INTEGER}`;
  return undefined;
}

function checkSystems(value: unknown, problems: Problems): Inventory['systems'] {
  const field = 'systems';
  if (value === undefined) {
    problems.push({ field, reason: 'is required (an empty list is allowed)' });
    return [];
  }
  if (!listOk(value, field, problems)) return [];

  const systems: Inventory['systems'] = [];
  const seen = new Map<string, string>();
  for (const [i, entry] of value.entries()) {
    const path = `systems[${i}]`;
    if (!isFields(entry)) {
      problems.push({ field: path, reason: `must be a mapping, not ${kind(entry)}` });
      continue;
    }
    unknownFields(entry, SYSTEM_FIELDS, path, problems);
    const name = systemName(own(entry, 'name'), `${path}.name`, problems);
    // Names that differ only in case would be one system to any person reading a report.
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({ field: `${path}.name`, reason: `repeats the name of ${first}` });
    } else if (name !== '') seen.set(key, path);
    if (own(entry, 'loginNodes') === undefined) {
      problems.push({ field: `${path}.loginNodes`, reason: 'is required (may be an empty list)' });
    }
    systems.push({ name, loginNodes: nameList(entry, 'loginNodes', path, problems) });
  }
  return systems;
}

function systemName(value: unknown, field: string, problems: Problems): string {
  const fail = (reason: string) => {
    problems.push({ field, reason });
    return '';
  };
  if (value === undefined) return fail('is required');
  if (typeof value !== 'string') return fail(`must be a string, not ${kind(value)}`);
  if (value.trim() === '') return fail('must not be empty');
  if (value.trim() !== value) return fail('has leading or trailing whitespace');
  if ([...value].some((c) => c < ' ' || c === '\x7f')) return fail('contains a control character');
  return value;
}

/** The canonical bare names in `owner[key]`; a missing list is treated as empty. */
function nameList(owner: Fields, key: string, prefix: string, problems: Problems): string[] {
  const value = own(owner, key);
  const field = join(prefix, key);
  if (value === undefined || !listOk(value, field, problems)) return [];

  const names = new Set<string>();
  for (const [i, item] of value.entries()) {
    if (typeof item !== 'string') {
      problems.push({ field: `${field}[${i}]`, reason: `must be a string, not ${kind(item)}` });
      continue;
    }
    const result = parseName(item);
    if (!result.ok) {
      const reason = `${JSON.stringify(item)} ${result.reason}`;
      problems.push({ field: `${field}[${i}]`, reason });
      continue;
    }
    names.add(splitSan(result.san).value);
  }
  return [...names];
}

function listOk(value: unknown, field: string, problems: Problems): value is unknown[] {
  if (!Array.isArray(value)) {
    problems.push({ field, reason: `must be a list, not ${kind(value)}` });
    return false;
  }
  if (value.length > MAX_LIST) {
    problems.push({ field, reason: `has ${value.length} entries; at most ${MAX_LIST}` });
    return false;
  }
  return true;
}

function unknownFields(value: Fields, known: string[], prefix: string, problems: Problems): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      problems.push({ field: join(prefix, key), reason: `unknown field ${JSON.stringify(key)}` });
    }
  }
}

/**
 * The path of the first value nested deeper than `MAX_DEPTH`, or undefined. Iterative, so a
 * hostile value cannot exhaust the stack; a cycle is found as soon as it passes the limit.
 */
function tooDeep(root: unknown): string | undefined {
  const stack: [value: unknown, depth: number, path: string][] = [[root, 1, '']];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [value, depth, path] = top;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DEPTH) return path;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) stack.push([item, depth + 1, `${path}[${i}]`]);
    } else {
      for (const [key, item] of Object.entries(value)) {
        stack.push([item, depth + 1, join(path, key)]);
      }
    }
  }
  return undefined;
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own properties only: a `__proto__` or `constructor` key must not reach the prototype. */
function own(value: Fields, key: string): unknown {
  return Object.hasOwn(value, key) ? value[key] : undefined;
}

function join(prefix: string, key: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${prefix}[${JSON.stringify(key)}]`;
  return prefix === '' ? key : `${prefix}.${key}`;
}

/** How a value of the wrong type is described to the person who wrote it. */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.slice(0, 40))})`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/** Every login node of every system, in order, without repeats. */
export function inventoryNames(inv: Inventory): string[] {
  return [...new Set(inv.systems.flatMap((system) => system.loginNodes))];
}

/** The SAN list a proxy-client certificate must carry for this inventory. */
export function inventorySans(inv: Inventory): string[] {
  return desiredSans(inv.names, inventoryNames(inv));
}
