/**
 * Secret manifests in the exact text `kubectl create secret generic NAME --dry-run=client
 * -o yaml` prints (and `kubectl annotate --local -o yaml` for annotations), so that a file
 * written here diffs cleanly against one an operator made by hand.
 *
 * The layout is fixed (kubectl omits empty `data` and `annotations`); the scalars and key
 * order come from `goyaml.ts`. Names, namespaces and keys are validated as Kubernetes does,
 * both when rendering and when parsing.
 */
import { parseDocument } from 'yaml';
import { CertSetError } from '../errors.js';
import { blockMapping } from './goyaml.js';

/** A Secret as hubcerts reads and writes it; only `data` carries certificate material. */
export interface SecretManifest {
  name: string;
  namespace?: string;
  data: Record<string, Buffer>;
  annotations?: Record<string, string>;
}

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const QUALIFIED = /^(?:([^/]+)\/)?([A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
type Fail = (message: string, key?: string) => never;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why `key` is not a valid Secret key (Kubernetes' `IsConfigMapKey`), or undefined. */
export function secretKeyProblem(key: string): string | undefined {
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) return 'it must consist of letters, digits, "-", "_" or "."';
  if (key.length > 253) return 'it is longer than 253 characters';
  if (key === '.' || key === '..' || key.startsWith('..'))
    return 'it must not be "." or start with ".."';
  return undefined;
}

/** Renders `secret` as kubectl prints it; refuses invalid names and keys with a CertSetError. */
export function renderSecretManifest(secret: SecretManifest): string {
  checkSecret(secret, (message, key) => {
    throw new CertSetError(`Secret manifest ${JSON.stringify(secret.name)} ${message}`, key);
  });
  const annotations = Object.entries(secret.annotations ?? {});
  const data = Object.entries(secret.data).map(([k, v]): [string, string] => [
    k,
    v.toString('base64'),
  ]);

  let text = 'apiVersion: v1\n';
  if (data.length > 0) text += `data:\n${blockMapping(2, data)}`;
  text += 'kind: Secret\nmetadata:\n';
  if (annotations.length > 0) text += `  annotations:\n${blockMapping(4, annotations)}`;
  text += '  creationTimestamp: null\n';
  text += blockMapping(2, [
    ['name', secret.name],
    ...(secret.namespace ? [['namespace', secret.namespace]] : []),
  ] as [string, string][]);
  return text;
}

/**
 * Reads a Secret manifest (kubectl's output or a hand-written one with `data` and/or
 * `stringData`; `stringData` wins on a shared key, as in Kubernetes). `source` names the
 * manifest in the one CertSetError thrown for anything invalid.
 */
export function parseSecretManifest(text: string, source: string): SecretManifest {
  const fail: Fail = (message, key) => {
    throw new CertSetError(`Secret manifest ${source} ${message}`, key);
  };
  // Every scalar is read as a string, as Kubernetes reads `data` and `stringData` values.
  const doc = parseDocument(text, { schema: 'failsafe' });
  const problem = doc.errors[0]?.message.split('\n')[0]?.replace(/:$/, '');
  if (problem !== undefined) fail(`is not YAML: ${problem}`);
  let root: unknown;
  try {
    root = doc.toJS();
  } catch (error) {
    throw new CertSetError(`Secret manifest ${source} is not YAML: ${String(error)}`, undefined, {
      cause: error,
    });
  }
  const object = isRecord(root) ? root : fail('is not a Kubernetes object');
  if (object.apiVersion !== 'v1' || object.kind !== 'Secret') {
    const [apiVersion, kind] = [object.apiVersion, object.kind].map((v) => JSON.stringify(v));
    fail(`is not a v1 Secret (apiVersion ${apiVersion}, kind ${kind})`);
  }
  const metadata = isRecord(object.metadata) ? object.metadata : fail('has no metadata');
  const name =
    typeof metadata.name === 'string' && metadata.name !== ''
      ? metadata.name
      : fail('has no metadata.name');

  const data: Record<string, Buffer> = {};
  for (const [key, value] of entries(object.data, 'data', fail)) {
    if (!BASE64.test(value))
      fail(`has a value for data key ${JSON.stringify(key)} that is not valid base64`, key);
    define(data, key, Buffer.from(value, 'base64'));
  }
  for (const [key, value] of entries(object.stringData, 'stringData', fail))
    define(data, key, Buffer.from(value, 'utf8'));

  const secret: SecretManifest = { name, data };
  if (typeof metadata.namespace === 'string' && metadata.namespace !== '')
    secret.namespace = metadata.namespace;
  if (metadata.annotations !== undefined && metadata.annotations !== '') {
    secret.annotations = {};
    for (const [key, value] of entries(metadata.annotations, 'metadata.annotations', fail))
      define(secret.annotations, key, value);
  }
  checkSecret(secret, fail);
  return secret;
}

function entries(value: unknown, field: string, fail: Fail): [string, string][] {
  // With every scalar a string, an empty or explicit null arrives as text.
  if (value === undefined || value === '' || value === 'null' || value === '~') return [];
  const map = isRecord(value) ? value : fail(`has a ${field} that is not a mapping`);
  return Object.entries(map).map(([key, v]) => [
    key,
    typeof v === 'string'
      ? v
      : fail(`has a non-string value for ${field} key ${JSON.stringify(key)}`, key),
  ]);
}

/** Checks names and keys as Kubernetes does; this also keeps keys within what goyaml covers. */
function checkSecret(secret: SecretManifest, fail: Fail): void {
  const quoted = JSON.stringify;
  if (secret.name.length > 253 || !SUBDOMAIN.test(secret.name)) {
    fail(`has an invalid name ${quoted(secret.name)} (not a DNS subdomain)`);
  }
  const ns = secret.namespace;
  if (ns !== undefined && (ns.length > 63 || !new RegExp(`^${DNS_LABEL}$`).test(ns))) {
    fail(`has an invalid namespace ${quoted(ns)} (not a DNS label)`);
  }
  for (const key of Object.keys(secret.data)) {
    const problem = secretKeyProblem(key);
    if (problem) fail(`has an invalid Secret key ${quoted(key)}: ${problem}`, key);
  }
  for (const key of Object.keys(secret.annotations ?? {})) {
    const [, prefix, name = ''] = QUALIFIED.exec(key) ?? [];
    const prefixOk = prefix === undefined || (prefix.length <= 253 && SUBDOMAIN.test(prefix));
    if (!name || name.length > 63 || !prefixOk)
      fail(`has an invalid annotation key ${quoted(key)}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value)
  );
}

/** Sets an own property even for `__proto__`, a valid Secret key. */
function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
