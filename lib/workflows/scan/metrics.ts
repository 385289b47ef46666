/**
 * The scan report as CloudWatch metrics in the Embedded Metric Format: JSON lines that the
 * function writes to its log and CloudWatch turns into metrics, with no API call and no
 * permission beyond logging. Metric names and dimensions are documented in the README;
 * changing one breaks alarms.
 *
 * An EMF document carries one value per dimension key, so metrics with different dimension
 * values (two certificates, two finding codes) cannot share a document: documents are
 * grouped by dimension values and split where a group would exceed EMF's limit of 100
 * metrics per document.
 */
import type { ScanReport, Status } from './report.js';

/** The CloudWatch units used here. */
export type EmfUnit = 'Count' | 'None';

/** One value to publish, with the dimensions that identify it. */
export interface MetricPoint {
  name: string;
  unit: EmfUnit;
  value: number;
  dimensions: Record<string, string>;
}

export interface EmfOptions {
  /** CloudWatch namespace; `Hubcerts` by default. */
  namespace?: string;
  /** The hub's name; when given, every metric has the dimension `Hub`. */
  hub?: string;
  /** Written as the property `function` (not a dimension) to find the lines in the log. */
  functionName?: string;
}

/** EMF's limit of metric definitions in one document. */
export const MAX_METRICS_PER_DOCUMENT = 100;

export const STATUS_VALUE: Record<Status, number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

/**
 * The report's metrics as EMF documents, one JSON text per element, timestamped with the
 * time of the scan: `ScanStatus` (0 ok … 3 unknown) and `FindingsTotal` per hub,
 * `DaysLeft` per certificate, and `Findings` per code and severity for the codes present.
 */
export function emfLines(report: ScanReport, options: EmfOptions = {}): string[] {
  const hub: Record<string, string> = options.hub ? { Hub: options.hub } : {};
  const points: MetricPoint[] = [
    { name: 'ScanStatus', unit: 'None', value: STATUS_VALUE[report.status], dimensions: hub },
    { name: 'FindingsTotal', unit: 'Count', value: report.findings.length, dimensions: hub },
  ];
  for (const c of report.certificates) {
    points.push({
      name: 'DaysLeft',
      unit: 'None',
      value: c.daysLeft,
      dimensions: { ...hub, Certificate: c.id },
    });
  }
  const counts = new Map<string, MetricPoint>();
  for (const f of report.findings) {
    const key = `${f.code}\0${f.severity}`;
    const point = counts.get(key) ?? {
      name: 'Findings',
      unit: 'Count',
      value: 0,
      dimensions: { ...hub, Code: f.code, Severity: f.severity },
    };
    point.value += 1;
    counts.set(key, point);
  }
  points.push(...counts.values());

  return packEmf(points, {
    namespace: options.namespace ?? 'Hubcerts',
    timestamp: Date.parse(report.checkedAt),
    properties: options.functionName ? { function: options.functionName } : {},
  });
}

/**
 * Packs metric points into EMF documents: one group per set of dimension values, at most
 * MAX_METRICS_PER_DOCUMENT metrics per document, and a new document when a metric name
 * repeats within a group (a key holds one value). Metric names must differ from the
 * dimension and property keys, since all of them are top-level fields.
 */
export function packEmf(
  points: readonly MetricPoint[],
  context: { namespace: string; timestamp: number; properties: Record<string, string> },
): string[] {
  const groups = new Map<string, MetricPoint[]>();
  for (const point of points) {
    const key = JSON.stringify(Object.entries(point.dimensions).sort());
    groups.set(key, [...(groups.get(key) ?? []), point]);
  }

  const documents: MetricPoint[][] = [];
  for (const group of groups.values()) {
    let current: MetricPoint[] = [];
    for (const point of group) {
      const full = current.length >= MAX_METRICS_PER_DOCUMENT;
      if (full || current.some((p) => p.name === point.name)) {
        documents.push(current);
        current = [];
      }
      current.push(point);
    }
    documents.push(current);
  }
  return documents.map((metrics) => JSON.stringify(documentOf(metrics, context)));
}

function documentOf(
  metrics: readonly MetricPoint[],
  context: { namespace: string; timestamp: number; properties: Record<string, string> },
): Record<string, unknown> {
  const dimensions = metrics[0]?.dimensions ?? {};
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: context.timestamp,
      CloudWatchMetrics: [
        {
          Namespace: context.namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: metrics.map((m) => ({ Name: m.name, Unit: m.unit })),
        },
      ],
    },
    ...context.properties,
    ...dimensions,
  };
  for (const m of metrics) document[m.name] = m.value;
  return document;
}
