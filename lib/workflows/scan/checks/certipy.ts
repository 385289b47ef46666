/**
 * CERTIPY_MISMATCH: the Secret's certipy.json does not describe the files beside it (a
 * record missing, a wrong parent CA, paths under another prefix than the hub unpacks to).
 * The hub then loads the wrong files or fails at start-up, so it is critical; the hub's own
 * records (`hub-internal`, `user-*`) are not judged.
 */
import {
  buildCertipyStore,
  type CertipyStore,
  certipyDifferences,
} from '../../../certset/certipy.js';
import { CA_NAMES, LEAF_NAMES } from '../../../certset/model.js';
import type { Finding } from '../report.js';

const OURS = new Set<string>([...CA_NAMES, ...LEAF_NAMES]);

export function checkCertipy(recorded: CertipyStore, prefix: string, secretRef: string): Finding[] {
  const expected = buildCertipyStore(prefix, recorded);
  const differing = certipyDifferences(recorded, expected).filter((name) => OURS.has(name));
  if (differing.length === 0) return [];
  const message =
    `certipy.json in ${secretRef} does not match its files for ${differing.join(', ')} ` +
    `(expected paths under ${prefix}/); run hubcerts reissue to rewrite it, or set ` +
    '--certipy-prefix to where the hub unpacks the Secret';
  return [
    { severity: 'critical', code: 'CERTIPY_MISMATCH', certificate: 'secret:certipy.json', message },
  ];
}
