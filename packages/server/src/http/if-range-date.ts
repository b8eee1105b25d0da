/**
 * Whether an If-Range HTTP-date holds for a representation last modified at `modifiedMs` (RFC 9110 §13.1.5): only
 * when it is exactly its Last-Modified (to the second, in GMT's IMF-fixdate form) and that Last-Modified is a strong
 * validator (§8.8.2.2): not while the clock is still in that second, when the representation may change again under
 * the same date. Shared by Studio's files and S3 GetObject.
 */
export function ifRangeDateHolds(value: string, modifiedMs: number, nowMs: number): boolean {
  const second = Math.floor(modifiedMs / 1000);
  return / GMT$/.test(value) && Date.parse(value) === second * 1000 && Math.floor(nowMs / 1000) > second;
}
