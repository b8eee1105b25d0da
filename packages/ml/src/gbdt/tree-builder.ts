import { JOB_HEADER, OP_BUILD, OP_COMBINE, OP_LEAVES, OP_PARTITION, OP_SPLIT, SPLIT_OUT, kernelWeight } from './kernel.js';
import type { KernelBuffer, KernelRunner } from './kernel-runner.js';
import type { GbdtTree } from './model.js';
import type { GbdtParams } from './params.js';

/** XGBoost's `kRtEps`: a split must reduce the loss by more than this. */
const RT_EPS = 1e-6;

/**
 * Rows per histogram part: a node with more rows is built as parts of at most this many rows, each by
 * one thread, summed in order. The parts depend on the node alone, not on the thread count, so models
 * are the same on any number of threads.
 */
const PART_ROWS = 65536;

interface Node {
  begin: number;
  end: number;
  G: number;
  H: number;
  depth: number;
  left: number;
  right: number;
  feature: number;
  splitBin: number;
  defaultLeft: number;
  gain: number;
  /** Index of the node's histogram within its level region, or -1. */
  histIndex: number;
}

/** What a grown tree leaves behind for updating the training margins. */
export interface GrownTree {
  readonly tree: GbdtTree;
  /** Leaf node ids whose `rows[begin, end)` segments hold the sampled rows that reached them. */
  readonly leaves: readonly { node: number; begin: number; end: number }[];
  /** Split bin per node (for routing rows that were not sampled). */
  readonly splitBin: Int32Array;
}

/**
 * Grows one depth-wise tree on binned data (XGBoost `hist`, `grow_policy=depthwise`): per level,
 * build histograms for the smaller child of each split and get its sibling by subtraction, find
 * every node's best split, then partition the rows of the nodes that split.
 */
export class TreeBuilder {
  private levelCap = 0;
  private scratchCap = 0;
  private itemCap = 0;
  private histBuf: KernelBuffer | undefined;

  constructor(
    private readonly runner: KernelRunner,
    private readonly p: GbdtParams,
  ) {}

  /**
   * Grows a tree for the gradients at `ghOffset` over `rows[0, used)` (all rows in order when
   * `allRows`). `featureMask(depth)` returns the per-level feature set; `nodeMask` refines it.
   */
  grow(ghOffset: number, used: number, allRows: boolean, levelMask: (depth: number) => Uint8Array, nodeMask: (levelSet: Uint8Array) => Uint8Array): GrownTree {
    const c = this.runner.ctx;
    const gh = c.gh;
    let G = 0;
    let H = 0;
    const rows = c.rows;
    if (allRows) {
      for (let r = 0, n = c.n; r < n; r++) {
        G += gh[ghOffset + 2 * r] as number;
        H += gh[ghOffset + 2 * r + 1] as number;
      }
    } else {
      for (let i = 0; i < used; i++) {
        const r = rows[i] as number;
        G += gh[ghOffset + 2 * r] as number;
        H += gh[ghOffset + 2 * r + 1] as number;
      }
    }
    const nodes: Node[] = [newNode(0, used, G, H, 0)];
    let level = [0];
    this.ensureHist(1, 0);
    nodes[0]!.histIndex = 0;
    this.buildHistograms(ghOffset, [[this.slot(0, 0), 0, used]], []);
    const leaves: { node: number; begin: number; end: number }[] = [];
    for (let depth = 0; level.length > 0; depth++) {
      if (depth >= this.p.maxDepth) {
        for (const id of level) leaves.push(seg(nodes, id));
        break;
      }
      // Best split of every node on this level.
      const levelSet = levelMask(depth);
      this.ensureItems(level.length);
      for (let i = 0; i < level.length; i++) c.mask.set(nodeMask(levelSet), i * c.cols);
      this.job(OP_SPLIT, ghOffset, level.map((id, i) => [this.slot(depth, nodes[id]!.histIndex), i, 0]));
      for (let i = 0; i < level.length; i++) {
        c.jobF[2 * i] = nodes[level[i]!]!.G;
        c.jobF[2 * i + 1] = nodes[level[i]!]!.H;
      }
      this.runner.run();
      const expand: number[] = [];
      for (let i = 0; i < level.length; i++) {
        const id = level[i]!;
        const node = nodes[id]!;
        let best = -1;
        for (let t = 0; t < this.runner.threads; t++) {
          const o = (i * this.runner.threads + t) * SPLIT_OUT;
          if ((c.out[o + 1] as number) >= 0 && (best < 0 || (c.out[o] as number) > (c.out[best] as number))) best = o;
        }
        const o = best;
        const valid = o >= 0 && (c.out[o] as number) > RT_EPS && (c.out[o] as number) >= this.p.gamma && (c.out[o + 5] as number) > 0 && (c.out[o + 7] as number) > 0;
        if (!valid) {
          leaves.push(seg(nodes, id));
          continue;
        }
        node.gain = c.out[o] as number;
        node.feature = c.out[o + 1] as number;
        node.splitBin = c.out[o + 2] as number;
        node.defaultLeft = c.out[o + 3] as number;
        node.left = nodes.length;
        nodes.push(newNode(0, 0, c.out[o + 4] as number, c.out[o + 5] as number, depth + 1));
        node.right = nodes.length;
        nodes.push(newNode(0, 0, c.out[o + 6] as number, c.out[o + 7] as number, depth + 1));
        expand.push(id);
      }
      if (expand.length === 0) break;
      this.partition(nodes, expand);
      const children = expand.flatMap((id) => [nodes[id]!.left, nodes[id]!.right]);
      if (depth + 1 >= this.p.maxDepth) {
        for (const id of children) leaves.push(seg(nodes, id));
        break;
      }
      // Children histograms: build the smaller, subtract for the sibling.
      this.ensureHist(children.length, 0);
      const build: number[][] = [];
      const sub: number[][] = [];
      expand.forEach((id, k) => {
        const parent = nodes[id]!;
        const l = nodes[parent.left]!;
        const r = nodes[parent.right]!;
        l.histIndex = 2 * k;
        r.histIndex = 2 * k + 1;
        const [small, large] = l.end - l.begin <= r.end - r.begin ? [l, r] : [r, l];
        build.push([this.slot(depth + 1, small.histIndex), small.begin, small.end]);
        sub.push([this.slot(depth + 1, large.histIndex), this.slot(depth, parent.histIndex), this.slot(depth + 1, small.histIndex)]);
      });
      this.buildHistograms(ghOffset, build, sub);
      level = children;
    }
    return { tree: this.flatten(nodes), leaves, splitBin: Int32Array.from(nodes, (nd) => nd.splitBin) };
  }

