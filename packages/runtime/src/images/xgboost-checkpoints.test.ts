import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinImages } from './builtin-algorithms.js';
import { builtinContext, type BuiltinContext } from './channel-data.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

const csv = Array.from({ length: 200 }, (_, i) => {
  const a = ((i * 37) % 101) / 100;
  const b = ((i * 53) % 97) / 96;
  return `${a + b > 1 ? 1 : 0},${a},${b},${(i % 7) / 7}`;
}).join('\n');

/** A job's /opt/ml with a train channel; `checkpoints` copies another job's checkpoint files in (the runner's restore). */
function contract(numRound: number, checkpoints?: string): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'loam-xgb-ckpt-'));
  roots.push(root);
  for (const d of ['input/config', 'input/data/train', 'model', 'checkpoints']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'input/config/hyperparameters.json'), JSON.stringify({ num_round: String(numRound), objective: 'binary:logistic', max_depth: '3', subsample: '0.8' }));
  writeFileSync(join(root, 'input/config/inputdataconfig.json'), JSON.stringify({ train: { ContentType: 'text/csv' } }));
  writeFileSync(join(root, 'input/data/train/a.csv'), csv);
  const dir = join(root, 'checkpoints');
  if (checkpoints) for (const f of readdirSync(checkpoints)) writeFileSync(join(dir, f), readFileSync(join(checkpoints, f)));
  return { root, dir };
}

async function runXgboost(root: string, checkpointDir: string | undefined) {
  const log: string[] = [];
  const ctx: BuiltinContext = { ...builtinContext(root, 'algo-1', undefined, checkpointDir), log: (l) => log.push(l) };
  await builtinImages['xgboost']!(ctx);
  return { log, model: readFileSync(join(root, 'model', 'xgboost-model'), 'utf8') };
}

const files = (dir: string) => readdirSync(dir).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));

describe("built-in XGBoost's checkpoint files (SageMaker's xgboost-checkpoint.<round>)", () => {
  it('saves one per round and keeps the 5 newest, with no temporary file left', async () => {
    const { root, dir } = contract(8);
    const { model } = await runXgboost(root, dir);
    expect(files(dir)).toEqual([3, 4, 5, 6, 7].map((r) => `xgboost-checkpoint.${r}`));
    // The last checkpoint holds the final model's trees.
    expect(JSON.parse(readFileSync(join(dir, 'xgboost-checkpoint.7'), 'utf8')).trees).toEqual(JSON.parse(model).trees);
  });

  it('resumes from the newest restored checkpoint, never deletes restored files, and ends with the uninterrupted model', async () => {
    const whole = await runXgboost(contract(12).root, undefined);
    const first = contract(5);
    await runXgboost(first.root, first.dir);
    const second = contract(12, first.dir);
    const { log, model } = await runXgboost(second.root, second.dir);
    expect(log.slice(0, 3)).toEqual([`Checkpoint loaded from ${join(second.dir, 'xgboost-checkpoint.4')}`, 'Resuming from iteration 5', expect.stringMatching(/^\[5\]\ttrain-logloss:/)]);
    expect(model).toBe(whole.model);
    // 0 … 4 were there when training started; of the new ones 5 and 6 fall out of the newest five.
    expect(files(second.dir)).toEqual([0, 1, 2, 3, 4, 7, 8, 9, 10, 11].map((r) => `xgboost-checkpoint.${r}`));
  });

  it('skips a newest checkpoint that does not load and resumes from the next one', async () => {
    const whole = await runXgboost(contract(9).root, undefined);
    const first = contract(6);
    await runXgboost(first.root, first.dir);
    const second = contract(9, first.dir);
    writeFileSync(join(second.dir, 'xgboost-checkpoint.20'), '{"truncated": ');
    const { log, model } = await runXgboost(second.root, second.dir);
    expect(log[0]).toMatch(/^Wrong checkpoint model format xgboost-checkpoint\.20: /);
    expect(log.slice(1, 3)).toEqual([`Checkpoint loaded from ${join(second.dir, 'xgboost-checkpoint.5')}`, 'Resuming from iteration 6']);
    expect(model).toBe(whole.model);
  });

  it('without a CheckpointConfig neither resumes nor writes checkpoints', async () => {
    const first = contract(4);
    await runXgboost(first.root, first.dir);
    const second = contract(6, first.dir);
    const before = files(second.dir);
    const { log } = await runXgboost(second.root, undefined);
    expect(log[0]).toMatch(/^\[0\]\t/);
    expect(files(second.dir)).toEqual(before);
    expect(existsSync(join(second.dir, 'xgboost-checkpoint.5'))).toBe(false);
  });
});
