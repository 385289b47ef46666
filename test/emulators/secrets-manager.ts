/**
 * AWS Secrets Manager for tests: `GetSecretValue` over the JSON 1.1 protocol, with versions
 * and staging labels (`AWSCURRENT`, `AWSPREVIOUS`). Started with `credentials`, it checks
 * every request's SigV4 signature as AWS does (sigv4.ts) and refuses a bad one with AWS's
 * error; without, it accepts any signature. Injected faults answer before the check. Either
 * way the Authorization header is recorded with the request. Talk to it with the real SDK:
 * `new SecretsManagerClient({ endpoint: emulator.url, region, credentials })`.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { StatusFault } from './faults.js';
import { Emulator, type EmulatorOptions, type RecordedRequest, type Reply } from './server.js';
import { type AwsTestCredentials, SigV4Verifier } from './sigv4.js';

export interface SecretsManagerOptions extends EmulatorOptions {
  region?: string;
  accountId?: string;
  /** The identity whose signatures are accepted; given, every other request is refused. */
  credentials?: AwsTestCredentials;
  /** The emulator's clock in epoch ms, which judges the five-minute window of a signature. */
  now?: () => number;
}

interface SecretVersion {
  id: string;
  string?: string;
  binary?: Uint8Array;
  stages: string[];
  createdMs: number;
}

interface StoredSecret {
  name: string;
  arn: string;
  versions: SecretVersion[];
}

const TARGET_PREFIX = 'secretsmanager.';
const NOT_FOUND = "Secrets Manager can't find the specified secret.";

export class SecretsManagerEmulator extends Emulator {
  readonly region: string;
  readonly accountId: string;
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #verifier: SigV4Verifier | undefined;

  private constructor(options: SecretsManagerOptions) {
    super();
    this.region = options.region ?? 'eu-central-1';
    this.accountId = options.accountId ?? '123456789012';
    const { credentials, now = Date.now } = options;
    this.#verifier =
      credentials && new SigV4Verifier(credentials, this.region, 'secretsmanager', now);
  }

  static async start(options: SecretsManagerOptions = {}): Promise<SecretsManagerEmulator> {
    const emulator = new SecretsManagerEmulator(options);
    await emulator.listen(options.tls);
    return emulator;
  }

  /**
   * Stores a new version under `name` and makes it AWSCURRENT; the version that was current
   * becomes AWSPREVIOUS. Returns the secret's ARN.
   */
  put(name: string, value: string | Uint8Array, versionId: string = randomUUID()): string {
    const suffix = randomBytes(3).toString('base64url').slice(0, 6);
    const arn = `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${suffix}`;
    const secret = this.#secrets.get(name) ?? { name, arn, versions: [] };
    for (const version of secret.versions) {
      version.stages = version.stages.includes('AWSCURRENT') ? ['AWSPREVIOUS'] : [];
    }
    const content = typeof value === 'string' ? { string: value } : { binary: value };
    secret.versions.push({
      id: versionId,
      ...content,
      stages: ['AWSCURRENT'],
      createdMs: Date.now(),
    });
    this.#secrets.set(name, secret);
    return secret.arn;
  }

  remove(name: string): void {
    this.#secrets.delete(name);
  }

  protected override async handle(request: RecordedRequest): Promise<Reply> {
    const refused = await this.#verifier?.check(request);
    if (refused) return awsError(400, refused.type, refused.message);
    const operation = this.kindOf(request.method, request.path, request.headers);
    if (request.method !== 'POST' || request.path !== '/' || operation === undefined) {
      return awsError(400, 'UnknownOperationException', 'Unknown operation');
    }
    if (operation !== 'GetSecretValue') {
      return awsError(400, 'UnknownOperationException', `Unknown operation ${operation}`);
    }
    const input = (typeof request.body === 'object' && request.body) || {};
    const { SecretId, VersionId, VersionStage } = input as Record<string, unknown>;
    if (typeof SecretId !== 'string' || SecretId === '') {
      return awsError(
        400,
        'ValidationException',
        "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: " +
          'Member must not be null',
      );
    }
    const secret = this.#find(SecretId);
    if (secret === undefined) return awsError(400, 'ResourceNotFoundException', NOT_FOUND);
    const stage = typeof VersionStage === 'string' ? VersionStage : undefined;
    const version = secret.versions.find((v) =>
      typeof VersionId === 'string' ? v.id === VersionId : v.stages.includes(stage ?? 'AWSCURRENT'),
    );
    if (version === undefined) {
      const which =
        typeof VersionId === 'string' ? `VersionId: ${VersionId}` : `staging label: ${stage}`;
      const message = `Secrets Manager can't find the specified secret value for ${which}`;
      return awsError(400, 'ResourceNotFoundException', message);
    }
    const content =
      version.string !== undefined
        ? { SecretString: version.string }
        : { SecretBinary: Buffer.from(version.binary ?? []).toString('base64') };
    return json(200, {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      ...content,
      VersionStages: version.stages,
      CreatedDate: version.createdMs / 1000,
    });
  }

  protected override faultReply(_request: RecordedRequest, fault: StatusFault): Reply {
    const types: Record<number, [string, string]> = {
      400: ['ResourceNotFoundException', NOT_FOUND],
      403: ['AccessDeniedException', 'Access to the requested resource is denied.'],
      429: ['ThrottlingException', 'Rate exceeded'],
      500: ['InternalServiceError', 'An error occurred on the server side.'],
      503: ['ServiceUnavailableException', 'Service is unavailable.'],
    };
    const [type, message] = types[fault.status] ?? ['InternalServiceError', 'Emulated failure'];
    return awsError(fault.status, type, message);
  }

  protected override kindOf(_m: string, _p: string, headers: IncomingHttpHeaders) {
    const target = headers['x-amz-target'];
    if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) return undefined;
    return target.slice(TARGET_PREFIX.length);
  }

  protected override isWrite(request: RecordedRequest): boolean {
    return !/^(Get|Describe|List|BatchGet)/.test(request.kind ?? '');
  }

  /** By name, full ARN, or ARN without the random suffix. */
  #find(id: string): StoredSecret | undefined {
    return [...this.#secrets.values()].find(
      (s) => s.name === id || s.arn === id || s.arn.replace(/-[^-]{6}$/, '') === id,
    );
  }
}

function json(status: number, body: unknown): Reply {
  return {
    status,
    body,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
  };
}

function awsError(status: number, type: string, message: string): Reply {
  return json(status, { __type: type, message });
}
