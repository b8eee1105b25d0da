import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlInputError } from '@loam/ml/errors';
import { builtinContext } from './channel-data.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function contract(csv: string): string {
  const root = mkdtempSync(join(tmpdir(), 'loam-channel-'));
  roots.push(root);
  mkdirSync(join(root, 'input', 'config'), { recursive: true });
  mkdirSync(join(root, 'input', 'data', 'train'), { recursive: true });
  writeFileSync(join(root, 'input', 'config', 'hyperparameters.json'), '{}');
  writeFileSync(join(root, 'input', 'config', 'inputdataconfig.json'), JSON.stringify({ train: { ContentType: 'text/csv' } }));
  writeFileSync(join(root, 'input', 'data', 'train', 'a.csv'), csv);
  return root;
}

describe('built-in channels with csv_weights', () => {
  it('take the column after the label as weights and the rest as features', () => {
    const d = builtinContext(contract('1,0.5,10,20\n0,2,30,40\n'), 'algo-1', undefined).read('train', 'libsvm', { csvWeights: true });
    expect([Array.from(d.y), Array.from(d.weights ?? []), d.x.cols, Array.from(d.x.data)]).toEqual([[1, 0], [0.5, 2], 2, [10, 30, 20, 40]]);
  });

  it('refuse a channel with no feature left after the weight column, naming the channel and hyperparameter', () => {
    const read = () => builtinContext(contract('1,0.5\n0,2\n'), 'algo-1', undefined).read('train', 'libsvm', { csvWeights: true });
    expect(read).toThrow(MlInputError);
    expect(read).toThrow("Channel 'train' has 1 column after the label; csv_weights=1 needs a weight column and at least one feature.");
  });
});
