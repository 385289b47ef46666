/**
 * `expiryScan`, on a schedule: scans every configured hub, writes CloudWatch metrics, sends
 * one alert message when something is warning or worse, and returns the scan report
 * (design section 4.4). Repeated deliveries of the same event are harmless: a scan writes
 * nothing unless renewal is switched on, and reissue is idempotent.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { sendAlerts } from '../lib/alerts/index.js';
import { hubsOf } from '../lib/hubs.js';
import { scanHubs } from '../lib/workflows/scan/hubs.js';
import { emfLines } from '../lib/workflows/scan/metrics.js';
import type { ScanReport } from '../lib/workflows/scan/report.js';
import { backendOptionsFor, coldStartSettings, invocationLogger } from './shared/runtime.js';
import { checkScheduledEvent } from './shared/scheduled-event.js';

export async function scan(
  event: unknown,
  context?: Pick<Context, 'awsRequestId'>,
): Promise<ScanReport> {
  const log = invocationLogger('expiryScan', context);
  checkScheduledEvent(event);
  const settings = await coldStartSettings();
  const hubs = hubsOf(settings);
  const report = await scanHubs(hubs, {
    settings,
    backends: backendOptionsFor(settings, log),
    log,
    now: () => new Date(),
  });
  for (const line of emfLines(report, { hub: hubs.length === 1 ? hubs[0]!.name : 'all' })) {
    process.stdout.write(`${line}\n`);
  }
  const deliveries = await sendAlerts(report, settings.alerts, {
    hub: hubs.map((h) => h.name).join(', '),
    sendOk: settings.alertOk,
    log,
  });
  log.info('scan finished', {
    status: report.status,
    findings: report.findings.length,
    certificates: report.certificates.length,
    alertsFailed: deliveries.filter((d) => !d.ok).length,
  });
  return report;
}

export const handler = middy(scan);
