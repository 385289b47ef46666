/**
 * SHA-256, or HMAC-SHA256 when given a key, from node:crypto, in the shape smithy's SigV4
 * signer takes as its `sha256` option: `new Sha256(key?)`, `update(data)`, `digest()`. With
 * it the signer needs neither the SDK's hash package nor a JavaScript SHA-256.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** What the signer hands over: text (UTF-8) or bytes. */
export type SourceData = string | ArrayBuffer | ArrayBufferView;

export class Sha256 {
  readonly #hash: Hash | Hmac;

  constructor(key?: SourceData) {
    this.#hash = key === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(key));
  }

  update(data: SourceData): void {
    this.#hash.update(bytesOf(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

function bytesOf(data: SourceData): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
