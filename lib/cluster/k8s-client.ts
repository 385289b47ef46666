/**
 * The cluster connection the Kubernetes backends share: where the credentials come from
 * (a kubeconfig document, the `KUBECONFIG` files, or the in-cluster service account), the
 * one request function every API call goes through, and the two ways a call is made: `call`
 * for reads and idempotent writes, retried while the failure is transient, and `write` for
 * changes whose lost answer must be checked before they are sent again.
 *
 * Requests are plain JSON over `node:https`, with the TLS material, headers and proxy agent the
 * KubeConfig applies (`applyToHTTPSOptions`, the same as client-node's WebSocket calls use).
 * Left out on purpose: the generated API classes, each of which loads a serializer naming every
 * model, and undici, client-node's fetch transport (360 kB and ~35 ms of every cold start in
 * a Lambda bundle). Both multiplied the size and the cold start of the functions.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { delimiter } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import type { BackendOptions } from '../backends.js';
import { ConfigError, messageOf } from '../errors.js';
import { sendRequest } from '../http-request.js';
import { type Logger, silentLogger } from '../log.js';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from '../retry.js';
import {
  classifyK8s,
  type K8sAction,
  k8sStatusOf,
  outcomeUnknown,
  wrapK8sError,
} from './k8s-errors.js';

/** Where a pod finds its service account token (the kubelet mounts it there). */
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Timing of the Kubernetes backends; tests shorten all of it. */
export interface K8sTuning {
  retry: RetryPolicy;
  /** Interval between two reads of a Deployment while a rollout is awaited. */
  pollMs: number;
  /** Least time between two progress lines of one rollout wait. */
  progressMs: number;
  /**
   * How far the clock of another Lease holder may be off. A Lease whose renew time is older
   * than its duration plus this, by our clock, counts as expired without waiting.
   */
  clockSkewMs: number;
  /** How long one API request may take, answer included, before it fails as ETIMEDOUT. */
  requestTimeoutMs: number;
  /** A monotonic clock in ms, for observing Leases locally. */
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  log: Logger;
}

export const DEFAULT_K8S_TUNING: K8sTuning = {
  retry: DEFAULT_RETRY,
  pollMs: 1_000,
  progressMs: 5_000,
  clockSkewMs: 60_000,
  requestTimeoutMs: 60_000,
  clock: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  log: silentLogger,
};

/**
 * The kubeconfig to use: `options.kubeconfig` (a YAML document, e.g. from Secrets Manager),
 * else the files named by `KUBECONFIG`, else the in-cluster service account.
 */
export function loadKubeConfig(options: BackendOptions): KubeConfig {
  const config = new KubeConfig();
  const files = (options.env['KUBECONFIG'] ?? '').split(delimiter).filter((f) => f !== '');
  if (options.kubeconfig !== undefined && options.kubeconfig.trim() !== '') {
    try {
      config.loadFromString(options.kubeconfig);
    } catch (error) {
      // The parser quotes the offending lines, which may hold a token: keep only the position.
      const line = (error as { mark?: { line?: number } }).mark?.line;
      const where = line === undefined ? '' : ` (YAML error on line ${line + 1})`;
      throw new ConfigError(`--kubeconfig is not a readable kubeconfig document${where}`);
    }
    return checked(config, '--kubeconfig');
  }
  if (files.length > 0) {
    for (const [index, file] of files.entries()) {
      const part = index === 0 ? config : new KubeConfig();
      try {
        part.loadFromFile(file);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why = code ?? 'not a readable kubeconfig document';
        throw new ConfigError(`KUBECONFIG file ${file} cannot be read (${why})`);
      }
      // Later files add what the first lacks, as kubectl merges them.
      if (part !== config) config.mergeConfig(part, true);
    }
    return checked(config, `KUBECONFIG (${files.join(delimiter)})`);
  }
  if (options.env['KUBERNETES_SERVICE_HOST'] && existsSync(SERVICE_ACCOUNT_TOKEN)) {
    config.loadFromCluster();
    return checked(config, 'the in-cluster service account');
  }
  throw new ConfigError(
    'no cluster credentials for k8s: set --kubeconfig (HUBCERTS_KUBECONFIG) or KUBECONFIG, ' +
      'or run inside the cluster with a service account',
  );
}

function checked(config: KubeConfig, source: string): KubeConfig {
  if (!config.getCurrentCluster()) {
    throw new ConfigError(`${source} names no current context with a cluster`);
  }
  return config;
}

/** The HTTP methods the Kubernetes backends use. */
export type K8sMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a request carries besides its method and path. */
export interface K8sRequestOptions {
  /** Query parameters; undefined ones are left out. */
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Content type of the body; `application/json` unless a patch needs another. */
  contentType?: string;
}

