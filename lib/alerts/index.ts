/**
 * Alerts: one message per run to every URL of the ALERTS setting, each in the payload its
 * sink understands (see url.ts for how a sink is chosen). Sinks are posted to at once and
 * independently; one that fails is logged and reported in the result, and never stops the
 * others or the run that called.
 */
import { messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { RetryPolicy } from '../retry.js';
import type { ScanReport } from '../workflows/scan/report.js';
import type { AlertContent, NoticeSeverity } from './format.js';
import { jsonPayload } from './json.js';
import { type AlertDelivery, postJson } from './post.js';
import { slackPayload } from './slack.js';
import { teamsPayload } from './teams.js';
import { type AlertTarget, parseAlertUrl, type SinkKind } from './url.js';

export type { NoticeSeverity } from './format.js';
export type { AlertDelivery } from './post.js';
export { type AlertTarget, parseAlertUrl, type SinkKind } from './url.js';

export interface AlertOptions {
  /** The hub's name, shown in the message and carried by the JSON payload. */
  hub?: string;
  log: Logger;
  /** Time allowed for each attempt; 10 s by default. */
  timeoutMs?: number;
  /** Retries of 5xx, 429 and refused connections; 3 attempts within 20 s by default. */
  retry?: RetryPolicy;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** The delivery policy for alerts: short, since a scheduled run must finish in time. */
export const ALERT_RETRY: RetryPolicy = {
  attempts: 3,
  baseMs: 500,
  maxDelayMs: 5_000,
  budgetMs: 20_000,
};

const RENDER: Record<SinkKind, (content: AlertContent) => unknown> = {
  slack: slackPayload,
  teams: teamsPayload,
  json: jsonPayload,
};

/**
 * Sends the scan report to every sink when its status is warning, critical or unknown, and
 * also when it is ok if `sendOk` asks for it (the daily all-clear). Resolves with one
 * outcome per URL, in order; an empty list when there was nothing to send. Never rejects.
 */
export async function sendAlerts(
  report: ScanReport,
  urls: readonly string[],
  options: AlertOptions & { sendOk?: boolean },
): Promise<AlertDelivery[]> {
  if (report.status === 'ok' && !options.sendOk) {
    if (urls.length > 0) options.log.info('scan is ok; no alert sent', { sinks: urls.length });
    return [];
  }
  return dispatch({ kind: 'report', report, ...hubOf(options) }, urls, options);
}

/**
 * Sends a notice (a rotation summary, for instance) to every sink, shaped like the scan
 * alerts of the same sink. Resolves with one outcome per URL, in order. Never rejects.
 */
export async function sendNotice(
  title: string,
  lines: string[],
  severity: NoticeSeverity,
  urls: readonly string[],
  options: AlertOptions,
): Promise<AlertDelivery[]> {
  return dispatch({ kind: 'notice', title, lines, severity, ...hubOf(options) }, urls, options);
}

async function dispatch(
  content: AlertContent,
  urls: readonly string[],
  options: AlertOptions,
): Promise<AlertDelivery[]> {
  const post = {
    log: options.log,
    timeoutMs: options.timeoutMs ?? 10_000,
    retry: options.retry ?? ALERT_RETRY,
    fetch: options.fetch ?? globalThis.fetch,
  };
  return Promise.all(
    urls.map(async (url, position): Promise<AlertDelivery> => {
      let target: AlertTarget | undefined;
      let body: unknown;
      try {
        target = parseAlertUrl(url, position);
        body = RENDER[target.kind](content);
      } catch (error) {
        // The setting should have been checked at start-up, and a report that cannot be
        // rendered is a bug; either way the other sinks still get their message.
        const sink = target?.redacted ?? `ALERTS entry ${position + 1}`;
        options.log.error('alert not delivered', { sink, reason: messageOf(error) });
        return { sink, ok: false, error: messageOf(error) };
      }
      return postJson(target, body, post);
    }),
  );
}

function hubOf(options: AlertOptions): { hub?: string } {
  return options.hub ? { hub: options.hub } : {};
}
