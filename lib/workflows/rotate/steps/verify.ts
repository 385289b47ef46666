/**
 * Step `verify`: a scan of the store and the Secret (and the probes, when configured) must
 * show the side that was just put in place and nothing broken: no key that does not match,
 * no broken chain, no bundle off the trust graph, no Secret that differs from the store,
 * and every probe serving the published proxy-client.
 */
import { CA_NAMES } from '../../../certset/model.js';
import { runScan } from '../../scan/index.js';
import type { FindingCode } from '../../scan/report.js';
import { RotationStepError, type StepOutcome } from '../journal.js';
import type { RotationContext, SideFacts } from '../model.js';

const BLOCKING: readonly FindingCode[] = [
  'KEY_MISMATCH',
  'CHAIN_INVALID',
  'TRUST_BUNDLE_MISMATCH',
  'SECRET_STORE_DIVERGED',
  'ENDPOINT_MISMATCH',
  'SOURCE_UNREADABLE',
];

/** Scans store, Secret and probes; fails unless they show `expected` intact. */
export async function verifyStep(
  ctx: RotationContext,
  step: string,
  expected: SideFacts,
): Promise<StepOutcome> {
  const report = await runScan(
    { store: ctx.store, secret: ctx.publication.secret, probes: ctx.probes },
    {
      now: ctx.now(),
      // Expiry is not what this step judges; thresholds of zero keep it out of the way.
      warnDays: 0,
      criticalDays: 0,
      caWarnDays: 0,
      caCriticalDays: 0,
      fetchServed: ctx.fetchServed,
    },
  );
  const problems = report.findings
    .filter((f) => BLOCKING.includes(f.code))
    .map((f) => `${f.code}: ${f.message}`);
  const fingerprint = (id: string) =>
    report.certificates.find((c) => c.id === id)?.fingerprintSha256;
  for (const ca of CA_NAMES) {
    if (fingerprint(`store:${ca}`) !== expected.cas[ca]) {
      problems.push(`the store does not hold the expected ${ca}`);
    }
  }
  if (fingerprint('secret:proxy-client') !== expected.proxyClient) {
    problems.push('the Secret does not hold the expected proxy-client certificate');
  }
  if (problems.length > 0) {
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    throw new RotationStepError(
      step,
      `verification failed: ${problems.slice(0, 3).join('; ')}${more}`,
    );
  }
  return { details: { findings: report.findings.length, probes: [...ctx.probes] } };
}
