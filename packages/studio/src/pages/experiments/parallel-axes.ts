/** One vertical axis of a parallel-coordinates plot: numeric (linear) or categorical (evenly spaced). */
export interface Axis {
  readonly label: string;
  readonly kind: 'number' | 'category';
  readonly min: number;
  readonly max: number;
  readonly categories: readonly string[];
  /** 0 (bottom) … 1 (top) for a value, or undefined when the run has none. */
  position(v: string | number | undefined): number | undefined;
  ticks(): { readonly at: number; readonly text: string }[];
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(3));

/** An axis over the values runs have: numeric when every value parses as a number, else categories. */
export function axisOf(label: string, values: readonly (string | number | undefined)[]): Axis {
  const present = values.filter((v): v is string | number => v !== undefined && v !== '');
  const nums = present.map((v) => (typeof v === 'number' ? v : Number(v)));
  if (present.length > 0 && nums.every((n) => Number.isFinite(n))) {
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    const span = max - min || 1;
    return {
      label, kind: 'number', min, max, categories: [],
      position: (v) => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? undefined : max === min ? 0.5 : (Number(v) - min) / span),
      ticks: () => (max === min ? [{ at: 0.5, text: fmt(min) }] : [{ at: 0, text: fmt(min) }, { at: 0.5, text: fmt((min + max) / 2) }, { at: 1, text: fmt(max) }]),
    };
  }
  const categories = [...new Set(present.map(String))].sort();
  const at = (i: number) => (categories.length === 1 ? 0.5 : i / (categories.length - 1));
  return {
    label, kind: 'category', min: 0, max: categories.length - 1, categories,
    position: (v) => {
      const i = v === undefined ? -1 : categories.indexOf(String(v));
      return i < 0 ? undefined : at(i);
    },
    ticks: () => categories.map((c, i) => ({ at: at(i), text: c })),
  };
}
