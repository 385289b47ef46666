/**
 * SAN_MISSING and SAN_UNEXPECTED: the proxy-client certificate against the SAN list derived
 * from the inventory alone. A missing name locks out the labs behind that login node, so it
 * is critical; an extra name is only stale.
 */
import { sanDiff } from '../../../pki/names.js';
import type { Finding, ScannedCertificate } from '../report.js';

export function checkSans(cert: ScannedCertificate, desired: readonly string[]): Finding[] {
  const { added, removed } = sanDiff(cert.info.sans, desired);
  const findings: Finding[] = [];
  if (added.length > 0) {
    const message =
      `${cert.id} does not name ${added.join(', ')} from the inventory; ` + 'run hubcerts reissue';
    findings.push({ severity: 'critical', code: 'SAN_MISSING', certificate: cert.id, message });
  }
  if (removed.length > 0) {
    const message =
      `${cert.id} names ${removed.join(', ')}, which the inventory no longer lists; ` +
      'run hubcerts reissue --allow-removal';
    findings.push({ severity: 'warning', code: 'SAN_UNEXPECTED', certificate: cert.id, message });
  }
  return findings;
}
