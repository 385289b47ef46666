/**
 * Where Vault is and how hubcerts signs in to it, from Vault's own environment variables, so
 * that one set of variables serves both the `vault` CLI and hubcerts. Nothing here talks to
 * Vault; every problem is a ConfigError that names the variable to set.
 */
import { readFile } from 'node:fs/promises';
import type { Env } from '../backends.js';
import { ConfigError } from '../errors.js';

/** Where a pod finds its service account token unless VAULT_K8S_JWT_PATH says otherwise. */
export const DEFAULT_K8S_JWT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** How hubcerts signs in: a given token, an AppRole login, or a Kubernetes login. */
export type VaultAuthMethod =
  | { kind: 'token'; token: string }
  | { kind: 'approle'; roleId: string; secretId: string }
  | { kind: 'kubernetes'; role: string; jwtPath: string };

/** Everything needed to reach Vault and sign in. */
export interface VaultSettings {
  /** `https://vault.example.org:8200`, without a trailing slash. */
  address: string;
  auth: VaultAuthMethod;
  /** Sent as `X-Vault-Namespace` (Vault Enterprise, HCP). */
  namespace: string | undefined;
  /** PEM of the CA that signed Vault's certificate, from the file VAULT_CACERT names. */
  ca: string | undefined;
}

/** Reads VAULT_ADDR, the credentials, VAULT_NAMESPACE and VAULT_CACERT from `env`. */
export async function vaultSettingsFromEnv(env: Env): Promise<VaultSettings> {
  const value = (name: string) => env[name]?.trim() || undefined;
  return {
    address: addressOf(value('VAULT_ADDR')),
    auth: authOf(value),
    namespace: value('VAULT_NAMESPACE'),
    ca: await caOf(value('VAULT_CACERT')),
  };
}

function addressOf(raw: string | undefined): string {
  if (raw === undefined) {
    throw new ConfigError(
      'VAULT_ADDR is not set: vault: references need the address of Vault, ' +
        'such as https://vault.example.org:8200',
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`VAULT_ADDR ${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`VAULT_ADDR ${JSON.stringify(raw)} must start with https:// or http://`);
  }
  // The address appears in every error message, so it must not carry a password.
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError('VAULT_ADDR must not hold a user name or password');
  }
  return raw.replace(/\/+$/, '');
}

function authOf(value: (name: string) => string | undefined): VaultAuthMethod {
  const token = value('VAULT_TOKEN');
  if (token !== undefined) return { kind: 'token', token };

  const roleId = value('VAULT_ROLE_ID');
  const secretId = value('VAULT_SECRET_ID');
  if (roleId !== undefined || secretId !== undefined) {
    if (roleId === undefined || secretId === undefined) {
      const missing = roleId === undefined ? 'VAULT_ROLE_ID' : 'VAULT_SECRET_ID';
      throw new ConfigError(
        `AppRole login needs VAULT_ROLE_ID and VAULT_SECRET_ID; ${missing} is not set`,
      );
    }
    return { kind: 'approle', roleId, secretId };
  }

  const role = value('VAULT_K8S_ROLE');
  if (role !== undefined) {
    return {
      kind: 'kubernetes',
      role,
      jwtPath: value('VAULT_K8S_JWT_PATH') ?? DEFAULT_K8S_JWT_PATH,
    };
  }
  throw new ConfigError(
    'No Vault credentials are set: set VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID ' +
      'for an AppRole login, or VAULT_K8S_ROLE for a Kubernetes login from a pod',
  );
}

async function caOf(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`VAULT_CACERT ${path} cannot be read (${code})`, { cause: error });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`VAULT_CACERT ${path} holds no PEM certificate`);
  }
  return text;
}

/**
 * The pod's service account token, read at every login because Kubernetes replaces
 * projected tokens while the pod runs.
 */
export async function readServiceAccountToken(path: string): Promise<string> {
  let jwt: string;
  try {
    jwt = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(
      `The service account token ${path} cannot be read (${code}); run hubcerts in a pod ` +
        'or set VAULT_K8S_JWT_PATH for the Kubernetes login',
      { cause: error },
    );
  }
  if (jwt === '') throw new ConfigError(`The service account token ${path} is empty`);
  return jwt;
}
