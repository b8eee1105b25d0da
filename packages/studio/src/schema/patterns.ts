/**
 * Pattern rules put in words. A form that says "must match ^[\w+=,.@-]+$" makes the user decode a
 * regular expression; these say which characters are wrong and which are allowed.
 */
const known: Readonly<Record<string, string>> = {
  '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$': 'Use letters, digits and hyphens, starting and ending with a letter or digit.',
  '^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+$': 'Enter an ARN such as arn:loam:iam::000000000000:user/ana (copy it from the resource’s page).',
};

const classTokens: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/^\\w/, ['letters', 'digits', '_']],
  [/^\\p\{L\}/, ['letters']],
  [/^\\p\{N\}/, ['digits']],
  [/^\\p\{Z\}/, ['spaces']],
  [/^\\s/, ['spaces']],
  [/^\\d/, ['digits']],
  [/^a-z/, ['letters']],
  [/^A-Z/, ['letters']],
  [/^0-9/, ['digits']],
  [/^ /, ['spaces']],
  [/^\\(.)/, []],
  [/^./, []],
];

/** `^[CLASS]+$`, `^[CLASS]*$`, `^([CLASS]*)$`: the character class, else undefined. */
export function characterClassOf(pattern: string): string | undefined {
  const m = /^\^\(?\[((?:\\.|[^\]\\])+)\][*+]\)?\$$/.exec(pattern);
  return m?.[1];
}

/** The character class in words: `\w+=,.@-` → `letters, digits and _ + = , . @ -`. */
export function describeClass(cls: string): string {
  const words: string[] = [];
  const symbols: string[] = [];
  let rest = cls;
  while (rest.length > 0) {
    for (const [re, names] of classTokens) {
      const m = re.exec(rest);
      if (!m) continue;
      if (names.length > 0) for (const n of names) (n.length === 1 ? symbols : words).push(n);
      else symbols.push(m[1] ?? m[0]);
      rest = rest.slice(m[0].length);
      break;
    }
  }
  // Words read as a list ("letters, digits"); symbols as one group ("_ + = , . @ -").
  const parts = [...new Set(words)];
  if (symbols.length > 0) parts.push([...new Set(symbols)].join(' '));
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function shown(c: string): string {
  if (c === ' ') return '“ ” (space)';
  if (/\s/.test(c)) return `a ${c === '\t' ? 'tab' : 'line break'}`;
  return `“${c}”`;
}

/**
 * Why `value` fails `pattern`, in words, or undefined when it matches (or the pattern cannot be
 * compiled here, in which case the server decides).
 */
export function explainPattern(pattern: string, value: string): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
  if (re.test(value)) return undefined;
  if (known[pattern]) return known[pattern];
  const cls = characterClassOf(pattern);
  if (cls) {
    const one = new RegExp(`^[${cls}]$`, 'u');
    const bad = [...new Set([...value].filter((c) => !one.test(c)))];
    const allowed = `Use ${describeClass(cls)} only.`;
    if (bad.length === 0) return allowed;
    const list = bad.slice(0, 3).map(shown);
    const names = list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
    return `${names} ${bad.length === 1 ? 'is' : 'are'} not allowed here. ${allowed}`;
  }
  return `This doesn’t have the expected form (pattern ${pattern}).`;
}
