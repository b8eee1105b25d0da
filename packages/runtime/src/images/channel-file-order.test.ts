import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinContext } from './channel-data.js';
import { readDeepArChannel } from './deepar-image.js';

// Built-in algorithms read a channel's files in the order of their paths below the channel directory by
// UTF-8 bytes (the order S3 lists the keys in), never the file system's: rows come in the same order on
// every machine. The names below sort differently by UTF-16 code units (JavaScript's default sort: the
// emoji, a surrogate pair, before the full-width letter) and by bytes (F0… after EF…).
const byBytes = ['10.csv', '9.csv', 'A.csv', 'a-b.csv', 'a/b.csv', 'z.csv', '\uFF21.csv', '\u{1F600}.csv'];
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A contract whose `train` channel holds `names` (written in reverse order), file i holding `line(i)`. */
function contract(names: readonly string[], contentType: string, line: (i: number) => string): { root: string } {
  const root = mkdtempSync(join(tmpdir(), 'loam-channel-order-'));
  roots.push(root);
  mkdirSync(join(root, 'input', 'config'), { recursive: true });
  writeFileSync(join(root, 'input', 'config', 'hyperparameters.json'), '{}');
  writeFileSync(join(root, 'input', 'config', 'inputdataconfig.json'), JSON.stringify({ train: { ContentType: contentType } }));
  const dir = join(root, 'input', 'data', 'train');
  for (let i = names.length - 1; i >= 0; i--) {
    const file = join(dir, names[i] as string);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${line(i)}\n`);
  }
  return { root };
}

describe('a built-in algorithm reading a channel directory', () => {
  it('reads CSV rows file by file in the byte order of the files\' paths', () => {
    const { root } = contract(byBytes, 'text/csv', (i) => `${i},1`);
    const d = builtinContext(root, 'algo-1', undefined).read('train', 'csv');
    expect(Array.from(d.y)).toEqual(byBytes.map((_, i) => i));
  });

  it('reads libsvm rows in the same order', () => {
    const { root } = contract(byBytes, 'text/libsvm', (i) => `${i} 1:1`);
    expect(Array.from(builtinContext(root, 'algo-1', undefined).read('train', 'csv').y)).toEqual(byBytes.map((_, i) => i));
  });

  it('reads DeepAR\'s JSON Lines files in the same order', async () => {
    const names = byBytes.map((n) => n.replace(/\.csv$/, '.json'));
    const { root } = contract(names, 'application/jsonlines', (i) => JSON.stringify({ start: '2020-01-01', target: [i] }));
    const text = await readDeepArChannel(root, 'train');
    expect(typeof text === 'string' ? text.trim().split('\n').map((l) => (JSON.parse(l) as { target: number[] }).target[0]) : text).toEqual(byBytes.map((_, i) => i));
  });
});