/**
 * An API path with every interpolated value URL-encoded as one segment:
 * apiPath`/api/v1/namespaces/${namespace}/secrets/${name}`.
 */
export function apiPath(parts: TemplateStringsArray, ...segments: string[]): string {
  return parts.reduce(
    (path, part, index) =>
      index === 0 ? part : `${path}${encodeURIComponent(segments[index - 1] ?? '')}${part}`,
    '',
  );
}

/** The request function and retry rules of one cluster connection. */
export class K8sClient {
  readonly tuning: K8sTuning;
  readonly #config: KubeConfig;
  #agent: http.Agent | undefined;

  constructor(config: KubeConfig, tuning: Partial<K8sTuning> = {}) {
    this.tuning = { ...DEFAULT_K8S_TUNING, ...tuning };
    this.#config = config;
  }

  get log(): Logger {
    return this.tuning.log;
  }

  /**
   * One API request to the current cluster; the answer's JSON as it came (times stay text).
   * A status outside 2xx throws client-node's ApiException with the body as text, as its
   * generated clients do, so `k8s-errors.ts` reads both alike.
   */
  async request<T>(method: K8sMethod, path: string, options: K8sRequestOptions = {}): Promise<T> {
    const server = this.#config.getCurrentCluster()?.server ?? '';
    const url = new URL(`${server.replace(/\/+$/, '')}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/json' };
    if (body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    // Token, client certificate, CA, insecure-skip-tls-verify and proxy, as client-node applies
    // them; a token from an exec or file provider is fetched again when it has expired.
    const request: https.RequestOptions = { method, headers };
    await this.#config.applyToHTTPSOptions(request);
    if (this.#config.getCurrentCluster()?.proxyUrl === undefined) {
      request.agent = this.#keepAliveAgent(url.protocol, request);
    }
    const answer = await sendRequest(url, request, body, {
      timeoutMs: this.tuning.requestTimeoutMs,
    });
    if (answer.status < 200 || answer.status > 299) {
      throw new ApiException(answer.status, `${method} ${path}`, answer.text, answer.headers);
    }
    return (answer.text === '' ? undefined : JSON.parse(answer.text)) as T;
  }

  /**
   * One connection pool per client, kept alive between calls (client-node's own agent closes
   * the connection after each request), with the TLS settings the kubeconfig gave.
   */
  #keepAliveAgent(protocol: string, tls: https.RequestOptions): http.Agent {
    if (this.#agent !== undefined) return this.#agent;
    const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = tls;
    this.#agent =
      protocol === 'http:'
        ? new http.Agent({ keepAlive: true })
        : new https.Agent({
            keepAlive: true,
            ca,
            cert,
            key,
            pfx,
            passphrase,
            servername,
            ...(rejectUnauthorized === undefined ? {} : { rejectUnauthorized }),
          });
    return this.#agent;
  }

  /**
   * A read, or a write that may be sent twice; retried while the failure is transient.
   * `retry` overrides the policy, e.g. one attempt for a poll that runs again anyway.
   */
  async call<T>(
    action: K8sAction,
    operation: () => Promise<T>,
    retry: RetryPolicy = this.tuning.retry,
  ): Promise<T> {
    const { sleep } = this.tuning;
    const onRetry = (error: unknown, attempt: number, delayMs: number) =>
      this.log.warn('cluster call failed; trying again', {
        action: `${action.verb} ${action.subject}`,
        attempt,
        delayMs: Math.round(delayMs),
        reason: k8sStatusOf(error)?.reason || messageOf(error),
      });
    try {
      return await withRetry(operation, classifyK8s, retry, onRetry, sleep);
    } catch (error) {
      throw wrapK8sError(error, action);
    }
  }

  /**
   * A change that must not be reported wrongly when its answer is lost (504, 5xx, reset):
   * `applied` looks at the object and returns the result when the change is already there,
   * so a retried conditional write is not mistaken for a lost race.
   */
  async write<T>(
    action: K8sAction,
    send: () => Promise<T>,
    applied: () => Promise<T | undefined>,
  ): Promise<T> {
    let uncertain = false;
    return this.call(action, async () => {
      try {
        return await send();
      } catch (error) {
        if (uncertain || outcomeUnknown(error)) {
          const seen = await applied().catch((checkError: unknown) => {
            this.log.warn('could not check whether a change was applied', {
              action: `${action.verb} ${action.subject}`,
              reason: messageOf(checkError),
            });
            return undefined;
          });
          if (seen !== undefined) return seen;
        }
        uncertain ||= outcomeUnknown(error);
        throw error;
      }
    });
  }
}
