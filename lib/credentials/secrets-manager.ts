/**
 * Secrets Manager `GetSecretValue` for the Lambda functions, without the AWS SDK, whose client
 * costs a cold start tens of milliseconds and a bundle hundreds of kilobytes for this one call.
 * A request is the JSON 1.1 POST the SDK sends, signed by smithy's SigV4 signer (the SDK's
 * own) and sent over pooled keep-alive connections (lib/http-request.ts); each attempt has a
 * deadline, and transient failures are tried again.
 *
 * The CLI does not use this: it needs the SDK's credential chain (profiles, SSO, IMDS).
 */
import http from 'node:http';
import https from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Env } from '../backends.js';
import { sendRequest } from '../http-request.js';
import { type Logger, silentLogger } from '../log.js';
import { type RetryPolicy, withRetry } from '../retry.js';
import { type SecretsManagerTarget, secretsManagerTarget } from './aws-environment.js';
import type { SecretFetcher } from './resolve.js';
import {
  answerError,
  malformedAnswer,
  parseObject,
  retryDecision,
  timeoutError,
  unansweredError,
} from './secrets-manager-errors.js';
import { Sha256 } from './sha256.js';

export interface SecretsManagerOptions {
  /** Longest wait for one attempt, answer body included. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  log?: Logger;
}

/** Three attempts, as the SDK makes; a cold start should fail in seconds, not minutes. */
export const SECRETS_MANAGER_RETRY: RetryPolicy = {
  attempts: 3,
  baseMs: 100,
  maxDelayMs: 1_000,
  budgetMs: 15_000,
};
const DEFAULT_TIMEOUT_MS = 10_000;

/** Node unreferences idle pooled sockets, so they never keep a process alive. */
const AGENTS = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/** Reads secret values from one region's Secrets Manager with fixed credentials. */
export class SecretsManagerReader {
  readonly endpoint: URL;
  readonly #signer: SignatureV4;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #log: Logger;

  constructor(target: SecretsManagerTarget, options: SecretsManagerOptions = {}) {
    this.endpoint = target.endpoint;
    this.#signer = new SignatureV4({
      service: 'secretsmanager',
      region: target.region,
      credentials: target.credentials,
      sha256: Sha256,
    });
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#retry = options.retry ?? SECRETS_MANAGER_RETRY;
    this.#log = options.log ?? silentLogger;
  }

  /**
   * The current (`AWSCURRENT`) value of `secretId`, by name or ARN. A SecretBinary is read
   * as UTF-8 text, as the SDK-based reader of the CLI does: settings are text.
   */
  async getSecretValue(secretId: string): Promise<string> {
    const body = JSON.stringify({ SecretId: secretId });
    const answer = await withRetry(
      () => this.#attempt(body),
      retryDecision,
      this.#retry,
      (error, attempt, delayMs) =>
        this.#log.warn('Secrets Manager call failed; trying again', {
          secretId,
          attempt,
          delayMs: Math.round(delayMs),
          reason: (error as Error).name,
        }),
    );
    if (typeof answer?.['SecretString'] === 'string') return answer['SecretString'];
    if (typeof answer?.['SecretBinary'] === 'string') {
      return Buffer.from(answer['SecretBinary'], 'base64').toString('utf8');
    }
    throw malformedAnswer(this.endpoint, 'neither SecretString nor SecretBinary');
  }

  /** One signed request; its answer's JSON, or a SecretsManagerError. */
  async #attempt(body: string): Promise<Record<string, unknown> | undefined> {
    const { endpoint } = this;
    // Signed anew for each attempt: the signature holds the time it was made.
    const signed = await this.#signer.sign({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      path: endpoint.pathname,
      query: {},
      headers: {
        host: endpoint.host,
        'content-type': 'application/x-amz-json-1.1',
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': 'secretsmanager.GetSecretValue',
      },
      body,
    });
    const agent = endpoint.protocol === 'http:' ? AGENTS['http:'] : AGENTS['https:'];
    const request = { method: 'POST', headers: signed.headers, agent };
    const answer = await sendRequest(endpoint, request, body, {
      timeoutMs: this.#timeoutMs,
      onDeadline: () => timeoutError(endpoint, this.#timeoutMs),
    }).catch((error: unknown) => {
      throw unansweredError(error, endpoint);
    });
    const errorType = answer.headers['x-amzn-errortype'];
    if (answer.status !== 200) {
      throw answerError(answer.status, errorType, answer.text, endpoint);
    }
    return parseObject(answer.text);
  }
}

/**
 * The fetcher the functions install: each call reads the target from `env` afresh, so a
 * missing variable is reported when a secret is first needed, naming the variable.
 */
export function environmentSecretFetcher(
  env: Env = process.env,
  options: SecretsManagerOptions = {},
): SecretFetcher {
  return async (secretId) =>
    new SecretsManagerReader(secretsManagerTarget(env), options).getSecretValue(secretId);
}