  private partition(nodes: Node[], expand: readonly number[]): void {
    const c = this.runner.ctx;
    const T = this.runner.threads;
    // Balance rows between threads: largest segments first, each to the least-loaded thread.
    const load = new Array<number>(T).fill(0);
    const order = expand.map((id, i) => i).sort((a, b) => size(nodes[expand[b]!]!) - size(nodes[expand[a]!]!) || a - b);
    this.ensureItems(expand.length);
    for (const i of order) {
      let t = 0;
      for (let k = 1; k < T; k++) if ((load[k] as number) < (load[t] as number)) t = k;
      load[t] = (load[t] as number) + size(nodes[expand[i]!]!);
      c.jobF[i] = t;
    }
    c.job[0] = OP_PARTITION;
    c.job[1] = expand.length;
    expand.forEach((id, i) => {
      const nd = nodes[id]!;
      c.job.set([nd.begin, nd.end, nd.feature, nd.splitBin, nd.defaultLeft], JOB_HEADER + 5 * i);
    });
    this.runner.run();
    expand.forEach((id, i) => {
      const nd = nodes[id]!;
      const mid = nd.begin + (c.out[i] as number);
      Object.assign(nodes[nd.left]!, { begin: nd.begin, end: mid });
      Object.assign(nodes[nd.right]!, { begin: mid, end: nd.end });
    });
  }

  /** Adds a grown tree's leaf values to the margins of output group `g` (rows `[0, used)`), on every thread. */
  addLeaves(grown: GrownTree, g: number, used: number): void {
    const c = this.runner.ctx;
    this.ensureItems(grown.leaves.length);
    c.job[0] = OP_LEAVES;
    c.job[1] = grown.leaves.length;
    c.job[2] = g;
    c.job[3] = used;
    grown.leaves.forEach((leaf, i) => {
      c.job[JOB_HEADER + 2 * i] = leaf.begin;
      c.job[JOB_HEADER + 2 * i + 1] = leaf.end;
      c.jobF[i] = grown.tree.value[leaf.node] as number;
    });
    this.runner.run();
  }

  /**
   * Histograms of `build` items `[slot, begin, end]`, then `sub` items `[dst, parent, child]`
   * (`dst = parent − child`). A node of more than {@link PART_ROWS} rows is built as parts into scratch
   * slots and summed into its slot in order. Parts go to threads largest first, each to the least-loaded
   * thread: every part is built by one thread over all features, so each of its rows is read once (a
   * split by feature made every thread gather every row — most of the cost on deep levels, whose rows
   * are scattered).
   */
  private buildHistograms(ghOffset: number, build: readonly (readonly number[])[], sub: readonly (readonly number[])[]): void {
    const counts = build.map(([, b, e]) => Math.max(1, Math.ceil((e! - b!) / PART_ROWS)));
    this.ensureHist(this.levelCap, counts.reduce((a, k) => a + k - 1, 0));
    const parts: number[][] = [];
    const combine: number[][] = [];
    let scratch = 2 * this.levelCap;
    build.forEach(([slot, b, e], i) => {
      const k = counts[i]!;
      for (let j = 0; j < k; j++) {
        const target = j === 0 ? slot! : scratch++;
        parts.push([target, b! + Math.floor(((e! - b!) * j) / k), b! + Math.floor(((e! - b!) * (j + 1)) / k)]);
        if (j > 0) combine.push([slot!, slot!, target]);
      }
    });
    this.job(OP_BUILD, ghOffset, parts);
    const T = this.runner.threads;
    const owner = this.runner.ctx.jobF;
    const load = new Array<number>(T).fill(0);
    const order = parts.map((_, i) => i).sort((a, b) => parts[b]![2]! - parts[b]![1]! - (parts[a]![2]! - parts[a]![1]!) || a - b);
    for (const i of order) {
      let t = 0;
      for (let k = 1; k < T; k++) if ((load[k] as number) < (load[t] as number)) t = k;
      owner[i] = t;
      load[t] = (load[t] as number) + parts[i]![2]! - parts[i]![1]!;
    }
    this.runner.run();
    if (combine.length + sub.length === 0) return;
    this.job(OP_COMBINE, ghOffset, [...combine, ...sub]);
    const sign = this.runner.ctx.jobF;
    for (let i = 0; i < combine.length + sub.length; i++) sign[i] = i < combine.length ? 1 : -1;
    this.runner.run();
  }

