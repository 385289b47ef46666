/**
 * PEM text to DER blocks and back (RFC 7468). Tolerant of what people paste: CRLF line ends,
 * surrounding text, and blocks of different labels in one file.
 */
import { PkiError } from '../errors.js';

/** One decoded PEM block. */
export interface PemBlock {
  label: string;
  der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

/**
 * Every PEM block in `text`, in order. A block whose body is not base64 is an error naming
 * `source`; text around blocks is ignored, as OpenSSL ignores it.
 */
export function splitPem(text: string, source = 'PEM text'): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const label = match[1] ?? '';
    const body = match[2] ?? '';
    if (!BASE64_BODY.test(body)) {
      throw new PkiError(`${source} has a ${label} block whose body is not base64`);
    }
    const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
    if (der.length === 0) throw new PkiError(`${source} has an empty ${label} block`);
    blocks.push({ label, der });
  }
  return blocks;
}

/** The DER of every CERTIFICATE block in `text`; an error naming `source` when there is none. */
export function certificatesIn(text: string, source = 'PEM text'): Buffer[] {
  const certs = splitPem(text, source).filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) throw new PkiError(`${source} holds no PEM certificate`);
  return certs.map((b) => b.der);
}

/** DER bytes as a PEM block with 64-character lines and a trailing newline. */
export function toPem(label: string, der: Uint8Array): string {
  const body = Buffer.from(der).toString('base64');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
