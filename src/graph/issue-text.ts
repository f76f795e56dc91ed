/**
 * What an issue's text says, read without the repository: stack-trace frames, file paths, dotted
 * names, identifiers, weighted search terms (title, code spans, fenced blocks, repetition), and
 * verbatim phrases (error messages, quoted strings, plain word runs of output blocks). Localization
 * (localize.ts) looks these up in the graph.
 */

const STOPWORDS = new Set(
  `the and for that this with from are was were but not you your have has had been can could should would will into when then than there their them they what which while where who why how all any each other some such only own same very just also more most much many use used using get got set let its it's our out over under again further once here both few nor off too does did doing being because until about against between through during before after above below issue bug error problem expected actual behavior behaviour following example code like return returns value values work works working fix fixed case cases test tests file files line lines call called calling function functions method methods class classes object objects type types result results true false none null self def import print raise python version versions see also want need make made new one two first last way thing well even still may might must shall whether however instead already doesn doesn't isn isn't don don't cannot can't it won't wouldn't seems seem thanks thank please think know sure something anything really would could here there now currently get gets getting`.split(
    /\s+/,
  ),
);

/** A term seen only inside fenced blocks (logs, `pip list`, reproductions) weighs this much (tuned with localize.ts's weights). */
const FENCED_ONLY = 0.4;

const FRAME_RES = [
  /File "([^"]+)", line (\d+)(?:, in ([\w<>.]+))?/g, // Python
  /at (?:([\w$.<>]+) )?\(?((?:[A-Za-z]:)?[^\s():]+\.[a-z]+):(\d+)(?::\d+)?\)?/g, // JS/Java-ish
];

/**
 * Source file paths written in the issue, relative or absolute (`/home/u/.../site-packages/a/b.py:470:`,
 * `C:\\x\\a\\b.py`, `~/src/a/b.py`), as in warnings, log lines and prose.
 */
