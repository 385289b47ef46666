/**
 * The scan report in Prometheus text exposition format, for node_exporter's textfile
 * collector. Metric names are documented in the README; changing one breaks dashboards.
 */
import type { ScanReport } from '../../lib/workflows/scan/report.js';

const STATUS_VALUE = { ok: 0, warning: 1, critical: 2, unknown: 3 };

export function renderPrometheus(report: ScanReport): string {
  const lines: string[] = [];
  const metric = (name: string, help: string, type: string, samples: string[]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };
  metric('hubcerts_scan_status', 'Scan status: 0 ok, 1 warning, 2 critical, 3 unknown.', 'gauge', [
    `hubcerts_scan_status ${STATUS_VALUE[report.status]}`,
  ]);
  metric('hubcerts_scan_timestamp_seconds', 'When the scan ran (Unix time).', 'gauge', [
    `hubcerts_scan_timestamp_seconds ${Math.floor(Date.parse(report.checkedAt) / 1000)}`,
  ]);
  metric(
    'hubcerts_certificate_not_after_seconds',
    'End of validity of each certificate (Unix time).',
    'gauge',
    report.certificates.map(
      (c) =>
        `hubcerts_certificate_not_after_seconds{id="${esc(c.id)}",source="${esc(c.source)}",` +
        `serial="${esc(c.serial)}"} ${Math.floor(Date.parse(c.notAfter) / 1000)}`,
    ),
  );
  metric(
    'hubcerts_certificate_days_left',
    'Whole days until each certificate expires.',
    'gauge',
    report.certificates.map(
      (c) =>
        `hubcerts_certificate_days_left{id="${esc(c.id)}",source="${esc(c.source)}"} ${c.daysLeft}`,
    ),
  );
  const counts = new Map<string, number>();
  for (const f of report.findings)
    counts.set(`${f.code}\0${f.severity}`, (counts.get(`${f.code}\0${f.severity}`) ?? 0) + 1);
  metric(
    'hubcerts_findings',
    'Number of findings by code and severity.',
    'gauge',
    [...counts].map(([key, n]) => {
      const [code, severity] = key.split('\0');
      return `hubcerts_findings{code="${code}",severity="${severity}"} ${n}`;
    }),
  );
  return `${lines.join('\n')}\n`;
}

function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