  private flatten(nodes: readonly Node[]): GbdtTree {
    const c = this.runner.ctx;
    const m = nodes.length;
    const t: GbdtTree = {
      left: new Int32Array(m), right: new Int32Array(m), feature: new Int32Array(m), threshold: new Float32Array(m),
      defaultLeft: new Uint8Array(m), value: new Float64Array(m), cover: new Float64Array(m), gain: new Float64Array(m),
    };
    const { lambda, alpha, maxDeltaStep, minChildWeight, eta } = this.p;
    nodes.forEach((nd, k) => {
      t.left[k] = nd.left;
      t.right[k] = nd.right;
      t.feature[k] = nd.feature;
      t.defaultLeft[k] = nd.defaultLeft;
      t.cover[k] = nd.H;
      t.gain[k] = nd.gain;
      t.value[k] = kernelWeight(nd.G, nd.H, lambda, alpha, maxDeltaStep, minChildWeight) * eta;
      if (nd.feature >= 0) t.threshold[k] = nd.splitBin < 0 ? (c.minVals[nd.feature] as number) : (c.cuts[nd.feature * c.S + nd.splitBin] as number);
    });
    return t;
  }

  /** Histogram slot of a node: levels alternate between two regions of `levelCap` slots. */
  private slot(depth: number, index: number): number {
    return (depth & 1) * this.levelCap + index;
  }

  /**
   * Room for `levels` histograms per level region and `scratch` part histograms after both regions
   * (scratch slots start at `2 × levelCap`; their contents do not survive a call).
   */
  private ensureHist(levels: number, scratch: number): void {
    if (levels <= this.levelCap && scratch <= this.scratchCap) return;
    const c = this.runner.ctx;
    const oldCap = this.levelCap;
    const cap = levels <= oldCap ? oldCap : Math.max(levels, 2 * oldCap, 4);
    const scratchCap = scratch <= this.scratchCap ? this.scratchCap : Math.max(scratch, 2 * this.scratchCap, 4);
    const W = c.cols * c.S * 2;
    // Grown in place when the histograms are the arena's last region: the first region stays where it
    // is and the second moves past it (cap ≥ 2 × oldCap, so the copy never overlaps its source).
    const buf = this.runner.allocHot((2 * cap + scratchCap) * W * 8, this.histBuf);
    const old = c.hist;
    this.levelCap = cap;
    this.scratchCap = scratchCap;
    this.histBuf = buf;
    this.runner.set({ hist: buf });
    if (oldCap > 0) {
      // Parents may be in either region; keep both.
      if (c.at.hist === undefined || c.hist.byteOffset !== old.byteOffset) c.hist.set(old.subarray(0, oldCap * W), 0);
      if (cap !== oldCap || c.at.hist === undefined || c.hist.byteOffset !== old.byteOffset) c.hist.set(old.subarray(oldCap * W, 2 * oldCap * W), cap * W);
    }
  }

  private ensureItems(count: number): void {
    if (count <= this.itemCap) return;
    const cap = Math.max(count, 2 * this.itemCap, 16);
    const cols = this.runner.ctx.cols;
    this.runner.set({
      job: this.runner.alloc((JOB_HEADER + 5 * cap) * 4),
      jobF: this.runner.alloc(2 * cap * 8),
      out: this.runner.alloc(cap * 2 * SPLIT_OUT * 8),
      mask: this.runner.alloc(cap * cols),
    });
    this.itemCap = cap;
  }

  private job(op: number, ghOffset: number, items: readonly (readonly number[])[]): void {
    this.ensureItems(items.length);
    const job = this.runner.ctx.job;
    job[0] = op;
    job[1] = items.length;
    job[2] = ghOffset;
    items.forEach((it, i) => job.set(it, JOB_HEADER + 3 * i));
  }
}

function newNode(begin: number, end: number, G: number, H: number, depth: number): Node {
  return { begin, end, G, H, depth, left: -1, right: -1, feature: -1, splitBin: 0, defaultLeft: 0, gain: 0, histIndex: -1 };
}

function size(n: Node): number {
  return n.end - n.begin;
}

function seg(nodes: readonly Node[], id: number): { node: number; begin: number; end: number } {
  const nd = nodes[id]!;
  return { node: id, begin: nd.begin, end: nd.end };
}
