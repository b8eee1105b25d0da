/** SageMaker publishes a metric as a float; these spellings are what its regexes capture besides plain numbers. */
function parseMetricValue(s: string): number | undefined {
  const t = s.trim().toLowerCase();
  if (t === 'nan') return Number.NaN;
  if (t === 'inf' || t === 'infinity' || t === '+inf') return Number.POSITIVE_INFINITY;
  if (t === '-inf' || t === '-infinity') return Number.NEGATIVE_INFINITY;
  const v = Number.parseFloat(t);
  return Number.isNaN(v) ? undefined : v;
}

/** A compiled MetricDefinition. */
interface Compiled {
  readonly name: string;
  readonly re: RegExp;
}

/**
 * Applies `MetricDefinitions` to log lines as SageMaker does: each regex's first capture group, parsed
 * as a float, is a sample of that metric. SageMaker matches the CloudWatch form of a line, where a tab
 * reads `#011`, so definitions written for it (`#011validation-auc:(\S+)`) match too: both the raw line
 * and its `#011` form are tried.
 */
export class MetricParser {
  private readonly defs: Compiled[];

  constructor(definitions: readonly { readonly Name: string; readonly Regex: string }[]) {
    this.defs = definitions.slice(0, 40).map((d) => ({ name: d.Name, re: new RegExp(d.Regex) }));
  }

  get size(): number {
    return this.defs.length;
  }

  /** The samples in one line (at most one per definition). */
  parse(line: string): { name: string; value: number }[] {
    if (this.defs.length === 0) return [];
    const cw = line.includes('\t') ? line.replace(/\t/g, '#011') : undefined;
    const out: { name: string; value: number }[] = [];
    for (const d of this.defs) {
      const m = d.re.exec(line) ?? (cw !== undefined ? d.re.exec(cw) : null);
      const g = m?.[1];
      if (g === undefined) continue;
      const v = parseMetricValue(g);
      if (v !== undefined) out.push({ name: d.name, value: v });
    }
    return out;
  }
}
