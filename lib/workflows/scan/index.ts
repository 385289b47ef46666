/**
 * The scan: read every source, inspect every certificate, run the named checks, and
 * build the report of design section 4.4. A source that cannot be read becomes a
 * SOURCE_UNREADABLE finding (status unknown); the other sources are still scanned.
 */

import { inventorySans } from '../../certset/inventory.js';
import { FOLDER_NAMING } from '../../certset/layout.js';
import { CA_NAMES, type CaSet, LEAF_NAMES } from '../../certset/model.js';
import { fromSecretData, type HubSecret, SECRET_NAMING } from '../../certset/secret.js';
import { fetchServedCertificate } from '../../cluster/probe.js';
import type { SecretTarget } from '../../cluster/types.js';
import { messageOf } from '../../errors.js';
import { inspectDer, inspectPem } from '../../pki/inspect.js';
import { toPem } from '../../pki/pem.js';
import type { CaStore, InventorySource } from '../../store/types.js';
import { checkCertipy } from './checks/certipy.js';
import { checkConsistency } from './checks/consistency.js';
import { checkDivergence } from './checks/divergence.js';
import { checkEndpoint } from './checks/endpoint.js';
import { checkExpiry, type Thresholds } from './checks/expiry.js';
import { checkLegacy } from './checks/legacy.js';
import { checkSans } from './checks/sans.js';
import {
  type Finding,
  type ScannedCertificate,
  type ScanReport,
  statusOf,
  toEntry,
} from './report.js';

export interface ScanSources {
  store?: CaStore;
  secret?: SecretTarget;
  inventory?: InventorySource;
  /** Live endpoints (`host:port`) that should serve the Secret's proxy-client. */
  probes?: readonly string[];
}

export interface ScanOptions extends Thresholds {
  now: Date;
  /** Where the hub unpacks the Secret: the prefix certipy.json's paths must carry. */
  certipyPrefix?: string;
  /** Fetches the DER an endpoint serves; the TLS prober unless a test replaces it. */
  fetchServed?: (target: string) => Promise<Buffer>;
}

export async function runScan(sources: ScanSources, options: ScanOptions): Promise<ScanReport> {
  const findings: Finding[] = [];
  const certificates: ScannedCertificate[] = [];
  const unreadable = (ref: string, error: unknown): undefined => {
    findings.push({
      severity: 'critical',
      code: 'SOURCE_UNREADABLE',
      certificate: ref,
      message: `${ref} cannot be read: ${messageOf(error)}`,
    });
    return undefined;
  };

  // Read every source; a failure is a finding, not an abort.
  const store =
    sources.store &&
    (await readStore(sources.store).catch((e) => unreadable(sources.store!.ref, e)));
  const secret =
    sources.secret &&
    (await readSecret(sources.secret).catch((e) => unreadable(sources.secret!.ref, e)));
  const desired =
    sources.inventory &&
    (await readDesired(sources.inventory).catch((e) => unreadable(sources.inventory!.ref, e)));

  const add = (prefix: string, source: string, name: string, isCa: boolean, pem: string) => {
    try {
      const info = inspectPem(pem, `${name} in ${source}`);
      certificates.push({ id: `${prefix}:${name}`, source, name, isCa, pem, info });
    } catch (error) {
      unreadable(`${prefix}:${name}`, error);
    }
  };
  if (store) {
    for (const ca of CA_NAMES) add('store', sources.store!.ref, ca, true, store.cas[ca].cert);
    findings.push(
      ...safely(
        () => checkConsistency('store', sources.store!.ref, store, FOLDER_NAMING),
        unreadable,
        sources.store!.ref,
      ),
    );
  }
  if (secret) {
    const ref = sources.secret!.ref;
    for (const ca of CA_NAMES) add('secret', ref, ca, true, secret.caSet.cas[ca].cert);
    for (const leaf of LEAF_NAMES) add('secret', ref, leaf, false, secret.leaves[leaf].cert);
    findings.push(
      ...safely(
        () => checkConsistency('secret', ref, secret.caSet, SECRET_NAMING, secret.leaves),
        unreadable,
        ref,
      ),
    );
    if (store) findings.push(...checkDivergence(store, sources.store!.ref, secret.caSet, ref));
    if (options.certipyPrefix)
      findings.push(...checkCertipy(secret.certipy, options.certipyPrefix, ref));
  }

  // Per-certificate checks, once per distinct certificate: the Secret's copies of the
  // store's CAs would otherwise report every expiry twice.
  const seen = new Set<string>();
  for (const cert of certificates) {
    if (seen.has(cert.info.fingerprintSha256)) continue;
    seen.add(cert.info.fingerprintSha256);
    findings.push(...checkExpiry(cert, options, options.now), ...checkLegacy(cert));
  }
  const proxyClient = certificates.find((c) => c.id === 'secret:proxy-client');
  if (desired && proxyClient) findings.push(...checkSans(proxyClient, desired));
  for (const target of sources.probes ?? []) {
    const id = `endpoint:${target}`;
    try {
      const der = await (options.fetchServed ?? fetchServedCertificate)(target);
      const served: ScannedCertificate = {
        id,
        source: target,
        name: target,
        isCa: false,
        pem: toPem('CERTIFICATE', der),
        info: inspectDer(der),
      };
      certificates.push(served);
      findings.push(
        ...checkExpiry(served, options, options.now),
        ...checkEndpoint(served, proxyClient),
      );
    } catch (error) {
      unreadable(id, error);
    }
  }

  return {
    status: statusOf(findings),
    checkedAt: options.now.toISOString(),
    certificates: certificates.map((c) => toEntry(c, options.now)),
    findings,
  };
}

async function readStore(store: CaStore): Promise<CaSet> {
  const stored = await store.read();
  if (!stored) throw new Error('no CA set is stored there; run hubcerts init');
  return stored.set;
}

async function readSecret(target: SecretTarget): Promise<HubSecret> {
  const published = await target.read();
  if (!published) throw new Error('the Secret does not exist; run hubcerts reissue to publish it');
  return fromSecretData(published.data, target.ref);
}

async function readDesired(source: InventorySource): Promise<string[]> {
  const accepted = await source.read();
  if (!accepted) throw new Error('no inventory is recorded there');
  return inventorySans(accepted.inventory);
}

function safely(
  check: () => Finding[],
  unreadable: (ref: string, e: unknown) => void,
  ref: string,
) {
  try {
    return check();
  } catch (error) {
    unreadable(ref, error);
    return [];
  }
}
