import { MlInputError } from '../errors.js';
import type { DenseMatrix } from '../data/matrix.js';

/** One prediction as SageMaker's k-means returns it. */
export interface KMeansPrediction {
  readonly closest_cluster: number;
  /** Euclidean distance to that cluster's centre. */
  readonly distance_to_cluster: number;
}

/** The versioned JSON form of a k-means model. */
export interface KMeansModelJson {
  readonly format: 'loam.kmeans';
  readonly version: 1;
  readonly k: number;
  readonly featureDim: number;
  /** Row-major `k × featureDim`. */
  readonly centers: number[];
}

/** Cluster centres and nearest-centre assignment. */
export class KMeansModel {
  constructor(
    readonly k: number,
    readonly featureDim: number,
    readonly centers: Float64Array,
  ) {}

  /** Index of the nearest centre and the squared distance to it, for every row (column-major input). */
  assign(x: DenseMatrix): { cluster: Uint32Array; sqDistance: Float64Array } {
    this.checkWidth(x.cols);
    const n = x.rows;
    const d = this.featureDim;
    const cluster = new Uint32Array(n);
    const best = new Float64Array(n).fill(Infinity);
    const acc = new Float64Array(n);
    for (let c = 0; c < this.k; c++) {
      acc.fill(0);
      for (let j = 0; j < d; j++) {
        const mu = this.centers[c * d + j] as number;
        const off = j * n;
        for (let i = 0; i < n; i++) {
          const t = (x.data[off + i] as number) - mu;
          acc[i] = (acc[i] as number) + t * t;
        }
      }
      for (let i = 0; i < n; i++) {
        if ((acc[i] as number) < (best[i] as number)) {
          best[i] = acc[i] as number;
          cluster[i] = c;
        }
      }
    }
    return { cluster, sqDistance: best };
  }

  /** Predictions for every row, in SageMaker's response shape. */
  predict(x: DenseMatrix): KMeansPrediction[] {
    const { cluster, sqDistance } = this.assign(x);
    return Array.from(cluster, (c, i) => ({ closest_cluster: c, distance_to_cluster: Math.sqrt(sqDistance[i] as number) }));
  }

  /** One row's prediction, without building a matrix. */
  predictRow(row: ArrayLike<number>): KMeansPrediction {
    this.checkWidth(row.length);
    const d = this.featureDim;
    let best = 0;
    let bd = Infinity;
    for (let c = 0; c < this.k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = (row[j] as number) - (this.centers[c * d + j] as number);
        s += t * t;
      }
      if (s < bd) {
        bd = s;
        best = c;
      }
    }
    return { closest_cluster: best, distance_to_cluster: Math.sqrt(bd) };
  }

  private checkWidth(cols: number): void {
    if (cols !== this.featureDim) throw new MlInputError(`k-means model expects ${this.featureDim} features per row; got ${cols}.`, { column: cols });
  }

  toJSON(): KMeansModelJson {
    return { format: 'loam.kmeans', version: 1, k: this.k, featureDim: this.featureDim, centers: Array.from(this.centers) };
  }

  /** Restores a model from {@link toJSON}'s output. */
  static fromJSON(json: unknown): KMeansModel {
    const j = json as Partial<KMeansModelJson>;
    if (j?.format !== 'loam.kmeans') throw new MlInputError(`Not a Loam k-means model (format '${String(j?.format)}').`, { field: 'format' });
    if (j.version !== 1) throw new MlInputError(`Unsupported k-means model version ${String(j.version)}; this build reads version 1.`, { field: 'version' });
    const k = j.k ?? 0;
    const d = j.featureDim ?? 0;
    if (!Array.isArray(j.centers) || j.centers.length !== k * d) throw new MlInputError(`k-means model has ${j.centers?.length} centre values; expected ${k * d}.`, { field: 'centers' });
    return new KMeansModel(k, d, Float64Array.from(j.centers));
  }
}
