/**
 * A Vault server for tests: KV version 2 mounts, token and login auth with simple path
 * policies, namespaces, sealing and `sys/health`, on loopback and over the real wire format.
 * Tests drive it with node-vault and inspect or seed state through `secret()`.
 */
import type { StatusFault } from './faults.js';
import { Emulator, type EmulatorOptions, type RecordedRequest, type Reply } from './server.js';
import {
  type AppRole,
  type Capability,
  type KubernetesRole,
  type TokenSpec,
  VaultAuth,
} from './vault/auth.js';
import { type KvConfig, KvMount } from './vault/kv.js';
import { routeKv } from './vault/kv-routes.js';
import { VaultSecret } from './vault/secret.js';
import { health, sealStatus, type VaultMode } from './vault/sys.js';
import { defaultFailure, denied, failure, sealed } from './vault/wire.js';

export type { AppRole, Capability, KubernetesRole, Policy, TokenSpec } from './vault/auth.js';
export type { VaultSecret } from './vault/secret.js';
export type { VaultMode } from './vault/sys.js';

export interface VaultOptions extends EmulatorOptions {
  /** The root token; default `root`. */
  rootToken?: string;
  /** KV version 2 mounts by name with their settings; default `{ secret: {} }`. */
  mounts?: Record<string, Partial<KvConfig>>;
  /** When set, every request but `sys/health` must carry this `X-Vault-Namespace`. */
  namespace?: string;
  appRoles?: AppRole[];
  kubernetesRoles?: KubernetesRole[];
  /** The clock for versions and token expiry, in epoch milliseconds. */
  now?: () => number;
}

const KV_AREAS = new Set(['config', 'data', 'metadata', 'delete', 'undelete', 'destroy']);

export class VaultEmulator extends Emulator {
  readonly rootToken: string;
  readonly namespace: string | undefined;
  readonly auth: VaultAuth;
  /** What the node answers as; `seal()` and `unseal()` switch between sealed and active. */
  mode: VaultMode = 'active';
  readonly #mounts = new Map<string, KvMount>();

  private constructor(options: VaultOptions) {
    super();
    const now = options.now ?? Date.now;
    this.rootToken = options.rootToken ?? 'root';
    this.namespace = options.namespace;
    this.auth = new VaultAuth(now);
    this.auth.create({ id: this.rootToken });
    this.auth.appRoles.push(...(options.appRoles ?? []));
    this.auth.kubernetesRoles.push(...(options.kubernetesRoles ?? []));
    for (const [name, config] of Object.entries(options.mounts ?? { secret: {} })) {
      this.#mounts.set(name, new KvMount(config, now));
    }
  }

  static async start(options: VaultOptions = {}): Promise<VaultEmulator> {
    const emulator = new VaultEmulator(options);
    await emulator.listen(options.tls);
    return emulator;
  }

  seal(): void {
    this.mode = 'sealed';
  }

  unseal(): void {
    this.mode = 'active';
  }

  /** A new token (root when no policy is given); returns its id. */
  createToken(spec: TokenSpec = {}): string {
    return this.auth.create(spec);
  }

  /** Makes a token expire now; the next request with it gets 403. */
  expireToken(id: string): void {
    this.auth.expire(id);
  }

  /** The KV mount with this name, for direct access to its state and settings. */
  mount(name = 'secret'): KvMount {
    const mount = this.#mounts.get(name);
    if (mount === undefined) throw new Error(`no KV mount named ${name}`);
    return mount;
  }

  /** A secret by its logical path `<mount>/<path>`, e.g. `secret/hubcerts/ca`. */
  secret(logicalPath: string): VaultSecret {
    const found = this.#resolve(logicalPath);
    if (found === undefined) throw new Error(`no KV mount holds ${logicalPath}`);
    return new VaultSecret(found.mount, found.rest);
  }

  protected override handle(request: RecordedRequest): Reply {
    if (!request.path.startsWith('/v1/')) return failure(404);
    const path = decodeURIComponent(request.path.slice('/v1/'.length));
    if (path === 'sys/health') return health(this.mode, request.query);
    if (this.namespace !== undefined && request.headers['x-vault-namespace'] !== this.namespace) {
      return denied();
    }
    if (path === 'sys/seal-status') return sealStatus(this.mode);
    if (this.mode === 'sealed' || this.mode === 'uninitialized') return sealed();
    if (request.method === 'POST' || request.method === 'PUT') {
      if (path === 'auth/approle/login') return this.auth.appRoleLogin(request.body);
      if (path === 'auth/kubernetes/login') return this.auth.kubernetesLogin(request.body);
    }

    const token = this.auth.valid(tokenOf(request));
    if (token === undefined) return denied();
    if (path === 'auth/token/lookup-self') return this.auth.lookupSelf(token);
    if (path === 'auth/token/renew-self') return this.auth.renewSelf(token, request.body);

    const target = this.#resolve(path);
    if (target === undefined) {
      if (!this.auth.allows(token, path, 'read')) return denied();
      return failure(404, `no handler for route "${path}". route entry not found.`);
    }
    const capability = this.#capability(request, target.mount, target.rest);
    if (!this.auth.allows(token, path, capability)) return denied();
    return routeKv(target.mount, {
      method: request.method,
      rest: target.rest,
      query: request.query,
      body: request.body,
      contentType: request.headers['content-type'],
    });
  }

  protected override faultReply(_request: RecordedRequest, fault: StatusFault): Reply {
    return defaultFailure(fault.status);
  }

  protected override kindOf(_method: string, path: string): string | undefined {
    const rest = path.replace(/^\/v1\//, '');
    if (rest.startsWith('sys/')) return 'sys';
    if (rest.startsWith('auth/')) return 'auth';
    const area = this.#resolve(rest)?.rest.split('/')[0];
    return area !== undefined && KV_AREAS.has(area) ? area : undefined;
  }

  /** Logins and token lookups are POSTs that change nothing a test cares about. */
  protected override isWrite(request: RecordedRequest): boolean {
    return super.isWrite(request) && !request.path.startsWith('/v1/auth/');
  }

  protected override customMethods(): readonly string[] {
    return ['LIST'];
  }

  #resolve(path: string): { mount: KvMount; rest: string } | undefined {
    const names = [...this.#mounts.keys()].sort((a, b) => b.length - a.length);
    const name = names.find((n) => path === n || path.startsWith(`${n}/`));
    if (name === undefined) return undefined;
    return { mount: this.#mounts.get(name)!, rest: path.slice(name.length + 1) };
  }

  /** The policy capability a request needs; writes need `create` or `update` by existence. */
  #capability(request: RecordedRequest, mount: KvMount, rest: string): Capability {
    const [area = '', ...segments] = rest.split('/');
    switch (request.method) {
      case 'LIST':
        return 'list';
      case 'GET':
        return ['true', '1'].includes(request.query['list'] ?? '') ? 'list' : 'read';
      case 'DELETE':
        return 'delete';
      case 'PATCH':
        return 'patch';
    }
    const exists = mount.secrets.has(segments.join('/'));
    return (area === 'data' || area === 'metadata') && !exists ? 'create' : 'update';
  }
}

function tokenOf(request: RecordedRequest): string | undefined {
  const header = request.headers['x-vault-token'];
  if (typeof header === 'string' && header !== '') return header;
  const bearer = request.headers.authorization?.match(/^Bearer (.+)$/i);
  return bearer?.[1];
}
