/**
 * Tokens and logins: the root token, tokens with a small path policy and a TTL, AppRole and
 * Kubernetes logins that mint such tokens, and the token self endpoints clients renew with.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Reply } from '../server.js';
import { isObject } from './kv-routes.js';
import { denied, failure, ok, timestamp } from './wire.js';

export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list';

/**
 * Path rules as in a Vault policy, keyed by path below `/v1/`: an exact path, or a prefix
 * ending in `*`. Example: `{ 'secret/data/hubcerts/*': ['read'] }`.
 */
export type Policy = Readonly<Record<string, readonly Capability[]>>;

export interface TokenSpec {
  /** The token string; generated when absent. */
  id?: string;
  /** Absent: a root token that may do anything. */
  policy?: Policy;
  /** Absent or 0: the token never expires. */
  ttlSeconds?: number;
}

/** A role a client logs in to with `role_id` and `secret_id`. */
export interface AppRole {
  roleId: string;
  secretId: string;
  policy?: Policy;
  ttlSeconds?: number;
}

/** A role a pod logs in to with its service account token. */
export interface KubernetesRole {
  name: string;
  /** The service account token the role accepts; absent accepts any non-empty one. */
  jwt?: string;
  policy?: Policy;
  ttlSeconds?: number;
}

/** A token as the emulator keeps it. */
export interface VaultToken {
  id: string;
  accessor: string;
  policy: Policy | undefined;
  ttlSeconds: number;
  issuedMs: number;
  expiresMs: number | null;
  meta: Record<string, string>;
}

export class VaultAuth {
  readonly #tokens = new Map<string, VaultToken>();
  readonly #now: () => number;
  readonly appRoles: AppRole[] = [];
  readonly kubernetesRoles: KubernetesRole[] = [];

  constructor(now: () => number) {
    this.#now = now;
  }

  create(spec: TokenSpec = {}, meta: Record<string, string> = {}): string {
    const id = spec.id ?? `hvs.${randomBytes(18).toString('base64url')}`;
    const ttlSeconds = spec.ttlSeconds ?? 0;
    const issuedMs = this.#now();
    const expiresMs = ttlSeconds > 0 ? issuedMs + ttlSeconds * 1000 : null;
    const accessor = randomBytes(12).toString('base64url');
    this.#tokens.set(id, {
      id,
      accessor,
      policy: spec.policy,
      ttlSeconds,
      issuedMs,
      expiresMs,
      meta,
    });
    return id;
  }

  revoke(id: string): void {
    this.#tokens.delete(id);
  }

  /** Makes a token expire now, as if its TTL had run out. */
  expire(id: string): void {
    const token = this.#tokens.get(id);
    if (token) token.expiresMs = this.#now() - 1;
  }

  /** The token if it exists and has not expired. */
  valid(id: string | undefined): VaultToken | undefined {
    const token = id === undefined ? undefined : this.#tokens.get(id);
    if (token === undefined) return undefined;
    return token.expiresMs !== null && token.expiresMs <= this.#now() ? undefined : token;
  }

  allows(token: VaultToken, path: string, capability: Capability): boolean {
    if (token.policy === undefined) return true;
    return Object.entries(token.policy).some(([pattern, capabilities]) => {
      const matches = pattern.endsWith('*')
        ? path.startsWith(pattern.slice(0, -1))
        : path === pattern;
      return matches && capabilities.includes(capability);
    });
  }

  appRoleLogin(body: unknown): Reply {
    const fields = isObject(body) ? body : {};
    if (typeof fields['role_id'] !== 'string' || fields['role_id'] === '') {
      return failure(400, 'missing role_id');
    }
    const role = this.appRoles.find(
      (r) => r.roleId === fields['role_id'] && r.secretId === fields['secret_id'],
    );
    if (role === undefined) return failure(400, 'invalid role or secret ID');
    return this.#login(role, { role_name: role.roleId });
  }

  kubernetesLogin(body: unknown): Reply {
    const fields = isObject(body) ? body : {};
    const role = this.kubernetesRoles.find((r) => r.name === fields['role']);
    if (role === undefined) return failure(400, `invalid role name "${String(fields['role'])}"`);
    const jwt = fields['jwt'];
    if (typeof jwt !== 'string' || jwt === '') return failure(400, 'missing jwt');
    if (role.jwt !== undefined && role.jwt !== jwt) return denied();
    return this.#login(role, { role: role.name });
  }

  lookupSelf(token: VaultToken): Reply {
    return ok({
      accessor: token.accessor,
      creation_time: Math.floor(token.issuedMs / 1000),
      creation_ttl: token.ttlSeconds,
      display_name: 'token',
      entity_id: '',
      expire_time: token.expiresMs === null ? null : timestamp(token.expiresMs),
      explicit_max_ttl: 0,
      id: token.id,
      issue_time: timestamp(token.issuedMs),
      meta: token.meta,
      num_uses: 0,
      orphan: true,
      path: 'auth/token/create',
      policies: policyNames(token),
      renewable: token.expiresMs !== null,
      ttl: this.#ttlLeft(token),
      type: 'service',
    });
  }

  renewSelf(token: VaultToken, body: unknown): Reply {
    if (token.expiresMs === null) return failure(400, 'lease is not renewable');
    const fields = isObject(body) ? body : {};
    const increment = Number.parseInt(String(fields['increment'] ?? token.ttlSeconds), 10);
    token.expiresMs = this.#now() + increment * 1000;
    return ok(null, { auth: this.#authBlock(token) });
  }

  #login(role: { policy?: Policy; ttlSeconds?: number }, meta: Record<string, string>): Reply {
    const id = this.create({ policy: role.policy, ttlSeconds: role.ttlSeconds ?? 3600 }, meta);
    return ok(null, { auth: this.#authBlock(this.#tokens.get(id)!) });
  }

  #authBlock(token: VaultToken) {
    return {
      client_token: token.id,
      accessor: token.accessor,
      policies: policyNames(token),
      token_policies: policyNames(token),
      metadata: token.meta,
      lease_duration: this.#ttlLeft(token),
      renewable: token.expiresMs !== null,
      entity_id: randomUUID(),
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    };
  }

  #ttlLeft(token: VaultToken): number {
    if (token.expiresMs === null) return 0;
    return Math.max(0, Math.round((token.expiresMs - this.#now()) / 1000));
  }
}

function policyNames(token: VaultToken): string[] {
  return token.policy === undefined ? ['root'] : ['default', 'emulated'];
}