const PATH_RE =
  /(?:^|[\s`'"([=])((?:[A-Za-z]:)?(?:~?[\\/])?(?:[\w.-]+[\\/])*[\w-]+\.(?:py|pyi|js|jsx|ts|tsx|go|rs|java|c|h|cc|cpp|hpp|cs|rb|php))\b/g;

/** One search term of the issue: its text, the FTS5 query that finds it, and its weight. */
export interface IssueTerm {
  text: string;
  /** Every spelling seen ("Pytest", "pytest"), most frequent first. */
  spellings: string[];
  /** FTS5 phrase: snake_case and kebab-case names are several tokens for the tokenizer. */
  fts: string;
  weight: number;
  /** Written as code somewhere (a code span, a fenced block, or a code-shaped name), not prose only. */
  code: boolean;
  /** Called or accessed as an attribute somewhere (`x.foo()`, `foo(`, `obj.foo`). */
  called: boolean;
}

export interface IssueSignals {
  frames: Array<{ path: string; func: string }>;
  paths: string[];
  dotted: string[];
  identifiers: Map<string, number>;
  words: string[];
  /** Weighted search terms, heaviest first. */
  terms: IssueTerm[];
  /** Quoted messages and error lines: searched as phrases, or failing that their longest part. */
  phrases: string[];
  /** Plain word runs of output blocks: searched as whole phrases only. */
  exact: string[];
}

/** Code spans (inline and fenced) and the prose around them. */
function splitRegions(text: string): { inline: string; fenced: string; prose: string } {
  const fenced: string[] = [];
  const inline: string[] = [];
  const prose = text
    .replace(/```[\s\S]*?(?:```|$)/g, (m) => {
      fenced.push(m.replace(/^```\w*/, "").replace(/```$/, ""));
      return "\n";
    })
    .replace(/`([^`\n]+)`/g, (_m, c: string) => {
      inline.push(c);
      return ` ${c} `;
    });
  return { inline: inline.join("\n"), fenced: fenced.join("\n"), prose };
}

function isCodey(t: string): boolean {
  return /_/.test(t) || /[a-z][A-Z]/.test(t) || /^[A-Z][a-z]+[A-Z]/.test(t) || /-/.test(t);
}

function ftsPhrase(t: string): string | null {
  const parts = t
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return parts.length ? `"${parts.join(" ")}"` : null;
}

/** The issue's words as weighted search terms, heaviest first. */
function issueTerms(text: string): IssueTerm[] {
  const title = text.split("\n", 1)[0] ?? "";
  const { inline, fenced, prose } = splitRegions(text);
  // Keyed by the FTS query, so "Pytest" and "pytest" are one term; spellings kept for name lookups.
  const stats = new Map<
    string,
    {
      n: number;
      title: boolean;
      inline: boolean;
      prose: boolean;
      codey: boolean;
      fenced: boolean;
      spellings: Map<string, number>;
    }
  >();
  const see = (t: string, where: "title" | "inline" | "prose" | "fenced") => {
    if (t.length < 3 || STOPWORDS.has(t.toLowerCase()) || /^\d/.test(t)) return;
    const fts = ftsPhrase(t);
    if (!fts) return;
    let s = stats.get(fts);
    if (!s) {
      s = {
        n: 0,
        title: false,
        inline: false,
        prose: false,
        codey: false,
        fenced: false,
        spellings: new Map(),
      };
      stats.set(fts, s);
    }
    s.n++;
    s.spellings.set(t, (s.spellings.get(t) ?? 0) + 1);
    if (isCodey(t)) s.codey = true;
    if (where === "title") s.title = true;
    if (where === "inline") s.inline = true;
    if (where === "fenced") s.fenced = true;
    if (where === "prose" || where === "title") s.prose = true;
  };
  const IDENT = /[A-Za-z_][A-Za-z0-9_]*/g;
  // Command-line options and kebab-case settings (`--collect-only`, `ignore-paths`) as one term.
  const KEBAB = /(?:^|[\s`'"=(])(?:--?)?([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)/g;
  for (const m of title.matchAll(IDENT)) see(m[0], "title");
  for (const m of prose.matchAll(IDENT)) see(m[0], "prose");
  for (const m of inline.matchAll(IDENT)) see(m[0], "inline");
  for (const m of fenced.matchAll(IDENT)) see(m[0], "fenced");
  for (const m of `${title}\n${inline}`.matchAll(KEBAB)) see(m[1]!, "inline");
  for (const m of text.matchAll(/(?:^|\s)--([a-z][a-z0-9]*(?:-[a-z0-9]+)+)/g)) see(m[1]!, "inline");
  // Names used as code: called (`foo(`) or reached through an attribute (`x.foo`).
  const called = new Set<string>();
  for (const m of text.matchAll(/(?:\.([A-Za-z_]\w*)|\b([A-Za-z_]\w*)\s*\()/g)) called.add((m[1] ?? m[2])!);
  const out: IssueTerm[] = [];
  for (const [fts, s] of stats) {
    // Repetition counts with diminishing returns (a log dump repeats words without meaning).
    let w = 1 + Math.log(s.n);
    if (s.title) w *= 2;
    if (s.inline) w *= 1.5;
    if (s.codey) w *= 1.5;
    // Only inside fenced blocks: program output, listings, environment dumps, reproductions.
    if (!s.prose && !s.inline) w *= FENCED_ONLY;
    const spellings = [...s.spellings].sort((a, b) => b[1] - a[1]).map(([t]) => t);
    out.push({
      text: spellings[0]!,
      spellings,
      fts,
      weight: w,
      code: s.codey || s.inline || s.fenced,
      called: spellings.some((x) => called.has(x)),
    });
  }
  return out.sort((a, b) => b.weight - a.weight);
}

/** Everything localization reads from an issue's text. */
export function issueSignals(text: string): IssueSignals {
  const frames = stackFrames(text);
  const identifiers = identifierWeights(text);
  return {
    frames,
    paths: writtenPaths(text, frames),
    dotted: dottedNames(text),
    identifiers,
    words: [...identifiers.keys()],
    terms: issueTerms(text),
    ...issuePhrases(text),
  };
}

/** Stack-trace frames, Python's first, then JavaScript's and Java's, each in the order written. */
function stackFrames(text: string): IssueSignals["frames"] {
  const frames: IssueSignals["frames"] = [];
  for (const m of text.matchAll(FRAME_RES[0]!)) frames.push({ path: m[1]!, func: m[3] ?? "" });
  for (const m of text.matchAll(FRAME_RES[1]!)) frames.push({ path: m[2]!, func: m[1] ?? "" });
  return frames;
}

/** Source file paths written anywhere, then those of the frames. */
function writtenPaths(text: string, frames: IssueSignals["frames"]): string[] {
  const paths = new Set<string>();
  for (const m of text.matchAll(PATH_RE)) paths.add(m[1]!);
  for (const f of frames) paths.add(f.path);
  return [...paths];
}

/** Dotted names (`pkg.mod.func`, `Class.method`), file names and domains aside. */
function dottedNames(text: string): string[] {
  const dotted = new Set<string>();
  for (const m of text.matchAll(/\b([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)+)\b/g)) {
    if (!/\.(py|js|ts|com|org|html|txt|md|rst)$/.test(m[1]!)) dotted.add(m[1]!);
  }
  return [...dotted];
}

/** Identifiers by weight: code spans and code-looking tokens count more than prose words. */
function identifierWeights(text: string): Map<string, number> {
  const identifiers = new Map<string, number>();
  const codeText = [...text.matchAll(/`([^`]+)`|```[\s\S]*?```/g)].map((m) => m[0]).join("\n");
  const bump = (id: string, w: number) => identifiers.set(id, (identifiers.get(id) ?? 0) + w);
  for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    const t = m[0];
    if (t.length < 3 || STOPWORDS.has(t.toLowerCase())) continue;
    const codey = /_/.test(t) || /[a-z][A-Z]/.test(t) || /^[A-Z][a-z]+[A-Z]/.test(t);
    bump(t, codey ? 2 : 1);
  }
  for (const m of codeText.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g))
    if (m[0].length >= 3 && !STOPWORDS.has(m[0].toLowerCase())) bump(m[0], 1);
  return identifiers;
}

/**
 * Word sequences the code likely contains verbatim: error messages and quoted strings (`phrases`,
 * which may also match in part) and plain word runs of output blocks (`exact`: whole runs only,
 * since parts of arbitrary output match too much).
 */
function issuePhrases(text: string): { phrases: string[]; exact: string[] } {
  const out = new Set<string>();
  const exact = new Set<string>();
  const take = (raw: string, whole = false) => {
    const words = raw.match(/[A-Za-z][A-Za-z0-9]*/g) ?? [];
    // Three words at least (shorter phrases are not specific); at most eight (messages are
    // often formatted with values in the middle, so a long phrase rarely survives intact).
    if (words.length < 3) return;
    const p = words.slice(0, 8).join(" ").toLowerCase();
    if (/most recent call last|short test summary/.test(p)) return;
    if (whole) {
      if (!out.has(p)) exact.add(p);
    } else {
      out.add(p);
      exact.delete(p);
    }
  };
  for (const m of text.matchAll(
    /\b(?:[A-Z]\w*(?:Error|Exception|Warning)|WARNING|ERROR|CRITICAL)\b:\s*([^\n]{8,200})/g,
  ))
    take(m[1]!);
  for (const m of text.matchAll(/(?<![\w])(["'])([^"'\n]{12,160})\1/g)) if (/\s/.test(m[2]!)) take(m[2]!);
  for (const m of text.matchAll(/`([^`\n]{12,160})`/g))
    if (/[a-z]{2,} [a-z]{2,} [a-z]{2,}/.test(m[1]!)) take(m[1]!);
  // Runs of plain words inside output blocks (messages printed without a quote or an "Error:").
  const { fenced } = splitRegions(text);
  for (const line of fenced.split("\n")) {
    if (/^\s*(>>>|\.\.\.|In \[|#|def |class |import |from )/.test(line)) continue;
    for (const m of line.matchAll(/[A-Za-z][a-z]+(?: [a-z]+){3,}/g)) take(m[0], true);
  }
  return { phrases: [...out].slice(0, 12), exact: [...exact].slice(0, 12) };
}

/** Lower-case words of identifiers and text: snake_case, camelCase and prose split apart. */
export function splitWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 2 && !STOPWORDS.has(w));
}
