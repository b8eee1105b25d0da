/*
 * MLflow speaks protobuf's JSON mapping: doubles that are NaN or infinite travel as the strings
 * "NaN", "Infinity", "-Infinity"; int64 fields as numbers (or numeric strings on input). Some
 * clients also send bare NaN/Infinity tokens, which JSON.parse refuses; those are read too.
 */

const BARE = /"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g;

/** JSON.parse that also accepts bare NaN, Infinity and -Infinity (as protobuf's strings). */
export function parseMlflowJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    const fixed = text.replace(BARE, (m: string, bare: string | undefined) => (bare ? `"${bare}"` : m));
    if (fixed === text) throw e;
    return JSON.parse(fixed);
  }
}

/** JSON.stringify that writes non-finite numbers as protobuf does. */
export function stringifyMlflowJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v));
}
