/**
 * SigV4 checking for the AWS emulators, as AWS does it for JSON services: the signature of a
 * request is computed again from the headers it names as signed, with smithy's signer (the
 * implementation the SDK signs with), and compared. An unknown access key, a wrong session
 * token, a wrong scope, a time more than five minutes off the emulator's clock, or a
 * different signature get AWS's error type and message.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RecordedRequest } from './server.js';

/** The one identity an emulator accepts. */
export interface AwsTestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** When given, requests must carry exactly this `X-Amz-Security-Token`. */
  sessionToken?: string;
}

/** Why AWS refuses a request, as it puts it in `__type` and `message` with 400. */
export interface AwsRefusal {
  type: string;
  message: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/;
const FIVE_MINUTES_MS = 5 * 60_000;
const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. Check ' +
  'your AWS Secret Access Key and signing method. Consult the service documentation for ' +
  'details.';
const BAD_TOKEN = 'The security token included in the request is invalid.';

export class SigV4Verifier {
  constructor(
    readonly credentials: AwsTestCredentials,
    readonly region: string,
    readonly service: string,
    readonly clock: () => number,
  ) {}

  /** Undefined when the request is signed by the known identity; otherwise AWS's refusal. */
  async check(request: RecordedRequest): Promise<AwsRefusal | undefined> {
    const header = single(request, 'authorization');
    if (header === undefined) {
      return refusal('MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    const parts = AUTHORIZATION.exec(header);
    if (!parts) {
      return refusal(
        'IncompleteSignatureException',
        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
      );
    }
    const [, credential = '', signedList = '', signature = ''] = parts;
    const [keyId, day, region, service, terminator] = credential.split('/');
    const amzDate = single(request, 'x-amz-date') ?? '';
    const signedAt = parseAmzDate(amzDate);
    if (signedAt === undefined) {
      return refusal(
        'IncompleteSignatureException',
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      );
    }
    const scopeProblem =
      (day !== amzDate.slice(0, 8) &&
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from ` +
          `HTTP: '${day}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`) ||
      (region !== this.region && 'Credential should be scoped to a valid region.') ||
      (service !== this.service &&
        `Credential should be scoped to correct service: '${this.service}'.`) ||
      (terminator !== 'aws4_request' &&
        "Credential should be scoped with a valid terminator: 'aws4_request'.");
    if (scopeProblem) return refusal('IncompleteSignatureException', scopeProblem);

    const { accessKeyId, sessionToken } = this.credentials;
    if (keyId !== accessKeyId) return refusal('UnrecognizedClientException', BAD_TOKEN);
    const token = single(request, 'x-amz-security-token');
    if (sessionToken !== undefined && token !== sessionToken) {
      return refusal('UnrecognizedClientException', BAD_TOKEN);
    }
    const expired = this.#outsideWindow(signedAt, amzDate);
    if (expired) return refusal('InvalidSignatureException', expired);

    const signed = signedList.split(';');
    if (!signed.includes('host')) {
      return refusal(
        'InvalidSignatureException',
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
      );
    }
    // The signer trusts a payload hash given in the header, so the body is checked against it.
    const claimed = single(request, 'x-amz-content-sha256');
    if (
      claimed !== undefined &&
      claimed !== createHash('sha256').update(request.rawBody).digest('hex')
    ) {
      return refusal('InvalidSignatureException', BAD_SIGNATURE);
    }
    const expected = await this.#signature(request, signed, signedAt);
    return expected === signature ? undefined : refusal('InvalidSignatureException', BAD_SIGNATURE);
  }

  #outsideWindow(signedAt: Date, amzDate: string): string | undefined {
    const now = this.clock();
    if (signedAt.getTime() < now - FIVE_MINUTES_MS) {
      const [earliest, current] = [amzDateOf(now - FIVE_MINUTES_MS), amzDateOf(now)];
      return `Signature expired: ${amzDate} is now earlier than ${earliest} (${current} - 5 min.)`;
    }
    if (signedAt.getTime() > now + FIVE_MINUTES_MS) {
      const [latest, current] = [amzDateOf(now + FIVE_MINUTES_MS), amzDateOf(now)];
      return (
        `Signature not yet current: ${amzDate} is still later than ${latest} ` +
        `(${current} + 5 min.)`
      );
    }
    return undefined;
  }

  /** The signature AWS computes: over the signed headers only, as they arrived. */
  async #signature(request: RecordedRequest, signed: string[], signedAt: Date): Promise<string> {
    const headers: Record<string, string> = {};
    for (const name of signed) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = [value].flat().join(',');
    }
    const { accessKeyId, secretAccessKey } = this.credentials;
    const signer = new SignatureV4({
      service: this.service,
      region: this.region,
      // The token, if any, is one of the headers already.
      credentials: { accessKeyId, secretAccessKey },
      sha256: NodeSha256,
      applyChecksum: false,
    });
    const recomputed = await signer.sign(
      {
        method: request.method,
        protocol: 'http:',
        hostname: headers['host'] ?? '',
        path: request.path,
        query: { ...request.query },
        headers,
        body: request.rawBody,
      },
      { signingDate: signedAt, signableHeaders: new Set(signed) },
    );
    return /Signature=([0-9a-f]+)$/.exec(recomputed.headers['authorization'] ?? '')?.[1] ?? '';
  }
}

function refusal(type: string, message: string): AwsRefusal {
  return { type, message };
}

function single(request: RecordedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** `20240131T120000Z` → the Date, or undefined when malformed. */
function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d, h, mi, s));
}

function amzDateOf(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/** The emulator's own hash for the signer, independent of the one hubcerts signs with. */
class NodeSha256 {
  readonly #hash: Hash | Hmac;

  constructor(key?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = key === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(key));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
