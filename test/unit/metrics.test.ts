/**
 * CloudWatch Embedded Metric Format output of a scan: every document must be one CloudWatch
 * accepts (metrics and dimensions present as top-level fields of the right type, at most
 * 100 metrics each), and carry the values the README promises.
 */
import { describe, expect, it } from 'vitest';
import {
  emfLines,
  MAX_METRICS_PER_DOCUMENT,
  type MetricPoint,
  packEmf,
} from '../../lib/workflows/scan/metrics.js';
import type {
  CertificateEntry,
  Finding,
  ScanReport,
  Status,
} from '../../lib/workflows/scan/report.js';

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [field: string]: unknown;
}

const CHECKED_AT = '2026-12-03T12:00:00.000Z';

function certificate(id: string, daysLeft: number): CertificateEntry {
  return {
    id,
    source: 'dir:./ca_certs',
    subject: 'CN=x',
    issuer: 'CN=hub-ca',
    serial: '01',
    fingerprintSha256: 'AB',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    daysLeft,
    sans: [],
  };
}

function finding(code: Finding['code'], severity: Finding['severity']): Finding {
  return { code, severity, certificate: 'secret:proxy-client', message: 'm' };
}

function reportOf(status: Status, findings: Finding[] = []): ScanReport {
  return {
    status,
    checkedAt: CHECKED_AT,
    certificates: [certificate('store:hub-ca', 1825), certificate('secret:proxy-client', 25)],
    findings,
  };
}

const parse = (lines: string[]) => lines.map((line) => JSON.parse(line) as EmfDocument);

/** Every rule of the EMF specification that a document of ours could break. */
function expectValidEmf(document: EmfDocument): void {
  expect(Number.isInteger(document._aws.Timestamp)).toBe(true);
  expect(document._aws.CloudWatchMetrics.length).toBeGreaterThan(0);
  for (const directive of document._aws.CloudWatchMetrics) {
    expect(directive.Namespace).toMatch(/^\S+$/);
    expect(directive.Metrics.length).toBeGreaterThan(0);
    expect(directive.Metrics.length).toBeLessThanOrEqual(100);
    for (const metric of directive.Metrics) {
      expect(typeof document[metric.Name], `metric ${metric.Name}`).toBe('number');
    }
    for (const set of directive.Dimensions) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const key of set) {
        expect(typeof document[key], `dimension ${key}`).toBe('string');
        expect((document[key] as string).length).toBeGreaterThan(0);
      }
    }
  }
}

/** The metric values of all documents as `Name{Dim=value,…}=value` strings. */
function samples(documents: EmfDocument[]): string[] {
  return documents.flatMap((document) =>
    document._aws.CloudWatchMetrics.flatMap((directive) =>
      directive.Metrics.map((metric) => {
        const dims = (directive.Dimensions[0] ?? []).map((k) => `${k}=${document[k]}`).join(',');
        return `${metric.Name}{${dims}}=${document[metric.Name]}`;
      }),
    ),
  );
}

