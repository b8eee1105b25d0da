/**
 * Visits the structural characters of JSON text that lie outside strings — `{` and `[` (opening), `}` and `]`
 * (closing), `,` — with their character offsets, in one pass and without parsing, so a caller can bound
 * nesting or width before `JSON.parse` pays for it. `visit` may throw to stop.
 */
export function scanJsonStructure(text: string, visit: (char: number, at: number) => void): void {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b || c === 0x7d || c === 0x5d || c === 0x2c) visit(c, i);
  }
}
