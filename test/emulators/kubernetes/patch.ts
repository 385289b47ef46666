/**
 * The three patch formats the API server accepts: JSON merge patch (RFC 7386), strategic
 * merge patch (merge patch whose object lists merge by key, with `$patch` directives), and
 * JSON patch (RFC 6902).
 */

type Json = unknown;
type JsonObject = Record<string, Json>;

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;

/** A patch that cannot be applied; `status` is 400 (malformed) or 422 (does not apply). */
export class PatchError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** List fields whose elements a strategic merge patch matches by key, and that key. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  conditions: 'type',
  ownerReferences: 'uid',
};

export function applyPatch(contentType: string, target: JsonObject, patch: Json): JsonObject {
  switch (contentType) {
    case PATCH_TYPES.merge:
      if (!isObject(patch)) throw new PatchError(400, 'merge patch must be a JSON object');
      return mergePatch(target, patch) as JsonObject;
    case PATCH_TYPES.strategic:
      if (!isObject(patch)) throw new PatchError(400, 'strategic merge patch must be an object');
      return strategicMerge(target, patch) as JsonObject;
    default:
      if (!Array.isArray(patch)) throw new PatchError(400, 'json patch must be a JSON array');
      return jsonPatch(target, patch);
  }
}

function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function strategicMerge(target: Json, patch: Json, field = ''): Json {
  if (Array.isArray(patch)) return mergeList(target, patch, field);
  if (!isObject(patch)) return structuredClone(patch);
  if (patch['$patch'] === 'delete') return undefined;
  const replace = patch['$patch'] === 'replace';
  const result: JsonObject = isObject(target) && !replace ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete result[key];
      continue;
    }
    const merged = strategicMerge(result[key], value, key);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  return result;
}

function mergeList(target: Json, patch: Json[], field: string): Json[] {
  const mergeKey = MERGE_KEYS[field];
  if (mergeKey === undefined || !Array.isArray(target)) {
    return patch.filter((item) => !(isObject(item) && item['$patch'] === 'delete'));
  }
  const result = [...target];
  for (const item of patch) {
    if (!isObject(item)) continue;
    const at = result.findIndex((e) => isObject(e) && e[mergeKey] === item[mergeKey]);
    if (item['$patch'] === 'delete') {
      if (at >= 0) result.splice(at, 1);
    } else if (at >= 0) {
      result[at] = strategicMerge(result[at], item);
    } else {
      result.push(strategicMerge(undefined, item));
    }
  }
  return result;
}

function jsonPatch(target: JsonObject, operations: Json[]): JsonObject {
  let document: Json = structuredClone(target);
  for (const operation of operations) {
    if (!isObject(operation) || typeof operation['path'] !== 'string') {
      throw new PatchError(400, 'json patch operation needs "op" and "path"');
    }
    const { op, path, value, from } = operation;
    switch (op) {
      case 'add':
        document = put(document, path, structuredClone(value), 'add');
        break;
      case 'replace':
        read(document, path, op);
        document = put(document, path, structuredClone(value), 'replace');
        break;
      case 'remove':
        document = remove(document, path);
        break;
      case 'move': {
        const moved = read(document, String(from), op);
        document = put(remove(document, String(from)), path, moved, 'add');
        break;
      }
      case 'copy':
        document = put(document, path, structuredClone(read(document, String(from), op)), 'add');
        break;
      case 'test':
        if (JSON.stringify(read(document, path, op)) !== JSON.stringify(value)) {
          throw new PatchError(422, `testing value ${path} failed: test failed`);
        }
        break;
      default:
        throw new PatchError(400, `Unexpected kind: ${String(op)}`);
    }
  }
  if (!isObject(document)) throw new PatchError(422, 'json patch replaced the whole object');
  return document;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(400, `invalid JSON pointer: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function read(document: Json, path: string, op: string): Json {
  let node = document;
  for (const part of pointer(path)) {
    const next = child(node, part);
    if (next === undefined) {
      throw new PatchError(422, `${op} operation does not apply: doc is missing path: "${path}"`);
    }
    node = next;
  }
  return node;
}

function put(document: Json, path: string, value: Json, op: 'add' | 'replace'): Json {
  const parts = pointer(path);
  const last = parts.pop();
  if (last === undefined) return value;
  const parent = read(document, `/${parts.map(escapePointer).join('/')}`.replace(/^\/$/, ''), op);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw new PatchError(422, `${op} operation does not apply: index out of range: "${path}"`);
    }
    parent.splice(index, op === 'replace' ? 1 : 0, value);
  } else if (isObject(parent)) {
    parent[last] = value;
  } else {
    throw new PatchError(422, `${op} operation does not apply: doc is missing path: "${path}"`);
  }
  return document;
}

function remove(document: Json, path: string): Json {
  const parts = pointer(path);
  const last = parts.pop() ?? '';
  const parent = read(
    document,
    `/${parts.map(escapePointer).join('/')}`.replace(/^\/$/, ''),
    'remove',
  );
  if (child(parent, last) === undefined) {
    throw new PatchError(422, `remove operation does not apply: doc is missing path: "${path}"`);
  }
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete (parent as JsonObject)[last];
  return document;
}

function child(node: Json, part: string): Json {
  if (Array.isArray(node)) return node[Number(part)];
  return isObject(node) ? node[part] : undefined;
}

function escapePointer(part: string): string {
  return part.replaceAll('~', '~0').replaceAll('/', '~1');
}

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
