/**
 * The scan report of design section 4.4 (a contract: monitoring and runbooks parse it),
 * and the certificates a scan looks at before they become report entries.
 */
import type { CertificateInfo } from '../../pki/inspect.js';

export type Severity = 'warning' | 'critical';
export type Status = 'ok' | 'warning' | 'critical' | 'unknown';

export type FindingCode =
  | 'EXPIRED'
  | 'EXPIRES_SOON'
  | 'NOT_YET_VALID'
  | 'SAN_MISSING'
  | 'SAN_UNEXPECTED'
  | 'KEY_MISMATCH'
  | 'CHAIN_INVALID'
  | 'TRUST_BUNDLE_MISMATCH'
  | 'SECRET_STORE_DIVERGED'
  | 'LEGACY_X509'
  | 'ENDPOINT_MISMATCH'
  | 'CERTIPY_MISMATCH'
  | 'SOURCE_UNREADABLE';

export interface Finding {
  severity: Severity;
  code: FindingCode;
  /** The id of the certificate concerned, or the source when no certificate could be read. */
  certificate: string;
  message: string;
}

export interface CertificateEntry {
  id: string;
  source: string;
  subject: string;
  issuer: string;
  serial: string;
  fingerprintSha256: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  sans: string[];
}

export interface ScanReport {
  status: Status;
  checkedAt: string;
  certificates: CertificateEntry[];
  findings: Finding[];
}

/** A certificate found by the scan, with what the checks need beside the report entry. */
export interface ScannedCertificate {
  /** `store:hub-ca`, `secret:proxy-client`, … unique within a report. */
  id: string;
  /** The reference it was read from (`dir:./ca_certs`). */
  source: string;
  /** CA name or leaf name. */
  name: string;
  isCa: boolean;
  pem: string;
  info: CertificateInfo;
}

const DAY_MS = 86_400_000;

/** Whole days from `now` to the end of validity; negative once expired. */
export function daysLeft(info: CertificateInfo, now: Date): number {
  return Math.floor((info.notAfter.getTime() - now.getTime()) / DAY_MS);
}

export function toEntry(cert: ScannedCertificate, now: Date): CertificateEntry {
  const { info } = cert;
  return {
    id: cert.id,
    source: cert.source,
    subject: info.subject,
    issuer: info.issuer,
    serial: info.serial,
    fingerprintSha256: info.fingerprintSha256,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    daysLeft: daysLeft(info, now),
    sans: info.sans,
  };
}

/**
 * The overall status: unknown when any source could not be read (a scan that saw nothing
 * must never pass as ok), else the worst severity found.
 */
export function statusOf(findings: readonly Finding[]): Status {
  if (findings.some((f) => f.code === 'SOURCE_UNREADABLE')) return 'unknown';
  if (findings.some((f) => f.severity === 'critical')) return 'critical';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return 'ok';
}
