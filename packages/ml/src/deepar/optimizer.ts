/** Adam (Kingma & Ba) over a flat parameter vector, with clipping of the gradient's global L2 norm. */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    public learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** One update of `params` by `grad` (which is clipped in place to norm `clip`). */
  step(params: Float64Array, grad: Float64Array, clip: number): void {
    let sq = 0;
    for (let i = 0; i < grad.length; i++) sq += (grad[i] as number) * (grad[i] as number);
    const norm = Math.sqrt(sq);
    const k = Number.isFinite(norm) && norm > clip ? clip / norm : 1;
    if (!Number.isFinite(norm)) return; // a non-finite gradient would poison every weight; skip the batch
    this.t++;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const a = (this.learningRate * Math.sqrt(1 - Math.pow(b2, this.t))) / (1 - Math.pow(b1, this.t));
    for (let i = 0; i < params.length; i++) {
      const g = (grad[i] as number) * k;
      const m = b1 * (this.m[i] as number) + (1 - b1) * g;
      const v = b2 * (this.v[i] as number) + (1 - b2) * g * g;
      this.m[i] = m;
      this.v[i] = v;
      params[i] = (params[i] as number) - (a * m) / (Math.sqrt(v) + this.eps);
    }
  }
}
