/**
 * The editor's syntax guard: an edit that introduces tree-sitter ERROR or MISSING nodes (compared
 * with the file before it) is refused with the location and the would-be text around it. Files
 * of languages we do not parse are accepted. C and C++ are parsed without their preprocessor,
 * and tree-sitter's grammars misread some valid code (fmt's `…, const std::basic_string<Char> s
 * = {}) const`): there a new tree-sitter error refuses an edit only when the edit also unbalances
 * the file's brackets, which no preprocessor can explain.
 */
import { maskSpecifierMacros } from "./c-macros.js";
import { syntaxProblems } from "./extract.js";
import { type LanguageId, languageForFile } from "./languages.js";
import { LanguageLoader } from "./parser.js";

const loader = new LanguageLoader("auto");

export interface SyntaxProblem {
  line: number;
  col: number;
  missing: boolean;
  text: string;
}

/** Problems of a text read as `lang`, as the graph reads it (C/C++ macros masked). */
async function problemsOf(lang: LanguageId, text: string): Promise<SyntaxProblem[]> {
  const l = await loader.load(lang);
  const tree = l.parse(lang === "c" || lang === "cpp" ? maskSpecifierMacros(text) : text);
  try {
    return syntaxProblems(tree.root, 200);
  } finally {
    tree.dispose();
  }
}

/**
 * null = accept. Otherwise a refusal naming the first new problem (line:col) with the would-be
 * text around it. `before` null = a new file (any problem is new).
 */
export async function checkSyntaxRegression(
  path: string,
  before: string | null,
  after: string,
): Promise<string | null> {
  // One language for both texts (a `.h` is C or C++ by its text: the file before the edit decides).
  const lang = languageForFile(path, before ?? after);
  if (!lang) return null;
  let afterProblems: SyntaxProblem[];
  try {
    afterProblems = await problemsOf(lang, after);
  } catch {
    return null; // the grammar failed to load: never block edits on our own failure
  }
  if (afterProblems.length === 0) return null;
  const beforeProblems = before === null ? [] : await problemsOf(lang, before);
  if (afterProblems.length <= beforeProblems.length) return null;
  if ((lang === "c" || lang === "cpp") && bracketBalance(after) === bracketBalance(before ?? "")) return null;
  // The first problem that has no counterpart (same kind and text) before the edit.
  const remaining = new Map<string, number>();
  for (const p of beforeProblems)
    remaining.set(`${p.missing}:${p.text}`, (remaining.get(`${p.missing}:${p.text}`) ?? 0) + 1);
  let fresh = afterProblems[0]!;
  for (const p of afterProblems) {
    const k = `${p.missing}:${p.text}`;
    const n = remaining.get(k) ?? 0;
    if (n > 0) remaining.set(k, n - 1);
    else {
      fresh = p;
      break;
    }
  }
  const lines = after.split("\n");
  const from = Math.max(1, fresh.line - 3);
  const to = Math.min(lines.length, fresh.line + 3);
  const width = String(to).length;
  const excerpt = lines
    .slice(from - 1, to)
    .map((l, i) => `${from + i === fresh.line ? ">" : " "}${String(from + i).padStart(width)} | ${l}`)
    .join("\n");
  const what = fresh.missing
    ? `missing ${JSON.stringify(fresh.text)}`
    : `unexpected ${JSON.stringify(fresh.text.split("\n")[0]!.slice(0, 40))}`;
  return `Edit refused: it would introduce a syntax error in ${path} at ${fresh.line}:${fresh.col} (${what}; ${afterProblems.length - beforeProblems.length} new syntax error(s)). The file was not changed. Would-be text around it:\n${excerpt}`;
}

/**
 * The bracket balance of C/C++ text, as a string (`{` `(` `[` minus their closers, and whether a
 * closer ever came first), outside comments, string and character literals and preprocessor lines.
 */
export function bracketBalance(text: string): string {
  const depth = { "{": 0, "(": 0, "[": 0 };
  const open: Record<string, keyof typeof depth> = { "}": "{", ")": "(", "]": "[" };
  let early = false;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") {
      lineStart = true;
      continue;
    }
    if (lineStart && c === "#") {
      // A directive, with its continuations.
      while (i < text.length && !(text[i] === "\n" && text[i - 1] !== "\\")) i++;
      continue;
    }
    if (c !== " " && c !== "\t") lineStart = false;
    if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      i--;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c && text[i] !== "\n"; i++) if (text[i] === "\\") i++;
      continue;
    }
    if (c in depth) depth[c as keyof typeof depth]++;
    else if (c in open) {
      const k = open[c]!;
      depth[k]--;
      if (depth[k] < 0) early = true;
    }
  }
  return `${depth["{"]},${depth["("]},${depth["["]}${early ? ",early" : ""}`;
}
