/**
 * The one node-vault client of a Vault backend. It signs in with the given token, an AppRole
 * or the pod's Kubernetes service account; signs in again before the lease of a login runs
 * out, and once more when Vault answers 403 to a login token that may have expired early;
 * retries what a later attempt may get through (sealed, 5xx, 429, resets); and rejects only
 * with VaultCallError or ConfigError, so nothing outside this folder sees node-vault.
 */
import vault from 'node-vault';
import type { Env } from '../backends.js';
import { ConfigError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from '../retry.js';
import {
  readServiceAccountToken,
  type VaultAuthMethod,
  type VaultSettings,
  vaultSettingsFromEnv,
} from './vault-config.js';
import { retryDecision, type VaultCall, VaultCallError, vaultCallError } from './vault-errors.js';
import { vaultTransport } from './vault-transport.js';

/** What tests and callers may tune; the defaults suit production. */
export interface VaultClientOptions {
  retry?: RetryPolicy;
  log?: Logger;
  /** The clock that judges login leases, in epoch milliseconds. */
  now?: () => number;
  /** Longest wait for one answer. */
  timeoutMs?: number;
}

type NodeVault = ReturnType<typeof vault>;

/** A new login starts once this share of the previous login's lease has passed. */
const RENEW_AT_SHARE = 0.8;
const DEFAULT_TIMEOUT_MS = 15_000;

/** Vault calls for the KV code: signed in, retried, failures as VaultCallError. */
export class VaultClient {
  readonly address: string;
  readonly #api: NodeVault;
  readonly #auth: VaultAuthMethod;
  readonly #retry: RetryPolicy;
  readonly #log: Logger;
  readonly #now: () => number;
  #login: Promise<void> | undefined;
  /** When the current login's token is to be replaced; never for a given token. */
  #renewAt = Number.POSITIVE_INFINITY;

  constructor(settings: VaultSettings, options: VaultClientOptions = {}) {
    this.address = settings.address;
    this.#auth = settings.auth;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#log = options.log ?? silentLogger;
    this.#now = options.now ?? Date.now;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#api = vault({
      apiVersion: 'v1',
      endpoint: settings.address,
      // VAULT_SKIP_VERIFY is not honoured: the store holds CA keys.
      'request-promise': vaultTransport({ ca: settings.ca, timeoutMs }),
    });
    // node-vault falls back to process.env for these; hubcerts reads only the env it was given.
    Object.assign(this.#api, {
      token: settings.auth.kind === 'token' ? settings.auth.token : '',
      namespace: settings.namespace ?? '',
      pathPrefix: '',
    });
  }

  /** GET `path` (below `/v1/`); resolves with Vault's answer. */
  read(path: string): Promise<unknown> {
    return this.#call({ verb: 'reading', path, address: this.address }, (api) => api.read(path));
  }

  /** POST `body` to `path`. */
  write(path: string, body: object): Promise<unknown> {
    const call = { verb: 'writing', path, address: this.address };
    return this.#call(call, (api) => api.write(path, body));
  }

  /** LIST `path`. */
  list(path: string): Promise<unknown> {
    return this.#call({ verb: 'listing', path, address: this.address }, (api) => api.list(path));
  }

  #call(call: VaultCall, send: (api: NodeVault) => Promise<unknown>): Promise<unknown> {
    return withRetry(
      () => this.#attempt(call, send),
      retryDecision,
      this.#retry,
      (error, n, ms) =>
        this.#log.warn('Vault call failed; trying again', {
          vault: this.address,
          attempt: n,
          delayMs: Math.round(ms),
          reason: error instanceof Error ? error.message : String(error),
        }),
    );
  }

  async #attempt(call: VaultCall, send: (api: NodeVault) => Promise<unknown>): Promise<unknown> {
    const fresh = await this.#signIn();
    try {
      return await send(this.#api);
    } catch (error) {
      const failure = vaultCallError(error, call);
      // Vault answers an expired token with the same 403 as a missing policy; a new login
      // tells them apart. A token just issued is not expired, so its 403 is final.
      if (failure.status !== 403 || this.#auth.kind === 'token' || fresh) throw failure;
      this.#renewAt = 0;
      await this.#signIn();
      return await send(this.#api).catch((again: unknown) => {
        throw vaultCallError(again, call);
      });
    }
  }

  /** Logs in when there is no login yet or its lease is nearly over; true if it did. */
  async #signIn(): Promise<boolean> {
    if (this.#auth.kind === 'token') return false;
    if (this.#login !== undefined && this.#now() < this.#renewAt) {
      await this.#login;
      return false;
    }
    // Calls that arrive while this login runs wait for it instead of starting another.
    this.#renewAt = Number.POSITIVE_INFINITY;
    const login = this.#logIn(this.#auth);
    this.#login = login;
    try {
      await login;
    } catch (error) {
      if (this.#login === login) this.#login = undefined;
      throw error;
    }
    return true;
  }

  async #logIn(auth: Exclude<VaultAuthMethod, { kind: 'token' }>): Promise<void> {
    const started = this.#now();
    const mount = auth.kind === 'approle' ? 'approle' : 'kubernetes';
    const call: VaultCall = {
      verb: 'logging in at',
      path: `auth/${mount}/login`,
      address: this.address,
      deniedHint:
        auth.kind === 'approle'
          ? 'check VAULT_ROLE_ID and VAULT_SECRET_ID'
          : `check that role ${auth.role} is bound to this pod's service account`,
    };
    let answer: unknown;
    try {
      answer =
        auth.kind === 'approle'
          ? await this.#api.approleLogin({ role_id: auth.roleId, secret_id: auth.secretId })
          : await this.#api.kubernetesLogin({
              role: auth.role,
              jwt: await readServiceAccountToken(auth.jwtPath),
              // Without it node-vault 0.12 posts to auth//login.
              mount_point: 'kubernetes',
            });
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw vaultCallError(error, call);
    }
    const granted = (answer as { auth?: { client_token?: unknown; lease_duration?: unknown } })
      ?.auth;
    if (typeof granted?.client_token !== 'string' || granted.client_token === '') {
      const message = `Vault at ${this.address} answered ${call.verb} ${call.path} without a token`;
      throw new VaultCallError(message, { retryable: false }, undefined);
    }
    const lease = granted.lease_duration;
    const seconds = typeof lease === 'number' && lease > 0 ? lease : 0;
    this.#renewAt =
      seconds > 0 ? started + seconds * 1000 * RENEW_AT_SHARE : Number.POSITIVE_INFINITY;
    this.#log.info('logged in to Vault', {
      vault: this.address,
      method: auth.kind,
      leaseSeconds: seconds,
    });
  }
}

/**
 * A client for the Vault that `env` names (VAULT_ADDR and the credentials). It signs in on
 * its first call, so opening a backend costs no round trip.
 */
export async function connectVault(
  env: Env,
  options: VaultClientOptions = {},
): Promise<VaultClient> {
  return new VaultClient(await vaultSettingsFromEnv(env), options);
}
