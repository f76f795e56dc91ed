/**
 * C and C++ code is full of attribute-like macros that tree-sitter cannot expand: `FMT_CONSTEXPR
 * auto f()`, `struct FMT_API buffer`, a lone `FMT_BEGIN_NAMESPACE` line, `if FMT_CONSTEXPR20 (…)`.
 * Parsed as written they derail the grammar: a class becomes the body of a function, `else f(x);`
 * a declaration of `f`. Before parsing, such a macro is replaced by spaces of its length (offsets,
 * lines and columns stay those of the file), where its position says it can only be a specifier:
 * first on its line or after a specifier keyword, followed by a declaration; trailing a
 * parameter list; or after `if`. A name followed by `(` (a call or a function-like macro) is left
 * alone, as is one that reads as the type of a variable (`HANDLE h = …;`), and preprocessor lines.
 */

const MACRO = /\b[A-Z][A-Z0-9_]*\b/g;
/** Words after which a macro is a specifier of what follows. */
const SPECIFIER_BEFORE = new Set([
  "struct",
  "class",
  "union",
  "enum",
  "static",
  "inline",
  "extern",
  "const",
  "constexpr",
  "virtual",
  "explicit",
  "friend",
  "typedef",
  "public",
  "private",
  "protected",
]);
const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_]/;

function isMacroName(name: string): boolean {
  // FMT_API, JSON_EXPORT, WINAPI, CALLBACK; not NULL, EOF, or a one-letter template parameter.
  return name.length >= 3 && (name.includes("_") || name.length >= 6) && /[A-Z]{2}/.test(name);
}

/** The index of the first character at or after `i` that is not a space or tab. */
function skipBlanks(s: string, i: number): number {
  while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  return i;
}

/** The word ending right before `i` (after skipping blanks back), or "". */
function wordBefore(s: string, i: number): { word: string; at: number } {
  let j = i - 1;
  while (j >= 0 && (s[j] === " " || s[j] === "\t")) j--;
  const end = j + 1;
  while (j >= 0 && IDENT_CHAR.test(s[j]!)) j--;
  return { word: s.slice(j + 1, end), at: j + 1 };
}

/** Masks the attribute-like macros of a C or C++ source; the result has the same length. */
export function maskSpecifierMacros(source: string): string {
  if (!/[A-Z][A-Z0-9]*_|[A-Z]{6}/.test(source)) return source;
  const out = source.split("");
  const masked = new Set<number>(); // start offsets of masked names
  let changed = false;
  // Line starts of preprocessor lines (and their continuations) are skipped.
  const inDirective = directiveRanges(source);
  MACRO.lastIndex = 0;
  for (let m = MACRO.exec(source); m; m = MACRO.exec(source)) {
    const name = m[0];
    const start = m.index;
    const end = start + name.length;
    if (!isMacroName(name) || inDirective(start)) continue;
    // `::` on either side: a scope or a qualified name.
    if (
      source.startsWith("::", skipBlanks(source, end)) ||
      source.slice(Math.max(0, start - 2), start) === "::"
    )
      continue;
    if (shouldMask(source, start, end, masked)) {
      for (let i = start; i < end; i++) out[i] = " ";
      masked.add(start);
      changed = true;
    }
  }
  return changed ? out.join("") : source;
}

function shouldMask(s: string, start: number, end: number, masked: Set<number>): boolean {
  const next = skipBlanks(s, end);
  const c = s[next];
  const before = wordBefore(s, start);
  // `if FMT_CONSTEXPR20 (cond)`: the macro stands for `constexpr`.
  if (before.word === "if") return c === "(";
  if (c === "(") return false;
  let prevIndex = start - 1;
  while (prevIndex >= 0 && (s[prevIndex] === " " || s[prevIndex] === "\t")) prevIndex--;
  const prev = prevIndex < 0 ? "\n" : s[prevIndex]!;
  // Trailing a parameter list: `void f() FMT_NOEXCEPT {`, `… FMT_NOEXCEPT -> int`. Not before
  // `;`: `(size_t) SIZE_MAX;` is a cast of a constant.
  if (prev === ")") return c === "{" || s.startsWith("->", next) || /^[a-z]/.test(c ?? "");
  const leads =
    prev === "\n" ||
    prev === "\r" ||
    prev === ";" ||
    prev === "{" ||
    prev === "}" ||
    prev === ">" ||
    (before.word !== "" && (SPECIFIER_BEFORE.has(before.word) || masked.has(before.at)));
  if (!leads) return false;
  // Alone on its line: `FMT_BEGIN_NAMESPACE`, `Q_OBJECT`.
  if (c === undefined || c === "\n" || c === "\r" || s.startsWith("//", next) || s.startsWith("/*", next))
    return true;
  if (s.startsWith("[[", next)) return true;
  if (!IDENT_START.test(c)) return false;
  // Followed by a name: a specifier unless it reads `TYPE var = …;` (then it is the type).
  let j = next;
  while (j < s.length && IDENT_CHAR.test(s[j]!)) j++;
  const after = s[skipBlanks(s, j)];
  return !(after === "=" || after === ";" || after === "," || after === "[" || after === ")");
}

/** A predicate: whether an offset lies on a preprocessor line (with its `\` continuations). */
function directiveRanges(s: string): (offset: number) => boolean {
  const ranges: Array<[number, number]> = [];
  const re = /^[ \t]*#/gm;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    let e = m.index;
    for (;;) {
      const nl = s.indexOf("\n", e);
      if (nl < 0) {
        e = s.length;
        break;
      }
      const lineEnd = s[nl - 1] === "\r" ? nl - 1 : nl;
      if (s[lineEnd - 1] !== "\\") {
        e = nl;
        break;
      }
      e = nl + 1;
    }
    ranges.push([m.index, e]);
    re.lastIndex = e;
  }
  let k = 0;
  // Offsets are asked in increasing order (one pass of the scan).
  return (offset) => {
    while (k < ranges.length && ranges[k]![1] < offset) k++;
    return k < ranges.length && ranges[k]![0] <= offset && offset <= ranges[k]![1];
  };
}