describe('EMF documents of a scan', () => {
  it('are valid EMF, timestamped with the scan, in the Hubcerts namespace by default', () => {
    // Prepare
    const report = reportOf('warning', [finding('EXPIRES_SOON', 'warning')]);

    // Act
    const documents = parse(emfLines(report, { hub: 'jupyter-jsc' }));

    // Assess
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) {
      expectValidEmf(document);
      expect(document._aws.Timestamp).toBe(Date.parse(CHECKED_AT));
      expect(document._aws.CloudWatchMetrics[0]!.Namespace).toBe('Hubcerts');
    }
  });

  it('publish DaysLeft per certificate, Findings per code and severity, and the totals', () => {
    // Prepare
    const report = reportOf('critical', [
      finding('EXPIRES_SOON', 'warning'),
      finding('SAN_MISSING', 'critical'),
      finding('SAN_MISSING', 'critical'),
      finding('LEGACY_X509', 'warning'),
    ]);

    // Act
    const documents = parse(emfLines(report, { hub: 'jupyter-jsc' }));

    // Assess
    expect(samples(documents).sort()).toEqual(
      [
        'ScanStatus{Hub=jupyter-jsc}=2',
        'FindingsTotal{Hub=jupyter-jsc}=4',
        'DaysLeft{Hub=jupyter-jsc,Certificate=store:hub-ca}=1825',
        'DaysLeft{Hub=jupyter-jsc,Certificate=secret:proxy-client}=25',
        'Findings{Hub=jupyter-jsc,Code=EXPIRES_SOON,Severity=warning}=1',
        'Findings{Hub=jupyter-jsc,Code=SAN_MISSING,Severity=critical}=2',
        'Findings{Hub=jupyter-jsc,Code=LEGACY_X509,Severity=warning}=1',
      ].sort(),
    );
  });

  it('give the units CloudWatch expects: Count for findings, None for days and status', () => {
    // Prepare
    const report = reportOf('warning', [finding('EXPIRES_SOON', 'warning')]);

    // Act
    const documents = parse(emfLines(report));

    // Assess
    const units = Object.fromEntries(
      documents.flatMap((d) =>
        d._aws.CloudWatchMetrics.flatMap((c) => c.Metrics.map((m) => [m.Name, m.Unit])),
      ),
    );
    expect(units).toEqual({
      ScanStatus: 'None',
      FindingsTotal: 'Count',
      DaysLeft: 'None',
      Findings: 'Count',
    });
  });

  it.each([
    ['ok', 0],
    ['warning', 1],
    ['critical', 2],
    ['unknown', 3],
  ] as const)('encode status %s as ScanStatus %i', (status, value) => {
    // Act
    const documents = parse(emfLines(reportOf(status)));

    // Assess
    const summary = documents.find((d) => 'ScanStatus' in d)!;
    expect(summary.ScanStatus).toBe(value);
  });

  it('publish no Findings for an ok scan, and FindingsTotal 0', () => {
    // Act
    const documents = parse(emfLines(reportOf('ok')));

    // Assess
    expect(documents.some((d) => 'Findings' in d)).toBe(false);
    expect(documents.find((d) => 'FindingsTotal' in d)!.FindingsTotal).toBe(0);
  });

  it('leave out the Hub dimension when no hub is named, and honour namespace and function', () => {
    // Prepare
    const options = { namespace: 'Team/Certs', functionName: 'hubcerts-prod-expiryScan' };

    // Act
    const documents = parse(emfLines(reportOf('ok'), options));

    // Assess
    for (const document of documents) {
      expectValidEmf(document);
      expect(document).not.toHaveProperty('Hub');
      expect(document.function).toBe('hubcerts-prod-expiryScan');
      expect(document._aws.CloudWatchMetrics[0]!.Namespace).toBe('Team/Certs');
      expect(document._aws.CloudWatchMetrics[0]!.Dimensions[0]).not.toContain('function');
    }
    const summary = documents.find((d) => 'ScanStatus' in d)!;
    expect(summary._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([[]]);
  });

  it('stay valid with many certificates, one document per certificate', () => {
    // Prepare
    const report = reportOf('ok');
    report.certificates = Array.from({ length: 250 }, (_, i) => certificate(`secret:user-${i}`, i));

    // Act
    const documents = parse(emfLines(report, { hub: 'h' }));

    // Assess
    for (const document of documents) expectValidEmf(document);
    const daysLeft = documents.filter((d) => 'DaysLeft' in d);
    expect(daysLeft).toHaveLength(250);
    expect(daysLeft.map((d) => d.Certificate)).toEqual(report.certificates.map((c) => c.id));
  });
});

describe('packing metric points into documents', () => {
  const context = { namespace: 'Hubcerts', timestamp: 1_000, properties: {} };
  const point = (name: string, value: number, dimensions = { Hub: 'h' }): MetricPoint => ({
    name,
    unit: 'Count',
    value,
    dimensions,
  });

  it('splits a group of more than 100 metrics into documents of at most 100', () => {
    // Prepare
    const points = Array.from({ length: 250 }, (_, i) => point(`Metric${i}`, i));

    // Act
    const documents = parse(packEmf(points, context));

    // Assess
    expect(documents.map((d) => d._aws.CloudWatchMetrics[0]!.Metrics.length)).toEqual([
      MAX_METRICS_PER_DOCUMENT,
      MAX_METRICS_PER_DOCUMENT,
      50,
    ]);
    for (const document of documents) {
      expectValidEmf(document);
      expect(document.Hub).toBe('h');
    }
    expect(samples(documents)).toEqual(points.map((p) => `${p.name}{Hub=h}=${p.value}`));
  });

  it('shares a document between metrics with the same dimension values only', () => {
    // Prepare
    const points = [point('A', 1), point('B', 2), point('A', 3, { Hub: 'other' }), point('A', 4)];

    // Act
    const documents = parse(packEmf(points, context));

    // Assess
    expect(samples(documents)).toEqual([
      'A{Hub=h}=1',
      'B{Hub=h}=2',
      'A{Hub=h}=4',
      'A{Hub=other}=3',
    ]);
    expect(documents.map((d) => d._aws.CloudWatchMetrics[0]!.Metrics.length)).toEqual([2, 1, 1]);
  });
});
