/**
 * The generic JSON webhook: the scan report exactly as the contract of design section 4.4
 * defines it, wrapped with where it came from, for receivers that do their own routing.
 * It is not shortened: the receiver is a program, and the report is already bounded by the
 * number of certificates a hub has.
 */
import type { ScanReport } from '../workflows/scan/report.js';
import type { AlertContent, NoticeSeverity } from './format.js';

export type JsonPayload =
  | { source: 'hubcerts'; hub?: string; report: ScanReport }
  | {
      source: 'hubcerts';
      hub?: string;
      notice: { title: string; severity: NoticeSeverity; lines: string[] };
    };

/** Renders `content` as the JSON webhook body. */
export function jsonPayload(content: AlertContent): JsonPayload {
  const hub = content.hub ? { hub: content.hub } : {};
  if (content.kind === 'report') return { source: 'hubcerts', ...hub, report: content.report };
  const { title, severity, lines } = content;
  return { source: 'hubcerts', ...hub, notice: { title, severity, lines } };
}
