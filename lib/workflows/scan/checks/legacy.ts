/**
 * LEGACY_X509: material made by older certipy releases (version 1, serial 0, no AKI).
 * It still works, but some TLS stacks refuse version-1 CAs, and a serial of 0 cannot be
 * told apart from its siblings, so the next issuance should replace it.
 */
import type { Finding, ScannedCertificate } from '../report.js';

const TRAIT_TEXT = { VERSION_1: 'X.509 version 1', SERIAL_ZERO: 'serial 0', NO_AKI: 'no AKI' };

export function checkLegacy(cert: ScannedCertificate): Finding[] {
  if (cert.info.legacy.length === 0) return [];
  const traits = cert.info.legacy.map((t) => TRAIT_TEXT[t]).join(', ');
  const next = cert.isCa ? 'the next CA rotation replaces it' : 'hubcerts reissue replaces it';
  const message = `${cert.id} is legacy material (${traits}); ${next}`;
  return [{ severity: 'warning', code: 'LEGACY_X509', certificate: cert.id, message }];
}
