/**
 * Reads `read()` every half second until `done` holds of it or `seconds` have passed, and returns the
 * last reading (the caller's assertion then says what it was).
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (t: T) => boolean, seconds = 90): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const t = await read();
    if (done(t) || Date.now() > end) return t;
    await new Promise((r) => setTimeout(r, 500));
  }
}
