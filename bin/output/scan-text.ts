/** The scan report as a table for people: certificates first, then findings by severity. */
import type { ScanReport } from '../../lib/workflows/scan/report.js';

export function renderScanTable(report: ScanReport): string {
  const rows = report.certificates.map((c) => [
    c.id,
    c.notAfter.slice(0, 10),
    String(c.daysLeft),
    c.serial.length > 16 ? `${c.serial.slice(0, 16)}…` : c.serial,
    c.sans.length > 3 ? `${c.sans.slice(0, 3).join(' ')} +${c.sans.length - 3}` : c.sans.join(' '),
  ]);
  const header = ['CERTIFICATE', 'NOT AFTER', 'DAYS', 'SERIAL', 'SANS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line), ''];
  const ordered = [...report.findings].sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1,
  );
  for (const f of ordered)
    out.push(`${f.severity.toUpperCase().padEnd(8)} ${f.code}: ${f.message}`);
  if (ordered.length > 0) out.push('');
  out.push(
    `status: ${report.status.toUpperCase()} ` +
      `(${report.findings.length} finding(s), checked ${report.checkedAt})`,
  );
  return `${out.join('\n')}\n`;
}
