import { describe, expect, it } from 'vitest';
import { gemmNN, gemmNT, gemmTN, transpose } from './network.js';
import { Rng } from './rng.js';

// The blocked kernels against plain triple loops, on sizes that leave remainders in every blocked loop.
const rng = new Rng(11);
const rand = (n: number): Float64Array => new Float64Array(n).map(() => rng.normal());

describe('DeepAR dense kernels', () => {
  for (const [M, N, K] of [[1, 1, 1], [3, 5, 7], [4, 8, 6], [7, 13, 3], [9, 10, 5], [8, 4, 11]] as const) {
    it(`gemmNT, gemmNN, gemmTN and transpose match the definitions (${M}×${N}×${K})`, () => {
      const A = rand(M * K);
      const W = rand(N * K);
      const bias = rand(N);
      const C0 = rand(M * N);
      const C = C0.slice();
      gemmNT(M, N, K, A, 0, K, W, 0, bias, 0, C, 0, N, true);
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          let s = (C0[m * N + n] as number) + (bias[n] as number);
          for (let k = 0; k < K; k++) s += (A[m * K + k] as number) * (W[n * K + k] as number);
          expect(C[m * N + n]).toBeCloseTo(s, 10);
        }
      }
      // C[m, k] += Σ_n D[m, n]·W[n, k] over columns [1, K)
      const D = rand(M * N);
      const X = rand(M * K);
      const out = X.slice();
      gemmNN(M, N, K, 1, K, D, 0, N, W, 0, out, 0, K);
      for (let m = 0; m < M; m++) {
        expect(out[m * K]).toBe(X[m * K]);
        for (let k = 1; k < K; k++) {
          let s = X[m * K + k] as number;
          for (let n = 0; n < N; n++) s += (D[m * N + n] as number) * (W[n * K + k] as number);
          expect(out[m * K + k]).toBeCloseTo(s, 10);
        }
      }
      // G[n, k] += Σ_m D[m, n]·X[m, k], gb[n] += Σ_m D[m, n]
      const G = new Float64Array(N * K);
      const gb = new Float64Array(N);
      gemmTN(M, N, K, D, 0, X, 0, G, 0, gb, 0);
      for (let n = 0; n < N; n++) {
        let sb = 0;
        for (let m = 0; m < M; m++) sb += D[m * N + n] as number;
        expect(gb[n]).toBeCloseTo(sb, 10);
        for (let k = 0; k < K; k++) {
          let s = 0;
          for (let m = 0; m < M; m++) s += (D[m * N + n] as number) * (X[m * K + k] as number);
          expect(G[n * K + k]).toBeCloseTo(s, 10);
        }
      }
      const T = new Float64Array(M * K);
      transpose(A, 0, M, K, T);
      for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) expect(T[k * M + m]).toBe(A[m * K + k]);
    });
  }
});
