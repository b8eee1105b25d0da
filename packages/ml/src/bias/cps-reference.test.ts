import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPython } from '../data/python-reference.js';
import { type BiasAnalysisConfig, type Table, biasReport } from './index.js';

// The 1985 CPS wages sample (534 workers, datasets/fairness/), analysed for gender, race and age
// facets, and checked against an independent numpy implementation of every formula.
const csv = readFileSync(fileURLToPath(new URL('../../../../datasets/fairness/cps-wages-1985.csv', import.meta.url)), 'utf8');
const [header, ...lines] = csv.trim().split('\n');
const names = header!.split(',');
const rows = lines.map((l) => l.split(','));
const table: Record<string, (string | number)[]> = {};
names.forEach((name, j) => {
  table[name] = rows.map((r) => (['gender', 'race', 'occupation', 'sector'].includes(name) ? r[j]! : Number(r[j])));
});
// A fixed scoring rule stands in for a model: what matters is that both implementations see the same predictions.
table['score'] = rows.map((_, i) => {
  const ed = table['education']![i] as number;
  const ex = table['experience']![i] as number;
  const un = table['union']![i] as number;
  return 1 / (1 + Math.exp(-(0.45 * (ed - 12) + 0.04 * (ex - 15) + 0.6 * un - 0.3)));
});
const features = ['education', 'experience', 'age', 'union', 'south', 'married'];

const REFERENCE = String.raw`
import json, sys
import numpy as np
inp = json.load(sys.stdin)
cols = {k: np.array(v) for k, v in inp['table'].items()}
y = (cols['wage'].astype(float) > inp['label_threshold']).astype(int)
yh = (cols['score'].astype(float) > inp['probability_threshold']).astype(int)
grp = cols['occupation']
X = np.column_stack([cols[f].astype(float) for f in inp['features']])

def kl(p, q):
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])))

def cdd(d, out):
    total = 0.0
    for g in np.unique(grp):
        m = grp == g
        rej, acc = m & (out == 0), m & (out == 1)
        a = (d & rej).sum() / rej.sum() if rej.sum() else 0.0
        b = (d & acc).sum() / acc.sum() if acc.sum() else 0.0
        total += m.sum() * (a - b)
    return total / len(out)

def flip(d, k):
    A, D = np.where(~d)[0], np.where(d)[0]
    fp = fm = 0
    for i in D:
        dist = ((X[A] - X[i]) ** 2).sum(axis=1)
        nn = A[np.argsort(dist, kind='stable')[:k]]
        cf = 1 if yh[nn].sum() * 2 > k else 0
        fp += int(yh[i] == 0 and cf == 1); fm += int(yh[i] == 1 and cf == 0)
    return (fp - fm) / len(D)

def metrics(d):
    a = ~d
    na, nd = a.sum(), d.sum()
    qa, qd = y[a].mean(), y[d].mean()
    Pa, Pd = np.array([1 - qa, qa]), np.array([1 - qd, qd]); P = (Pa + Pd) / 2
    def cm(m):
        return ((y == 1) & (yh == 1) & m).sum(), ((y == 0) & (yh == 1) & m).sum(), ((y == 0) & (yh == 0) & m).sum(), ((y == 1) & (yh == 0) & m).sum()
    tpa, fpa, tna, fna = cm(a); tpd, fpd, tnd, fnd = cm(d)
    b = yh - y + 1.0; mu = b.mean()
    return {
      'CI': (na - nd) / (na + nd), 'DPL': qa - qd, 'KL': kl(Pa, Pd), 'JS': 0.5 * (kl(Pa, P) + kl(Pd, P)),
      'LP': float(np.sqrt(((Pa - Pd) ** 2).sum())), 'TVD': 0.5 * np.abs(Pa - Pd).sum(), 'KS': np.abs(Pa - Pd).max(),
      'CDDL': cdd(d, y),
      'DPPL': yh[a].mean() - yh[d].mean(), 'DI': yh[d].mean() / yh[a].mean(),
      'DCA': y[a].sum() / yh[a].sum() - y[d].sum() / yh[d].sum(),
      'DCR': (nd - y[d].sum()) / (nd - yh[d].sum()) - (na - y[a].sum()) / (na - yh[a].sum()),
      'SD': tnd / (tnd + fpd) - tna / (tna + fpa), 'RD': tpa / (tpa + fna) - tpd / (tpd + fnd),
      'DAR': tpa / (tpa + fpa) - tpd / (tpd + fpd), 'DRR': tnd / (tnd + fnd) - tna / (tna + fna),
      'AD': (tpa + tna) / na - (tpd + tnd) / nd, 'TE': fnd / fpd - fna / fpa,
      'CDDPL': cdd(d, yh), 'FT': flip(d, 5), 'GE': float(((b / mu) ** 2 - 1).sum() / (len(b) * 2)),
    }

out = {}
for name, spec in inp['facets']:
    col = cols[name]
    d = (col.astype(float) > spec) if isinstance(spec, (int, float)) else np.isin(col.astype(str), [str(s) for s in spec])
    out[name + ':' + str(spec)] = {k: float(v) for k, v in metrics(d).items()}
print(json.dumps(out))
`;

describe('bias metrics on the 1985 CPS wages data vs numpy', () => {
  const facets: [string, number | string[]][] = [
    ['gender', ['female']],
    ['race', ['hispanic', 'other']],
    ['age', 40],
  ];
  const config: BiasAnalysisConfig = {
    label: 'wage',
    labelValuesOrThreshold: { threshold: 7.78 },
    facets: facets.map(([name, spec]) => ({ name, valueOrThreshold: typeof spec === 'number' ? { threshold: spec } : { values: spec } })),
    predictedLabel: 'score',
    probabilityThreshold: 0.5,
    groupVariable: 'occupation',
    features,
    preTrainingMethods: 'all',
    postTrainingMethods: 'all',
  };

  it('matches every pre- and post-training metric for every facet', () => {
    const ref = runPython<Record<string, Record<string, number>>>(REFERENCE, {
      table,
      features,
      facets,
      label_threshold: 7.78,
      probability_threshold: 0.5,
    });
    const report = biasReport(table as Table, config);
    expect(table['wage']!.length).toBe(534);
    let checked = 0;
    facets.forEach(([name, spec], f) => {
      const expected = ref[`${name}:${typeof spec === 'number' ? spec : `['${spec.join("', '")}']`}`]!;
      expect(expected, `reference for facet ${name}`).toBeDefined();
      const pre = report.pre_training_bias_metrics!.facets[name]![0]!.metrics;
      const post = report.post_training_bias_metrics!.facets[name]![0]!.metrics;
      expect(report.pre_training_bias_metrics!.facets[name]!.length).toBe(1);
      for (const m of [...pre, ...post]) {
        expect(m.value, `${m.name} for ${name} (facet ${f})`).not.toBeNull();
        expect(m.value!, `${m.name} for ${name}`).toBeCloseTo(expected[m.name]!, 10);
        checked++;
      }
    });
    expect(checked).toBe(3 * 21);
  });
});
