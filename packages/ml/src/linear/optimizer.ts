/**
 * First-order updates for the flat parameter vector of a linear model. `lrScale[i]` lets the bias
 * learn at `bias_lr_mult` times the rate of the weights.
 */
export class Optimizer {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    private readonly kind: 'sgd' | 'adam' | 'rmsprop',
    size: number,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly momentum: number,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Applies one step of size `lr` to `params` along `grad`. */
  step(params: Float64Array, grad: Float64Array, lr: number, lrScale: Float64Array): void {
    const n = params.length;
    const m = this.m;
    const v = this.v;
    this.t++;
    if (this.kind === 'adam') {
      const b1 = this.beta1;
      const b2 = this.beta2;
      const c1 = 1 - b1 ** this.t;
      const c2 = 1 - b2 ** this.t;
      for (let i = 0; i < n; i++) {
        const g = grad[i] as number;
        const mi = b1 * (m[i] as number) + (1 - b1) * g;
        const vi = b2 * (v[i] as number) + (1 - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] = (params[i] as number) - (lr * (lrScale[i] as number) * (mi / c1)) / (Math.sqrt(vi / c2) + 1e-8);
      }
    } else if (this.kind === 'rmsprop') {
      const rho = this.beta2 === 0.999 ? 0.9 : this.beta2;
      for (let i = 0; i < n; i++) {
        const g = grad[i] as number;
        const vi = rho * (v[i] as number) + (1 - rho) * g * g;
        v[i] = vi;
        params[i] = (params[i] as number) - (lr * (lrScale[i] as number) * g) / (Math.sqrt(vi) + 1e-8);
      }
    } else {
      const mu = this.momentum;
      for (let i = 0; i < n; i++) {
        const mi = mu * (m[i] as number) + (grad[i] as number);
        m[i] = mi;
        params[i] = (params[i] as number) - lr * (lrScale[i] as number) * mi;
      }
    }
  }
}
