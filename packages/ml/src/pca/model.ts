import { MlInputError } from '../errors.js';
import type { DenseMatrix } from '../data/matrix.js';

/** The versioned JSON form of a PCA model. */
export interface PcaModelJson {
  readonly format: 'loam.pca';
  readonly version: 1;
  readonly featureDim: number;
  readonly numComponents: number;
  /** The training mean, subtracted before projecting (`subtract_mean`), or null. */
  readonly mean: number[] | null;
  /** Row-major `numComponents × featureDim`, largest variance first, unit length. */
  readonly components: number[];
  readonly singularValues: number[];
  readonly explainedVariance: number[];
}

/** Principal components and projection onto them. */
export class PcaModel {
  constructor(
    readonly featureDim: number,
    readonly numComponents: number,
    readonly mean: Float64Array | null,
    readonly components: Float64Array,
    readonly singularValues: Float64Array,
    readonly explainedVariance: Float64Array,
  ) {}

  /** Projections of every row, row-major `rows × numComponents`. */
  transform(x: DenseMatrix): Float64Array {
    this.checkWidth(x.cols);
    const n = x.rows;
    const k = this.numComponents;
    const d = this.featureDim;
    const out = new Float64Array(n * k);
    const col = new Float64Array(n);
    for (let c = 0; c < k; c++) {
      let shift = 0;
      col.fill(0);
      for (let j = 0; j < d; j++) {
        const w = this.components[c * d + j] as number;
        shift += w * (this.mean ? (this.mean[j] as number) : 0);
        const off = j * n;
        for (let i = 0; i < n; i++) col[i] = (col[i] as number) + w * (x.data[off + i] as number);
      }
      for (let i = 0; i < n; i++) out[i * k + c] = (col[i] as number) - shift;
    }
    return out;
  }

  /** Projections in SageMaker's response shape (`{"projections": [{"projection": [...]}]}` entries). */
  predict(x: DenseMatrix): { projection: number[] }[] {
    const t = this.transform(x);
    const k = this.numComponents;
    return Array.from({ length: x.rows }, (_, i) => ({ projection: Array.from(t.subarray(i * k, i * k + k)) }));
  }

  /** One row's projection, without building a matrix. */
  predictRow(row: ArrayLike<number>): { projection: number[] } {
    this.checkWidth(row.length);
    const d = this.featureDim;
    const projection = new Array<number>(this.numComponents);
    for (let c = 0; c < this.numComponents; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (this.components[c * d + j] as number) * ((row[j] as number) - (this.mean ? (this.mean[j] as number) : 0));
      projection[c] = s;
    }
    return { projection };
  }

  private checkWidth(cols: number): void {
    if (cols !== this.featureDim) throw new MlInputError(`PCA model expects ${this.featureDim} features per row; got ${cols}.`, { column: cols });
  }

  toJSON(): PcaModelJson {
    return {
      format: 'loam.pca',
      version: 1,
      featureDim: this.featureDim,
      numComponents: this.numComponents,
      mean: this.mean ? Array.from(this.mean) : null,
      components: Array.from(this.components),
      singularValues: Array.from(this.singularValues),
      explainedVariance: Array.from(this.explainedVariance),
    };
  }

  /** Restores a model from {@link toJSON}'s output. */
  static fromJSON(json: unknown): PcaModel {
    const j = json as Partial<PcaModelJson>;
    if (j?.format !== 'loam.pca') throw new MlInputError(`Not a Loam PCA model (format '${String(j?.format)}').`, { field: 'format' });
    if (j.version !== 1) throw new MlInputError(`Unsupported PCA model version ${String(j.version)}; this build reads version 1.`, { field: 'version' });
    const d = j.featureDim ?? 0;
    const k = j.numComponents ?? 0;
    if (!Array.isArray(j.components) || j.components.length !== k * d || (j.mean && j.mean.length !== d)) {
      throw new MlInputError(`PCA model has ${j.components?.length} component values; expected ${k * d}.`, { field: 'components' });
    }
    return new PcaModel(d, k, j.mean ? Float64Array.from(j.mean) : null, Float64Array.from(j.components),
      Float64Array.from(j.singularValues ?? []), Float64Array.from(j.explainedVariance ?? []));
  }
}
