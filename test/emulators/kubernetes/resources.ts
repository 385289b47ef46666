/**
 * The resources the Kubernetes emulator serves and how their URLs look:
 * `/api/v1/namespaces/<ns>/<plural>[/<name>[/<sub>]]` for the core group and
 * `/apis/<group>/<version>/namespaces/<ns>/<plural>[/<name>[/<sub>]]` for the others.
 */

export interface ResourceType {
  /** API group, `''` for core. */
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** Whether `/status` is a separate subresource whose changes the main resource ignores. */
  statusSubresource: boolean;
  /** Whether a replace of a missing object creates it (true for Leases). */
  createOnUpdate: boolean;
  /** Whether `metadata.generation` tracks changes of `spec`. */
  generation: boolean;
}

export type Plural = 'secrets' | 'configmaps' | 'pods' | 'deployments' | 'leases';

const core = { group: '', version: 'v1', statusSubresource: false, createOnUpdate: false };

export const RESOURCES: Record<Plural, ResourceType> = {
  secrets: { ...core, plural: 'secrets', kind: 'Secret', generation: false },
  configmaps: { ...core, plural: 'configmaps', kind: 'ConfigMap', generation: false },
  pods: { ...core, plural: 'pods', kind: 'Pod', statusSubresource: true, generation: false },
  deployments: {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    kind: 'Deployment',
    statusSubresource: true,
    createOnUpdate: false,
    generation: true,
  },
  leases: {
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    kind: 'Lease',
    statusSubresource: false,
    createOnUpdate: true,
    generation: false,
  },
};

/** What a request addresses. */
export interface Target {
  type: ResourceType;
  namespace: string;
  name: string | undefined;
  subresource: string | undefined;
}

export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** `secrets` or `deployments.apps`, as error messages name a resource. */
export function qualifiedName(type: ResourceType): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

export function typeOfKind(kind: string): ResourceType | undefined {
  return Object.values(RESOURCES).find((t) => t.kind === kind);
}

export function parseTarget(path: string): Target | undefined {
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  let rest: string[];
  let group: string;
  let version: string | undefined;
  if (parts[0] === 'api') {
    [group, version, rest] = ['', parts[1], parts.slice(2)];
  } else if (parts[0] === 'apis') {
    [group, version, rest] = [parts[1] ?? '', parts[2], parts.slice(3)];
  } else {
    return undefined;
  }
  if (rest[0] !== 'namespaces' || rest.length < 3 || rest.length > 5) return undefined;
  const [, namespace = '', plural, name, subresource] = rest;
  const type = Object.values(RESOURCES).find(
    (t) => t.plural === plural && t.group === group && t.version === version,
  );
  if (type === undefined) return undefined;
  if (subresource !== undefined && !(subresource === 'status' && type.statusSubresource)) {
    return undefined;
  }
  return { type, namespace, name, subresource };
}
