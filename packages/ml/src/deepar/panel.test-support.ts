import { Rng } from './rng.js';

/** Three related monthly series (levels 10, 30, 60) with a shared yearly cycle and unit noise, `cat` = index. */
export function monthlyPanel(length: number, seed = 7): { start: string; target: number[]; cat: number[] }[] {
  const rng = new Rng(seed);
  return [10, 30, 60].map((level, i) => ({
    start: '2016-01-01 00:00:00',
    target: Array.from({ length }, (_, t) => level * (1 + 0.2 * Math.sin((2 * Math.PI * t) / 12)) + rng.normal()),
    cat: [i],
  }));
}
