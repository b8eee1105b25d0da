/**
 * The lines of an AWS shared-credentials file as botocore reads them (`raw_config_parse`, Python's configparser
 * `RawConfigParser`), so the server's rewrites change the lines boto3 and the aws CLI take for `[loam]`'s, and only
 * those.
 */

// Python's whitespace (str.strip, re's \s), by which configparser strips lines and measures their indent. JavaScript's
// trim() and \s also take U+FEFF: a byte order mark is no whitespace to Python, and a line starting with one is no
// header (botocore refuses such a file).
const SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const STRIP = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');
const RSTRIP = new RegExp(`[${SPACE}]+$`);
const NON_SPACE = new RegExp(`[^${SPACE}]`);
const ENTRY = new RegExp(`^(.*?)[${SPACE}]*[=:](.*)$`, 's');

/** Python's `str.strip()`. */
export function pyStrip(text: string): string {
  return text.replace(STRIP, '');
}

/** Python's `str.rstrip()`. */
export function pyRstrip(text: string): string {
  return text.replace(RSTRIP, '');
}

/** Where a line's first character that is no Python whitespace is (configparser's indent level); 0 for none. */
export function indentOf(line: string): number {
  return Math.max(0, line.search(NON_SPACE));
}

/** A line botocore skips: empty, or a comment. */
export function isBlankOrComment(line: string): boolean {
  const text = pyStrip(line);
  return !text || text.startsWith('#') || text.startsWith(';');
}

/**
 * The indent for entries inserted below `above` (the last entry or header line before them) and above `below` (the
 * next line that is no blank or comment; undefined at the end of the file), so that botocore reads them as entries
 * and every other line as it did: an entry indented deeper than the one above it continues its value, and so does a
 * line below indented deeper than they are (an indented `[work]` header under them would join loam_endpoint's value).
 * Below an entry they take its indent; below a header, where any indent starts an entry, the line below's.
 */
export function insertionIndent(above: string, aboveIsHeader: boolean, below: string | undefined): string {
  const line = aboveIsHeader && below !== undefined ? below : above;
  return line.slice(0, indentOf(line));
}

/** How botocore reads one line. */
export interface IniLine {
  /** The profile a header line starts, as written between its brackets (`[DEFAULT]` included: see defaultsOf). */
  readonly profile?: string;
  /** An entry line's name, lower-cased as configparser's optionxform does, and its value's first line. */
  readonly entry?: { readonly name: string; readonly value: string };
  /** The line continues the value of the entry above it (indented deeper than that entry). */
  readonly continues: boolean;
}

/**
 * Each line as botocore reads it. A header runs up to the line's last `]`, so `[work]  # note` starts [work], and
 * names the profile as written between the brackets (`[ loam ]` is ` loam `, not [loam]). A line indented deeper than
 * the entry above it continues that entry's value (blank and comment lines between them too), so an indented `[work]`
 * there is part of the value, not a profile. `#` and `;` start comment lines only.
 */
export function classifyIni(lines: readonly string[]): IniLine[] {
  let inEntry = false;
  let indent = 0;
  return lines.map((raw) => {
    if (isBlankOrComment(raw)) return { continues: false };
    const line = pyStrip(raw);
    const at = indentOf(raw);
    if (inEntry && at > indent) return { continues: true };
    indent = at;
    const profile = /^\[(.+)\]/.exec(line)?.[1];
    if (profile !== undefined) {
      inEntry = false;
      return { profile, continues: false };
    }
    const m = ENTRY.exec(line);
    inEntry = Boolean(m?.[1]);
    return m?.[1] ? { entry: { name: m[1].toLowerCase(), value: pyStrip(m[2] as string) }, continues: false } : { continues: false };
  });
}

/**
 * The lines of `text`, each with its own line end, so lines kept are kept byte for byte in a file that mixes them. A
 * line ends as Python's universal newlines end it (configparser reads the file in text mode): at `\r\n`, `\n`, or a
 * lone `\r` (an old Mac editor's).
 */
export function linesOf(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

/** A line without its line end. */
export function contentOf(line: string): string {
  return line.replace(/(?:\r\n|\r|\n)$/, '');
}

/** Whether `line` (one of linesOf's) ends with a line end: all do but a file's last line without one. */
export function hasLineEnd(line: string): boolean {
  return /[\r\n]$/.test(line);
}

/** The line end Loam writes its lines with in `text`: CRLF or a lone CR where the file uses one, else LF. */
export function lineEndOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : text.includes('\r') ? '\r' : '\n';
}

/** `[start, end)` of each section headed `[profile]`: its header line and the lines up to the next header. */
export function sectionsOf(kinds: readonly IniLine[], profile: string): { readonly header: number; readonly end: number }[] {
  const out: { header: number; end: number }[] = [];
  kinds.forEach((k, i) => {
    if (k.profile === undefined) return;
    const last = out[out.length - 1];
    if (last && last.end < 0) last.end = i;
    if (k.profile === profile) out.push({ header: i, end: -1 });
  });
  const last = out[out.length - 1];
  if (last && last.end < 0) last.end = kinds.length;
  return out;
}

/** A leading UTF-8 byte order mark: botocore refuses a file that starts with one, so Loam writes its files without. */
export function withoutBom(text: string): string {
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}
