/**
 * The editor's syntax guard: an edit that introduces tree-sitter ERROR or MISSING nodes (compared
 * with the file before it) is refused with the location and the would-be text around it. Files
 * of languages we do not parse are accepted.
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
