/**
 * Scanning every hub of a configuration, a bounded number at a time, into one report; and
 * the optional hand-off of a due or drifted proxy-client to the reissue workflow. With one
 * hub the report is that hub's; with several, certificate ids carry the hub's name.
 */
import {
  type BackendOptions,
  openFleet,
  openInventory,
  openPublication,
  openStore,
} from '../../backends.js';
import type { Settings } from '../../config.js';
import { messageOf } from '../../errors.js';
import { type HubConfig, mapBounded } from '../../hubs.js';
import type { Logger } from '../../log.js';
import { runReissue } from '../reissue/index.js';
import { scanFleet } from './fleet.js';
import { runScan } from './index.js';
import { type Finding, type ScanReport, statusOf, toEntry } from './report.js';

/** The leaves a reissue replaces (a due proxy-api is renewed with the proxy-client). */
const LEAVES = new Set(['secret:proxy-client', 'secret:proxy-api']);

/** Findings on those leaves that a reissue repairs without a person deciding. */
const RENEWABLE = new Set([
  'EXPIRES_SOON',
  'EXPIRED',
  'SAN_MISSING',
  'KEY_MISMATCH',
  'CHAIN_INVALID',
]);

export interface HubScanOptions {
  settings: Settings;
  backends: BackendOptions;
  log: Logger;
  now: () => Date;
  fetchServed?: (target: string) => Promise<Buffer>;
}

export async function scanHubs(
  hubs: readonly HubConfig[],
  options: HubScanOptions,
): Promise<ScanReport> {
  const reports = await mapBounded(hubs, options.settings.scanConcurrency, async (hub) => {
    const log = options.log.with({ hub: hub.name });
    let report = await scanHub(hub, options);
    if (options.settings.renew && (await renew(hub, report, options, log))) {
      report = await scanHub(hub, options);
    }
    log.info('scanned hub', { status: report.status, findings: report.findings.length });
    return { hub: hub.name, report };
  });
  if (reports.length === 1) return reports[0]!.report;
  const prefix = (hub: string, id: string) => `${hub}/${id}`;
  const findings: Finding[] = reports.flatMap(({ hub, report }) =>
    report.findings.map((f) => ({ ...f, certificate: prefix(hub, f.certificate) })),
  );
  return {
    status: statusOf(findings),
    checkedAt: options.now().toISOString(),
    certificates: reports.flatMap(({ hub, report }) =>
      report.certificates.map((c) => ({ ...c, id: prefix(hub, c.id) })),
    ),
    findings,
  };
}

async function scanHub(hub: HubConfig, options: HubScanOptions): Promise<ScanReport> {
  const { settings, backends } = options;
  // A reference that cannot even be opened is a finding of this hub, not a failed run.
  const opened: Finding[] = [];
  const open = async <T>(ref: string | undefined, opener: (r: string) => Promise<T>) => {
    if (!ref) return undefined;
    try {
      return await opener(ref);
    } catch (error) {
      opened.push({
        severity: 'critical',
        code: 'SOURCE_UNREADABLE',
        certificate: ref,
        message: `${ref} cannot be opened: ${messageOf(error)}`,
      });
      return undefined;
    }
  };
  const store = await open(hub.store, (r) => openStore(r, backends));
  const publication = await open(hub.secret, (r) => openPublication(r, backends));
  const inventory = await open(hub.inventory, (r) => openInventory(r, backends));
  const report = await runScan(
    { store, secret: publication?.secret, inventory, probes: hub.probes },
    { ...settings, now: options.now(), fetchServed: options.fetchServed },
  );
  const findings = [...opened, ...report.findings];
  const certificates = [...report.certificates];
  for (const ref of hub.fleet) {
    try {
      const pages = await openFleet(ref, backends);
      const fleet = await scanFleet(ref, pages, settings, options.now());
      options.log.info('scanned fleet', {
        hub: hub.name,
        fleet: ref,
        secrets: fleet.secrets,
        certificates: fleet.certificates,
        flagged: fleet.flagged.length,
      });
      certificates.push(...fleet.flagged.map((c) => toEntry(c, options.now())));
      findings.push(...fleet.findings);
    } catch (error) {
      findings.push({
        severity: 'critical',
        code: 'SOURCE_UNREADABLE',
        certificate: ref,
        message: `${ref} cannot be read: ${messageOf(error)}`,
      });
    }
  }
  return { ...report, status: statusOf(findings), certificates, findings };
}

/** Reissues when the report shows a proxy-client a reissue repairs; true when it changed. */
async function renew(hub: HubConfig, report: ScanReport, options: HubScanOptions, log: Logger) {
  const due = report.findings.filter((f) => LEAVES.has(f.certificate) && RENEWABLE.has(f.code));
  if (due.length === 0 || !hub.store || !hub.secret || !hub.inventory) return false;
  try {
    const accepted = await (await openInventory(hub.inventory, options.backends)).read();
    if (!accepted) return false;
    const result = await runReissue(
      { inventory: accepted.inventory, who: `expiryScan/${hub.name}` },
      {
        ...options.settings,
        store: await openStore(hub.store, options.backends),
        publication: await openPublication(hub.secret, options.backends),
        restart: hub.restart,
        lockWaitMs: 0,
        rolloutWaitMs: options.settings.rolloutTimeout * 1000,
        log,
        now: options.now,
      },
    );
    log.info('renewal handed to reissue', {
      outcome: result.outcome,
      reasons: result.reasons,
      fingerprint: result.fingerprint,
    });
    return result.outcome !== 'unchanged';
  } catch (error) {
    // The findings stand and are alerted; the renewal failure is logged beside them.
    log.error('renewal failed', { reason: messageOf(error), codes: due.map((f) => f.code) });
    return false;
  }
}
