/** Epoch seconds as a local date and time a person reads (`25 Nov 2026, 14:03`). */
export function formatTime(epochSeconds: number, locale?: string): string {
  return new Date(epochSeconds * 1000).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/** How long ago, coarsely: `just now`, `5 min ago`, `3 h ago`, `2 days ago`. */
export function timeAgo(epochSeconds: number, nowMs: number = Date.now()): string {
  const delta = Math.round(nowMs / 1000 - epochSeconds);
  const s = Math.abs(delta);
  if (s < 45) return 'just now';
  const amount = s < 3600 ? `${Math.round(s / 60)} min` : s < 86400 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} day${Math.round(s / 86400) === 1 ? '' : 's'}`;
  // Expiry dates are in the future: "in 30 days", not "just now".
  return delta < 0 ? `in ${amount}` : `${amount} ago`;
}

export type StatusTone = 'good' | 'busy' | 'bad' | 'idle' | 'neutral';

const tones: ReadonlyArray<readonly [RegExp, StatusTone]> = [
  [/^(Active|InService|Completed|Succeeded|Ready|Available|ok|Enabled|Approved)$/i, 'good'],
  [/^(Failed|Error|Unavailable|Rejected|Degraded)$/i, 'bad'],
  [/(ing|Pending|InProgress)$/i, 'busy'],
  [/^(Inactive|Stopped|Disabled|Deleted|OutOfService)$/i, 'idle'],
];

/** The tone of a status word, so every list colours the same status the same way. */
export function statusTone(status: string): StatusTone {
  for (const [re, tone] of tones) if (re.test(status)) return tone;
  return 'neutral';
}

/** A value from an output as table text. */
export function formatCell(v: unknown): string {
  if (v === undefined || v === null) return '—';
  if (Array.isArray(v)) return v.length === 0 ? '—' : v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * A measured or searched number as a person reads it: `digits` significant digits (0.160477797958 →
 * 0.16048), whole numbers as they are, numbers past 10^digits rounded to a whole number, and very small or
 * very large ones in exponent form (1.2346e-7). Show the full value beside it (a title) where it matters.
 */
export function formatNumber(v: number, digits = 5): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e15) return String(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e15)) return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  if (a >= 10 ** digits) return String(Math.round(v));
  return String(Number(v.toPrecision(digits)));
}

const numeric = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** A value that may be a number written as text (a hyperparameter) shortened like `formatNumber`; other text unchanged. */
export function formatNumeric(v: string | number, digits = 5): string {
  if (typeof v === 'number') return formatNumber(v, digits);
  const t = v.trim();
  return numeric.test(t) ? formatNumber(Number(t), digits) : v;
}
