/**
 * ENDPOINT_MISMATCH: a live endpoint serves another certificate than the proxy-client in
 * the Secret, which is what a proxy that was never restarted looks like.
 */
import type { Finding, ScannedCertificate } from '../report.js';

export function checkEndpoint(
  served: ScannedCertificate,
  published?: ScannedCertificate,
): Finding[] {
  if (!published || served.info.fingerprintSha256 === published.info.fingerprintSha256) return [];
  const message =
    `${served.source} serves serial ${served.info.serial} ` +
    `(SHA-256 ${served.info.fingerprintSha256.slice(0, 23)}…), ` +
    `not the proxy-client in the Secret (serial ${published.info.serial}); restart the proxy`;
  return [{ severity: 'critical', code: 'ENDPOINT_MISMATCH', certificate: served.id, message }];
}
