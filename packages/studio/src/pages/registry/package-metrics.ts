/** What the versions table shows of one package (fields of `DescribeModelPackage` we read). */
export interface PackageView {
  readonly ModelPackageArn: string;
  readonly ModelPackageVersion?: number | undefined;
  readonly CustomerMetadataProperties?: Readonly<Record<string, string>> | undefined;
  readonly ModelMetrics?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Metric columns for comparing versions side by side: every customer metadata property that is a number in
 * at least one version, plus one column per model-metrics report a version points at (by its location).
 */
export function metricColumns(packages: readonly PackageView[]): { numbers: string[]; reports: string[] } {
  const numbers = new Set<string>();
  const reports = new Set<string>();
  for (const p of packages) {
    for (const [k, v] of Object.entries(p.CustomerMetadataProperties ?? {})) if (v.trim() !== '' && Number.isFinite(Number(v))) numbers.add(k);
    for (const path of reportPaths(p.ModelMetrics ?? {})) reports.add(path.key);
  }
  return { numbers: [...numbers].sort(), reports: [...reports].sort() };
}

/** Each `S3Uri` under a package's ModelMetrics, keyed by its path (`ModelQuality.Statistics`). */
export function reportPaths(metrics: Readonly<Record<string, unknown>>, prefix = ''): { key: string; uri: string }[] {
  const out: { key: string; uri: string }[] = [];
  for (const [k, v] of Object.entries(metrics)) {
    if (!v || typeof v !== 'object') continue;
    const o = v as Record<string, unknown>;
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof o.S3Uri === 'string') out.push({ key, uri: o.S3Uri });
    else out.push(...reportPaths(o, key));
  }
  return out;
}
