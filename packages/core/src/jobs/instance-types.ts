/** What one `ml.*` instance offers: SageMaker's published vCPU and memory figures, rounded. */
export interface InstanceShape {
  readonly vcpus: number;
  readonly memoryMiB: number;
}

// Memory per vCPU of each family (GiB): general purpose 4, compute 2, memory 8; accelerated families
// vary, so they use their most common ratio. Sizes follow EC2's naming: xlarge = 4 vCPU, Nxlarge = 4N.
const gibPerVcpu: Readonly<Record<string, number>> = {
  t3: 4, m4: 4, m5: 4, m5d: 4, m6i: 4, m7i: 4, c4: 1.875, c5: 2, c5d: 2, c5n: 2.625, c6i: 2, c7i: 2, r5: 8, r5d: 8, r7i: 8,
  g4dn: 4, g5: 4, g6: 4, g6e: 8, g7: 8, g7e: 8, p2: 15.25, p3: 7.625, p3dn: 8, p4d: 12, p4de: 12, p5: 10.67, p5e: 10.67, p5en: 10.67,
  trn1: 16, trn1n: 16, trn2: 10.67, 'p6-b200': 10.67, 'p6-b300': 10.67, 'p6e-gb200': 10.67,
};

function vcpusOf(size: string, family: string): number | undefined {
  if (size === 'medium') return 2;
  if (size === 'large') return 2;
  if (size === 'xlarge') return 4;
  const m = /^(\d+)xlarge$/.exec(size);
  if (!m) return undefined;
  // c4.8xlarge has 36 vCPUs, not 32: the only size whose count is not 4N among SageMaker's types.
  if (family === 'c4' && size === '8xlarge') return 36;
  return 4 * Number(m[1]);
}

/**
 * The shape of an `ml.<family>.<size>` instance type, or undefined for a name Loam cannot size. The
 * API's enums already restrict the names; this is what capacity, `SM_NUM_CPUS` and limits read.
 */
export function instanceShape(instanceType: string): InstanceShape | undefined {
  const m = /^ml\.([a-z0-9-]+)\.([a-z0-9]+)$/.exec(instanceType);
  if (!m) return undefined;
  const family = m[1] as string;
  const vcpus = vcpusOf(m[2] as string, family);
  const ratio = gibPerVcpu[family];
  if (vcpus === undefined || ratio === undefined) return undefined;
  const gib = instanceType === 'ml.t3.medium' ? 4 : vcpus * ratio;
  return { vcpus, memoryMiB: Math.round(gib * 1024) };
}

/** The instance's shape capped at what one slot of this machine has: a job never sees more than exists. */
export function effectiveShape(instanceType: string, machine: { cores: number; memoryMiB: number }): InstanceShape {
  const s = instanceShape(instanceType) ?? { vcpus: machine.cores, memoryMiB: machine.memoryMiB };
  return { vcpus: Math.max(1, Math.min(s.vcpus, machine.cores)), memoryMiB: Math.min(s.memoryMiB, machine.memoryMiB) };
}
