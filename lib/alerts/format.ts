/**
 * What an alert says, before any sink shapes it: a headline, one line of facts, and the
 * items grouped by severity, worst first. Every chat sink renders this same model, so a
 * Slack message and a Teams card of one run list the same findings in the same order.
 * Chat payloads are bounded here: at most MAX_ITEMS items, each clipped to MAX_ITEM_CHARS,
 * which keeps a message well under Slack's 40,000 characters and the 28 KB of a Teams card.
 */
import type { Finding, ScanReport, Status } from '../workflows/scan/report.js';

/** Severity of a notice that is not a scan report (a rotation summary, for instance). */
export type NoticeSeverity = 'info' | 'warning' | 'critical';

/** What one alert carries: a scan report, or a notice with free lines. */
export type AlertContent =
  | { kind: 'report'; report: ScanReport; hub?: string }
  | { kind: 'notice'; title: string; lines: string[]; severity: NoticeSeverity; hub?: string };

/** The tone of a message or group, mapped by each sink to its colours. */
export type Tone = Status | NoticeSeverity;

/** One listed item: a finding, or a line of a notice (no code, no certificate). */
export interface Item {
  code?: string;
  certificate?: string;
  text: string;
}

export interface Group {
  tone: Tone;
  title: string;
  items: Item[];
}

/** The sink-neutral message. */
export interface Message {
  tone: Tone;
  title: string;
  /** Hub, counts and time of the run, on one line. */
  facts: string;
  groups: Group[];
  /** `… and N more findings` when items were left out to keep the payload bounded. */
  more?: string;
}

export const MAX_ITEMS = 40;
export const MAX_ITEM_CHARS = 300;

const ORDER = ['critical', 'warning'] as const;

/** Builds the message of `content`, grouped worst first and bounded. */
export function compose(content: AlertContent): Message {
  const hub = content.hub ? `hub ${content.hub}` : undefined;
  if (content.kind === 'notice') {
    const kept = content.lines.slice(0, MAX_ITEMS).map((line) => ({ text: clip(line) }));
    return {
      tone: content.severity,
      title: `hubcerts: ${content.title}`,
      facts: hub ?? '',
      groups: kept.length > 0 ? [{ tone: content.severity, title: '', items: kept }] : [],
      more: moreLine(content.lines.length - kept.length, 'line'),
    };
  }

  const { report } = content;
  const counts = ORDER.map((s) => `${countOf(report.findings, s)} ${s}`).join(', ');
  const facts = [
    hub,
    `${counts} finding(s) in ${report.certificates.length} certificate(s)`,
    `checked ${report.checkedAt}`,
  ];
  let budget = MAX_ITEMS;
  const groups: Group[] = [];
  for (const severity of ORDER) {
    const all = report.findings.filter((f) => f.severity === severity);
    const kept = all.slice(0, Math.max(0, budget));
    budget -= kept.length;
    if (kept.length === 0) continue;
    groups.push({
      tone: severity,
      title: `${capitalise(severity)} (${all.length})`,
      items: kept.map(itemOf),
    });
  }
  if (report.findings.length === 0) {
    groups.push({ tone: report.status, title: '', items: [{ text: 'No findings.' }] });
  }
  return {
    tone: report.status,
    title: `hubcerts scan: ${report.status.toUpperCase()}`,
    facts: facts.filter(Boolean).join(' · '),
    groups,
    more: moreLine(report.findings.length - (MAX_ITEMS - budget), 'finding'),
  };
}

function moreLine(omitted: number, noun: string): string | undefined {
  if (omitted <= 0) return undefined;
  return `… and ${omitted} more ${noun}${omitted === 1 ? '' : 's'}`;
}

function itemOf(finding: Finding): Item {
  return {
    code: finding.code,
    certificate: clip(finding.certificate),
    text: clip(finding.message),
  };
}

function countOf(findings: readonly Finding[], severity: string): number {
  return findings.filter((f) => f.severity === severity).length;
}

function clip(text: string): string {
  return text.length <= MAX_ITEM_CHARS ? text : `${text.slice(0, MAX_ITEM_CHARS - 1)}…`;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
