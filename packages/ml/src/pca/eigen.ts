/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations. Slower than tridiagonal QR
 * for large orders but simple and accurate to working precision for every eigenvalue, which is what
 * the 1e-6 parity with LAPACK needs. `a` is row-major `n × n` and is destroyed.
 * Returns eigenvalues in descending order and the matching eigenvectors as rows of `vectors`.
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += (a[p * n + p] as number) ** 2;
      for (let q = p + 1; q < n; q++) off += (a[p * n + q] as number) ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] as number;
        if (apq === 0) continue;
        const app = a[p * n + p] as number;
        const aqq = a[q * n + q] as number;
        // Rotation angle that zeroes a[p][q] (Golub & Van Loan, sym.schur2).
        const tau = (aqq - app) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p] as number;
          const akq = a[k * n + q] as number;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k] as number;
          const aqk = a[q * n + k] as number;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (a[j * n + j] as number) - (a[i * n + i] as number));
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((col, r) => {
    values[r] = a[col * n + col] as number;
    for (let k = 0; k < n; k++) vectors[r * n + k] = v[k * n + col] as number;
  });
  return { values, vectors };
}

/** Flips each row's sign so its largest-magnitude entry is positive: a deterministic sign for components. */
export function fixSigns(rows: Float64Array, count: number, width: number): void {
  for (let r = 0; r < count; r++) {
    let best = 0;
    for (let k = 1; k < width; k++) if (Math.abs(rows[r * width + k] as number) > Math.abs(rows[r * width + best] as number)) best = k;
    if ((rows[r * width + best] as number) < 0) for (let k = 0; k < width; k++) rows[r * width + k] = -(rows[r * width + k] as number);
  }
}
