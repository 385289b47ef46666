/**
 * The fleet scan: every certificate in many Secrets (per-user Secrets, other hubs' copies),
 * read page by page. Only what a person must look at is kept: certificates with a finding
 * enter the report, the rest are counted. Memory therefore stays flat however large the
 * fleet; the parse loop uses the lean DER reader.
 */
import { inspectDer, triageDer } from '../../pki/inspect.js';
import { checkExpiry, type Thresholds } from './checks/expiry.js';
import { checkLegacy } from './checks/legacy.js';
import type { Finding, ScannedCertificate } from './report.js';

/** A Secret as listed: values base64 as in `kubectl get -o json`, or already decoded. */
export interface FleetSecret {
  namespace: string;
  name: string;
  data: Record<string, string | Buffer>;
}

export interface FleetResult {
  secrets: number;
  certificates: number;
  flagged: ScannedCertificate[];
  findings: Finding[];
  /** Certificates with a finding beyond MAX_FLAGGED: counted, not kept. */
  omitted: number;
}

/**
 * How many flagged certificates one fleet source puts into the report. Beyond it they are
 * counted in one summary finding: a report, and a chat message, that lists fifty thousand
 * expiring user certificates helps nobody and would make memory grow with the fleet.
 */
export const MAX_FLAGGED = 500;

const DAY_MS = 86_400_000;

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

export async function scanFleet(
  source: string,
  pages: AsyncIterable<readonly FleetSecret[]>,
  thresholds: Thresholds,
  now: Date,
): Promise<FleetResult> {
  const result: FleetResult = {
    secrets: 0,
    certificates: 0,
    flagged: [],
    findings: [],
    omitted: 0,
  };
  const at = now.getTime();
  for await (const page of pages) {
    for (const secret of page) {
      result.secrets++;
      for (const [key, value] of Object.entries(secret.data ?? {})) {
        for (const [index, der] of certificatesInValue(value).entries()) {
          result.certificates++;
          const suffix = index > 0 ? `#${index + 1}` : '';
          const id = `fleet:${secret.namespace}/${secret.name}/${key}${suffix}`;
          let cert: ScannedCertificate;
          try {
            // Most certificates are fine: triage cheaply, inspect in full only the others.
            const triage = triageDer(der);
            const warnDays = triage.isCa ? thresholds.caWarnDays : thresholds.warnDays;
            const due = triage.notAfter - at <= warnDays * DAY_MS || triage.notBefore > at;
            if (!due && triage.legacy.length === 0) continue;
            if (result.flagged.length >= MAX_FLAGGED) {
              result.omitted++;
              continue;
            }
            const info = inspectDer(der);
            cert = { id, source, name: key, isCa: info.isCa, pem: '', info };
          } catch (error) {
            const reason = (error as Error).message;
            const message = `${id} holds a certificate that cannot be read: ${reason}`;
            result.findings.push({
              severity: 'warning',
              code: 'SOURCE_UNREADABLE',
              certificate: id,
              message,
            });
            continue;
          }
          result.flagged.push(cert);
          result.findings.push(...checkExpiry(cert, thresholds, now), ...checkLegacy(cert));
        }
      }
    }
  }
  if (result.omitted > 0) {
    const message =
      `${source}: ${result.omitted} more certificate(s) are expiring or legacy; ` +
      `only the first ${MAX_FLAGGED} are listed`;
    result.findings.push({
      severity: 'warning',
      code: 'EXPIRES_SOON',
      certificate: source,
      message,
    });
  }
  return result;
}

/** The DER of every PEM certificate in a Secret value; other values yield none. */
export function certificatesInValue(value: string | Buffer): Buffer[] {
  const text = (typeof value === 'string' ? Buffer.from(value, 'base64') : value).toString(
    'latin1',
  );
  const found: Buffer[] = [];
  let at = text.indexOf(BEGIN);
  while (at >= 0) {
    const end = text.indexOf(END, at);
    if (end < 0) break;
    found.push(Buffer.from(text.slice(at + BEGIN.length, end), 'base64'));
    at = text.indexOf(BEGIN, end);
  }
  return found;
}
