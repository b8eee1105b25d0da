import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinImages } from './builtin-algorithms.js';
import { builtinContext, type BuiltinContext } from './channel-data.js';
import { writeAll } from './xgboost-checkpoints.js';

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

async function runXgboost(root: string, checkpointDir: string | undefined, host = 'algo-1') {
  const log: string[] = [];
  const metrics: { name: string; value: number }[] = [];
  const ctx: BuiltinContext = { ...builtinContext(root, host, undefined, checkpointDir), log: (l) => log.push(l), metric: (name, value) => metrics.push({ name, value }) };
  await builtinImages['xgboost']!(ctx);
  return { log, metrics, model: readFileSync(join(root, 'model', 'xgboost-model'), 'utf8') };
}

const files = (dir: string) => readdirSync(dir).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
const ckpt = (...rounds: number[]) => rounds.map((r) => `xgboost-checkpoint.${r}`);

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

  it('passes over any number of bad newest files, and a file whose rounds are not its name', async () => {
    const whole = await runXgboost(contract(9).root, undefined);
    const first = contract(6);
    await runXgboost(first.root, first.dir);
    const second = contract(9, first.dir);
    for (const r of [20, 21, 22, 23, 24, 25]) writeFileSync(join(second.dir, `xgboost-checkpoint.${r}`), '{"truncated": ');
    // Round 5's content under round 30's name: not counted as round 30.
    writeFileSync(join(second.dir, 'xgboost-checkpoint.30'), readFileSync(join(second.dir, 'xgboost-checkpoint.5')));
    const { log, model } = await runXgboost(second.root, second.dir);
    expect(log[0]).toBe('Wrong checkpoint model format xgboost-checkpoint.30: it holds 6 rounds');
    expect(log.slice(1, 7)).toEqual([25, 24, 23, 22, 21, 20].map((r) => expect.stringMatching(new RegExp(`^Wrong checkpoint model format xgboost-checkpoint\\.${r}: `))));
    expect(log.slice(7, 9)).toEqual([`Checkpoint loaded from ${join(second.dir, 'xgboost-checkpoint.5')}`, 'Resuming from iteration 6']);
    expect(model).toBe(whole.model);
  });

  it('ignores a directory named like a checkpoint (no resume from it, no save over it) and names with leading zeros', async () => {
    const whole = await runXgboost(contract(10).root, undefined);
    const first = contract(5);
    await runXgboost(first.root, first.dir);
    const second = contract(10, first.dir);
    mkdirSync(join(second.dir, 'xgboost-checkpoint.7'));
    writeFileSync(join(second.dir, 'xgboost-checkpoint.7', 'x'), 'not a checkpoint');
    // Round 4's content under a name with leading zeros: this image never writes such a name.
    writeFileSync(join(second.dir, 'xgboost-checkpoint.0009'), readFileSync(join(second.dir, 'xgboost-checkpoint.4')));
    const { log, model } = await runXgboost(second.root, second.dir);
    expect(log.slice(0, 4).sort()).toEqual([
      `Checkpoint loaded from ${join(second.dir, 'xgboost-checkpoint.4')}`,
      'Ignoring xgboost-checkpoint.0009: not a checkpoint name this image writes (xgboost-checkpoint.<round>, no leading zeros).',
      'Ignoring xgboost-checkpoint.7: not a regular file.',
      'Resuming from iteration 5',
    ].sort());
    expect(log).toContain('Not saving xgboost-checkpoint.7: the checkpoint directory holds something by that name that is not a file.');
    expect(model).toBe(whole.model);
    expect(readFileSync(join(second.dir, 'xgboost-checkpoint.7', 'x'), 'utf8')).toBe('not a checkpoint');
    expect(files(second.dir).filter((f) => /^xgboost-checkpoint\.[1-9]?[0-9]$/.test(f))).toEqual(ckpt(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
  });

  it('saves only on the first of the sorted hosts (SageMaker: rank 0); every host resumes', async () => {
    const first = contract(4);
    await runXgboost(first.root, first.dir);
    for (const host of ['algo-1', 'algo-2']) {
      const c = contract(6, first.dir);
      writeFileSync(join(c.root, 'input/config/resourceconfig.json'), JSON.stringify({ current_host: host, hosts: ['algo-2', 'algo-1'] }));
      const { log } = await runXgboost(c.root, c.dir, host);
      expect(log[1]).toBe('Resuming from iteration 4');
      expect(files(c.dir)).toEqual(host === 'algo-1' ? ckpt(0, 1, 2, 3, 4, 5) : ckpt(0, 1, 2, 3));
    }
  });

  it('publishes the final metrics of a resume that adds no round (a tuning objective)', async () => {
    const first = contract(6);
    const done = await runXgboost(first.root, first.dir);
    const second = contract(4, first.dir);
    const { log, metrics, model } = await runXgboost(second.root, second.dir);
    expect(log).toContain('The checkpoint already has 6 rounds, more than num_round=4: the model keeps 6 (as SageMaker\'s XGBoost does).');
    expect(model).toBe(done.model);
    // The first job's last round line (5 decimals) and the resumed model's own evaluation of the same margins.
    expect(metrics.map((m) => m.name)).toEqual(['train:logloss']);
    expect(metrics[0]!.value).toBeCloseTo(done.metrics.at(-1)!.value, 5);
  });

  it('refuses a checkpoint trained on other data, naming what differs (ClientError)', async () => {
    const first = contract(4);
    await runXgboost(first.root, first.dir);
    const second = contract(8, first.dir);
    writeFileSync(join(second.root, 'input/data/train/a.csv'), csv.split('\n').slice(0, 150).join('\n'));
    await expect(runXgboost(second.root, second.dir)).rejects.toThrow(/training rows 200 in the checkpoint, 150 in this job.*Use a new CheckpointConfig S3Uri/);
  });
});

describe('writeAll', () => {
  it('writes thousands of buffers in order with batched writev', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loam-writeall-'));
    roots.push(dir);
    const chunks = Array.from({ length: 3000 }, (_, i) => new TextEncoder().encode(i % 7 === 0 ? '' : `${i},`));
    const fd = openSync(join(dir, 'f'), 'w');
    writeAll(fd, chunks);
    closeSync(fd);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe(chunks.map((c) => new TextDecoder().decode(c)).join(''));
  });
});
