import { MlInputError } from '../errors.js';

/** The base units SageMaker's DeepAR accepts for `time_freq`. */
export type FreqUnit = 'M' | 'W' | 'D' | 'H' | 'min';

/** A parsed `time_freq`: a unit and a multiple (`5min` → { unit: 'min', multiple: 5 }). */
export interface TimeFreq {
  readonly unit: FreqUnit;
  readonly multiple: number;
  readonly text: string;
}

/** Parses `M`, `W`, `D`, `H`, `min` and their multiples (`2H`, `5min`); anything else names the hyperparameter. */
export function parseTimeFreq(text: string): TimeFreq {
  const m = /^\s*(\d*)\s*(M|W|D|H|min)\s*$/.exec(text);
  const multiple = m ? (m[1] ? Number(m[1]) : 1) : NaN;
  if (!m || !Number.isInteger(multiple) || multiple < 1) {
    throw new MlInputError(
      `Hyperparameter 'time_freq' must be one of M, W, D, H, min, optionally preceded by a multiple (e.g. 5min); got '${text}'.`,
      { hyperparameter: 'time_freq' },
    );
  }
  return { unit: m[2] as FreqUnit, multiple, text: text.trim() };
}

const pyFloorDiv = (a: number, b: number): number => Math.floor(a / b);
const around = (middle: number, delta: number): number[] => {
  const out: number[] = [];
  for (let v = middle - delta; v <= middle + delta; v++) out.push(v);
  return out;
};
const minuteLags = (m: number): number[][] => [1, 2, 3].map((k) => around(pyFloorDiv(k * 60, m), 2));
const hourLags = (m: number): number[][] => [1, 2, 3, 4, 5, 6, 7].map((k) => around(pyFloorDiv(k * 24, m), 1));
const dayLags = (m: number): number[][] => [...[1, 2, 3, 4].map((k) => around(pyFloorDiv(k * 7, m), 1)), around(pyFloorDiv(30, m), 1)];
const weekLags = (m: number): number[][] => [
  ...[1, 2, 3].map((k) => around(pyFloorDiv(k * 52, m), 1)),
  [pyFloorDiv(4, m), pyFloorDiv(8, m), pyFloorDiv(12, m)],
];
const monthLags = (m: number): number[][] => [1, 2, 3].map((k) => around(pyFloorDiv(k * 12, m), 1));

/**
 * The lagged targets fed to the network, chosen from the frequency exactly as GluonTS's
 * `get_lags_for_frequency` does: lags 1–7 plus the same season (±1 or ±2) in the previous few cycles.
 */
export function lagsForFrequency(freq: TimeFreq, lagUpperBound = 1200): number[] {
  const n = freq.multiple;
  let groups: number[][];
  switch (freq.unit) {
    case 'M':
      groups = monthLags(n);
      break;
    case 'W':
      groups = weekLags(n);
      break;
    case 'D':
      groups = [...dayLags(n), ...weekLags(n / 7)];
      break;
    case 'H':
      groups = [...hourLags(n), ...dayLags(n / 24), ...weekLags(n / (24 * 7))];
      break;
    case 'min':
      groups = [...minuteLags(n), ...hourLags(n / 60), ...dayLags(n / (60 * 24)), ...weekLags(n / (60 * 24 * 7))];
      break;
  }
  const extra = new Set<number>();
  for (const g of groups) for (const lag of g) if (lag > 7 && lag <= lagUpperBound) extra.add(Math.trunc(lag));
  return [1, 2, 3, 4, 5, 6, 7, ...[...extra].sort((a, b) => a - b)];
}

/** How many calendar features GluonTS derives for the unit (month-of-year for M, and so on). */
export function timeFeatureCount(freq: TimeFreq): number {
  return { M: 1, W: 2, D: 3, H: 4, min: 5 }[freq.unit];
}

const START_RE = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*$/;

/**
 * Parses a record's `start` (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`) to epoch milliseconds (UTC), or
 * returns `undefined` when it is not a real calendar time.
 */
export function parseStart(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = START_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1) return undefined;
  return ms;
}

/** The timestamp of the `k`-th period after `startMs`. */
export function periodTime(startMs: number, freq: TimeFreq, k: number): number {
  const n = freq.multiple * k;
  switch (freq.unit) {
    case 'M': {
      const d = new Date(startMs);
      const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + n;
      const year = Math.floor(total / 12);
      const month = total - year * 12;
      const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
      return Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
    }
    case 'W':
      return startMs + n * 7 * 86_400_000;
    case 'D':
      return startMs + n * 86_400_000;
    case 'H':
      return startMs + n * 3_600_000;
    case 'min':
      return startMs + n * 60_000;
  }
}

/** `YYYY-MM-DD HH:MM:SS`, the form DeepAR's records use. */
export function formatStart(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Writes GluonTS's calendar features for one timestamp into `out[off…]`, each scaled to [-0.5, 0.5]:
 * M → month-of-year; W → day-of-month, week-of-year; D → day-of-week, day-of-month, day-of-year;
 * H adds hour-of-day in front; min adds minute-of-hour in front of H's.
 */
export function writeTimeFeatures(freq: TimeFreq, ms: number, out: Float64Array, off: number): void {
  const d = new Date(ms);
  const dow = (d.getUTCDay() + 6) % 7; // Monday = 0, as pandas
  const dom = d.getUTCDate() - 1;
  const doy = Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000);
  const calendar = [dow / 6 - 0.5, dom / 30 - 0.5, doy / 365 - 0.5];
  let f: number[];
  switch (freq.unit) {
    case 'M':
      f = [d.getUTCMonth() / 11 - 0.5];
      break;
    case 'W':
      f = [dom / 30 - 0.5, (isoWeek(d) - 1) / 52 - 0.5];
      break;
    case 'D':
      f = calendar;
      break;
    case 'H':
      f = [d.getUTCHours() / 23 - 0.5, ...calendar];
      break;
    case 'min':
      f = [d.getUTCMinutes() / 59 - 0.5, d.getUTCHours() / 23 - 0.5, ...calendar];
      break;
  }
  for (let i = 0; i < f.length; i++) out[off + i] = f[i] as number;
}

function isoWeek(d: Date): number {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = (t.getUTCDay() + 6) % 7;
  t.setUTCDate(t.getUTCDate() - day + 3);
  const firstThursday = new Date(Date.UTC(t.getUTCFullYear(), 0, 4));
  return 1 + Math.round(((t.getTime() - firstThursday.getTime()) / 86_400_000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7);
}
