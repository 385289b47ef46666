/**
 * References to copies of trust bundles outside the Secret (the `consumers` setting):
 *
 * - `NAMESPACE/configmap/NAME#KEY` or `NAMESPACE/secret/NAME#KEY` (optionally `k8s:` first)
 *   for a ConfigMap or Secret in the cluster. KEY is a bundle file name such as
 *   `notebooks-ca_trust.crt`; a key with another name says which bundle it carries as
 *   `#KEY=CA` (`#ca.crt=notebooks-ca`).
 * - `file:PATH#CA` for a file, where CA is a CA name or a bundle file name; without `#CA`
 *   the file's own name must be a bundle file name.
 *
 * Parsing is kept apart from the writers so a bad reference is refused before anything
 * connects anywhere.
 */
import { basename } from 'node:path';
import { CA_NAMES, type CaName, isCaName } from '../certset/model.js';
import { ConfigError } from '../errors.js';

/** A parsed `consumers` entry. */
export type ConsumerRef =
  | { kind: 'file'; ref: string; path: string; bundle: CaName }
  | {
      kind: 'k8s';
      ref: string;
      namespace: string;
      resource: 'configmap' | 'secret';
      name: string;
      key: string;
      bundle: CaName;
    };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DATA_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/** Parses one entry of the `consumers` setting; a ConfigError names the entry and the fault. */
export function parseConsumerRef(ref: string): ConsumerRef {
  const fail = (why: string): never => {
    throw new ConfigError(`--consumers entry ${JSON.stringify(ref)} ${why}`);
  };
  if (ref.startsWith('file:')) {
    const [path = '', bundleText, ...extra] = ref.slice('file:'.length).split('#');
    if (path === '' || extra.length > 0) fail('must be file:PATH#CA');
    const bundle = bundleNamed(bundleText ?? basename(path));
    if (!bundle) fail(`names no trust bundle; add #CA with one of ${CA_NAMES.join(', ')}`);
    return { kind: 'file', ref, path, bundle: bundle! };
  }

  const match = /^(?:k8s:)?([^/#]+)\/([^/#]+)\/([^/#]+)#(.+)$/.exec(ref);
  if (!match)
    return fail('must be NAMESPACE/configmap/NAME#KEY, NAMESPACE/secret/NAME#KEY or file:PATH#CA');
  const [, namespace = '', kind = '', name = '', keyPart = ''] = match;
  const resource = kind.toLowerCase();
  if (resource !== 'configmap' && resource !== 'secret')
    fail(`names kind ${kind}; use configmap or secret`);
  if (!DNS_LABEL.test(namespace)) fail(`has an invalid namespace ${JSON.stringify(namespace)}`);
  if (!DNS_SUBDOMAIN.test(name)) fail(`has an invalid name ${JSON.stringify(name)}`);
  const [key = '', caText] = keyPart.split('=', 2);
  if (!DATA_KEY.test(key)) fail(`has an invalid key ${JSON.stringify(key)}`);
  const bundle = bundleNamed(caText ?? key);
  if (!bundle) fail(`names no trust bundle; use a key such as notebooks-ca_trust.crt or #KEY=CA`);
  return {
    kind: 'k8s',
    ref,
    namespace,
    resource: resource as 'configmap' | 'secret',
    name,
    key,
    bundle: bundle!,
  };
}

/** `notebooks-ca` or `notebooks-ca_trust.crt` → `notebooks-ca`; anything else → undefined. */
function bundleNamed(text: string): CaName | undefined {
  const name = text.endsWith('_trust.crt') ? text.slice(0, -'_trust.crt'.length) : text;
  return isCaName(name) ? name : undefined;
}
