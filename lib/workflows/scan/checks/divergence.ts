/**
 * SECRET_STORE_DIVERGED: the CA set the proxy and hub mount differs from the one in the
 * store. Re-issuing from the store would then produce leaves the hub does not trust, so it
 * is critical; the message names the side that differs and how.
 */
import { bundleFile, CA_NAMES, type CaSet } from '../../../certset/model.js';
import { inspectPem } from '../../../pki/inspect.js';
import { certificatesIn } from '../../../pki/pem.js';
import type { Finding } from '../report.js';

export function checkDivergence(store: CaSet, storeRef: string, secret: CaSet, secretRef: string) {
  const findings: Finding[] = [];
  for (const ca of CA_NAMES) {
    const inStore = inspectPem(store.cas[ca].cert, `${ca} in ${storeRef}`);
    const inSecret = inspectPem(secret.cas[ca].cert, `${ca} in ${secretRef}`);
    if (inStore.fingerprintSha256 !== inSecret.fingerprintSha256) {
      const newer = inSecret.notBefore > inStore.notBefore ? 'newer' : 'older';
      const message =
        `Secret ${secretRef} holds a different ${ca} than store ${storeRef} ` +
        `(Secret: serial ${inSecret.serial}, from ${inSecret.notBefore.toISOString()}, ${newer}; ` +
        `store: serial ${inStore.serial}, from ${inStore.notBefore.toISOString()}); ` +
        'finish or roll back the CA rotation (hubcerts rotate status)';
      findings.push({
        severity: 'critical',
        code: 'SECRET_STORE_DIVERGED',
        certificate: `secret:${ca}`,
        message,
      });
    } else if (!sameCertificates(store.bundles[ca], secret.bundles[ca])) {
      const message =
        `${bundleFile(ca)} in Secret ${secretRef} differs from store ${storeRef}; ` +
        'republish the Secret';
      findings.push({
        severity: 'critical',
        code: 'SECRET_STORE_DIVERGED',
        certificate: `secret:${ca}`,
        message,
      });
    }
  }
  return findings;
}

function sameCertificates(a: string, b: string): boolean {
  const left = certificatesIn(a);
  const right = certificatesIn(b);
  return left.length === right.length && left.every((der, i) => der.equals(right[i]!));
}
