/**
 * EXPIRED, NOT_YET_VALID and EXPIRES_SOON. CAs have their own, longer thresholds: a CA
 * rotation needs planning months ahead, a leaf is re-issued in minutes.
 */
import { daysLeft, type Finding, type ScannedCertificate } from '../report.js';

export interface Thresholds {
  warnDays: number;
  criticalDays: number;
  caWarnDays: number;
  caCriticalDays: number;
}

export function checkExpiry(cert: ScannedCertificate, t: Thresholds, now: Date): Finding[] {
  const { info } = cert;
  const base = { certificate: cert.id };
  if (info.notBefore.getTime() > now.getTime()) {
    const message =
      `${cert.id} is not valid before ${info.notBefore.toISOString()}; ` +
      'check the clock of whatever issued it';
    return [{ ...base, severity: 'critical', code: 'NOT_YET_VALID', message }];
  }
  const left = daysLeft(info, now);
  const next = nextStep(cert, info.notAfter);
  if (info.notAfter.getTime() <= now.getTime()) {
    const message = `${cert.id} expired on ${info.notAfter.toISOString()}; ${next}`;
    return [{ ...base, severity: 'critical', code: 'EXPIRED', message }];
  }
  const [warn, critical] = cert.isCa
    ? [t.caWarnDays, t.caCriticalDays]
    : [t.warnDays, t.criticalDays];
  if (left > warn) return [];
  const severity = left <= critical ? 'critical' : 'warning';
  const message =
    `${cert.id} expires in ${left} day(s), ` + `on ${info.notAfter.toISOString()}; ${next}`;
  return [{ ...base, severity, code: 'EXPIRES_SOON', message }];
}

function nextStep(cert: ScannedCertificate, notAfter: Date): string {
  if (cert.isCa)
    return (
      'plan a CA rotation (hubcerts rotate plan) before ' + `${notAfter.toISOString().slice(0, 10)}`
    );
  return 'run hubcerts reissue';
}
