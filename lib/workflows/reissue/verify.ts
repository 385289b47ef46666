/**
 * Checks new leaf material before anything is written: the key matches, the certificate
 * chains to its CA, the SANs are exactly the desired list, and the lifetime is as
 * configured. A failure here is a bug or a broken CA, never something to publish.
 */
import type { KeyPair } from '../../certset/model.js';
import { CertSetError } from '../../errors.js';
import { inspectPem } from '../../pki/inspect.js';
import { sanDiff } from '../../pki/names.js';
import { importPrivateKey, isSignedBy, keyMatchesCertificate } from '../../pki/verify.js';

export function verifyNewLeaf(
  name: string,
  pair: KeyPair,
  caCert: string,
  desired: readonly string[],
  days: number,
): void {
  const fail = (why: string) => {
    throw new CertSetError(`the new ${name} certificate ${why}; nothing was written`, name);
  };
  if (!keyMatchesCertificate(pair.cert, importPrivateKey(pair.key, `new ${name} key`))) {
    fail('does not match its key');
  }
  if (!isSignedBy(pair.cert, caCert)) fail('does not chain to its CA');
  const info = inspectPem(pair.cert, `new ${name} certificate`);
  const { added, removed } = sanDiff(info.sans, desired);
  if (added.length + removed.length > 0)
    fail(`has SANs that differ from the inventory (${[...added, ...removed].join(', ')})`);
  const lifetimeDays = (info.notAfter.getTime() - info.notBefore.getTime()) / 86_400_000;
  if (Math.abs(lifetimeDays - days) > 1) fail(`lives ${lifetimeDays.toFixed(1)} days, not ${days}`);
}
