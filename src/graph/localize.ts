/**
 * Localization: which files and symbols an issue text is about. No model: every signal is lexical
 * or structural, each one a small ranker over files whose scores are normalized and summed:
 *
 * - explicit locations: stack-trace frames (the innermost weigh most) and file paths mentioned;
 * - dotted names (`pkg.mod.func`, `Class.method`) resolved to their module or defining file;
 * - names of classes and functions mentioned in the issue resolved to their definitions,
 *   weighted by how rare the name is in the repository;
 * - BM25 over file contents, one FTS5 query per issue term so that each term carries its own
 *   weight (title, code spans, repetition) and terms too common to discriminate are dropped;
 * - reciprocal-rank fusion of those per-term rankings: the file where an important term is most
 *   at home rises above a hub that matches many words a little;
 * - BM25 over symbols (name, split words, docstring), a file scored by its best symbols;
 * - error messages and other verbatim word runs found as FTS5 phrases, rarer ones weighing more;
 * - propagation over the reference graph (personalized PageRank) so that code the matches
 *   depend on rises too.
 *
 * Symbols are ranked by their own evidence (frames, names, symbol BM25, words shared with the
 * issue among the top files' functions) times how strongly their file is implicated.
 */
import type { CodeGraph, SymbolHit } from "./graph.js";
import { isTestPath } from "./graph.js";
import { fileGraph, pageRank } from "./rank.js";

export interface LocalizeResult {
  /** `why`: each signal's contribution to the score (only with `explain`). */
  files: Array<{ path: string; score: number; why?: Record<string, number> }>;
  symbols: Array<{ name: string; path: string; line: number; score: number }>;
}

const STOPWORDS = new Set(
  `the and for that this with from are was were but not you your have has had been can could should would will into when then than there their them they what which while where who why how all any each other some such only own same very just also more most much many use used using get got set let its it's our out over under again further once here both few nor off too does did doing being because until about against between through during before after above below issue bug error problem expected actual behavior behaviour following example code like return returns value values work works working fix fixed case cases test tests file files line lines call called calling function functions method methods class classes object objects type types result results true false none null self def import print raise python version versions see also want need make made new one two first last way thing well even still may might must shall whether however instead already doesn doesn't isn isn't don don't cannot can't it won't wouldn't seems seem thanks thank please think know sure something anything really would could here there now currently get gets getting`.split(
    /\s+/,
  ),
);

// Weights, tuned on 76 SWE-bench Lite tasks and checked on 62 held-out ones (evals/README.md).
/** A term seen only inside fenced blocks (logs, `pip list`, reproductions) weighs this much. */
const FENCED_ONLY = 0.4;
/** Per-term reciprocal-rank fusion: rank offset, and the signal's weight in the sum. */
const RRF_K = 5;
const RRF_W = 1;

/** Fixes land in functions: a class or a variable is a coarser answer than a method of it. */
const KIND_W: Record<string, number> = {
  function: 1,
  method: 1,
  class: 0.3,
  other: 0.4,
};

/** Symbols of the top files scored by words shared with the issue: weight of that evidence. */
const LOCAL_W = 1;

const FRAME_RES = [
  /File "([^"]+)", line (\d+)(?:, in ([\w<>.]+))?/g, // Python
  /at (?:([\w$.<>]+) )?\(?((?:[A-Za-z]:)?[^\s():]+\.[a-z]+):(\d+)(?::\d+)?\)?/g, // JS/Java-ish
  /((?:[\w.-]+\/)+[\w.-]+\.[a-z]{1,4}):(\d+)/g, // path:line
];

/** One search term of the issue: its text, the FTS5 query that finds it, and its weight. */
export interface IssueTerm {
  text: string;
  /** Every spelling seen ("Pytest", "pytest"), most frequent first. */
  spellings: string[];
  /** FTS5 phrase: snake_case and kebab-case names are several tokens for the tokenizer. */
  fts: string;
  weight: number;
}

interface IssueSignals {
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
      spellings: Map<string, number>;
    }
  >();
  const see = (t: string, where: "title" | "inline" | "prose" | "fenced") => {
    if (t.length < 3 || STOPWORDS.has(t.toLowerCase()) || /^\d/.test(t)) return;
    const fts = ftsPhrase(t);
    if (!fts) return;
    let s = stats.get(fts);
    if (!s) {
      s = { n: 0, title: false, inline: false, prose: false, codey: false, spellings: new Map() };
      stats.set(fts, s);
    }
    s.n++;
    s.spellings.set(t, (s.spellings.get(t) ?? 0) + 1);
    if (isCodey(t)) s.codey = true;
    if (where === "title") s.title = true;
    if (where === "inline") s.inline = true;
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
    out.push({ text: spellings[0]!, spellings, fts, weight: w });
  }
  return out.sort((a, b) => b.weight - a.weight);
}

export function issueSignals(text: string): IssueSignals {
  const frames: IssueSignals["frames"] = [];
  for (const m of text.matchAll(FRAME_RES[0]!)) frames.push({ path: m[1]!, func: m[3] ?? "" });
  for (const m of text.matchAll(FRAME_RES[1]!)) frames.push({ path: m[2]!, func: m[1] ?? "" });
  const paths = new Set<string>();
  for (const m of text.matchAll(
    /(?:^|[\s`'"([])((?:[\w.-]+\/)*[\w-]+\.(?:py|pyi|js|jsx|ts|tsx|go|rs|java|c|h|cc|cpp|hpp|cs|rb|php))\b/g,
  )) {
    paths.add(m[1]!);
  }
  for (const f of frames) paths.add(f.path);
  const dotted = new Set<string>();
  for (const m of text.matchAll(/\b([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)+)\b/g)) {
    if (!/\.(py|js|ts|com|org|html|txt|md|rst)$/.test(m[1]!)) dotted.add(m[1]!);
  }
  // Identifiers: code spans and code-looking tokens count more than prose words.
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
  const words = [...identifiers.keys()];
  return {
    frames,
    paths: [...paths],
    dotted: [...dotted],
    identifiers,
    words,
    terms: issueTerms(text),
    ...issuePhrases(text),
  };
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

function suffixMatches(graph: CodeGraph, p: string): string[] {
  const clean = p.replace(/\\/g, "/").replace(/^\.?\//, "");
  const parts = clean.split("/");
  // Try the longest suffix first (absolute site-packages paths end in the repo's path).
  for (let i = 0; i < parts.length; i++) {
    const suffix = parts.slice(i).join("/");
    const rows = graph.db
      .prepare("SELECT path FROM files WHERE path = ? OR path LIKE ? ESCAPE '\\' LIMIT 5")
      .pluck()
      .all(suffix, `%/${suffix.replace(/[\\%_]/g, "\\$&")}`) as string[];
    if (rows.length) return i === parts.length - 1 && rows.length > 2 ? [] : rows;
  }
  return [];
}

/** Documentation, examples and vendored or minified assets: rarely where an issue is fixed. */
export function isPeripheralPath(path: string): boolean {
  return /(^|\/)(docs?|examples?|vendor|vendored|third_party|extern|cextern|static)\/|\.min\.[a-z]+$|(^|\/)setup\.py$/.test(
    path,
  );
}

function addTo(m: Map<string, number>, k: string, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}

function normalize(m: Map<string, number>): Map<string, number> {
  let max = 0;
  for (const v of m.values()) max = Math.max(max, v);
  if (max <= 0) return m;
  return new Map([...m].map(([k, v]) => [k, v / max]));
}

const pathCache = new WeakMap<CodeGraph, { key: string; byId: Map<number, string> }>();

/** File id → path, cached per graph until the file table changes. */
function filePaths(graph: CodeGraph): Map<number, string> {
  const key = String(
    graph.db.prepare("SELECT coalesce(max(id), 0) || ':' || count(*) FROM files").pluck().get(),
  );
  const c = pathCache.get(graph);
  if (c && c.key === key) return c.byId;
  const byId = new Map<number, string>();
  for (const [id, path] of graph.db.prepare("SELECT id, path FROM files").raw().all() as Array<
    [number, string]
  >)
    byId.set(id, path);
  pathCache.set(graph, { key, byId });
  return byId;
}

/**
 * BM25 over file contents, term by term: a file's score is the weighted sum of its per-term
 * BM25 scores (BM25 is additive over terms, so with unit weights this is plain BM25). Terms found
 * in more than `maxDf` of the files say nothing about where the fix goes and are skipped.
 */
function termBm25Files(
  graph: CodeGraph,
  terms: IssueTerm[],
  maxTerms: number,
  maxDf: number,
): { sum: Map<string, number>; fused: Map<string, number> } {
  const paths = filePaths(graph);
  const n = Math.max(1, paths.size);
  const count = graph.db.prepare("SELECT count(*) FROM files_fts WHERE files_fts MATCH ?").pluck();
  const rows = graph.db
    .prepare("SELECT rowid, -bm25(files_fts, 4, 1) FROM files_fts WHERE files_fts MATCH ?")
    .raw();
  const scored: Array<{ t: IssueTerm; df: number }> = [];
  for (const t of terms.slice(0, 160)) {
    const df = count.get(t.fts) as number;
    if (!df || df / n > maxDf) continue;
    scored.push({ t, df });
  }
  // The heaviest terms, by issue weight times rarity.
  scored.sort((a, b) => b.t.weight * Math.log(n / b.df) - a.t.weight * Math.log(n / a.df));
  const out = new Map<string, number>();
  const fused = new Map<string, number>();
  for (const { t } of scored.slice(0, maxTerms)) {
    const hits = (rows.all(t.fts) as Array<[number, number]>).sort((a, b) => b[1] - a[1]);
    hits.forEach(([id, s], rank) => {
      const p = paths.get(id);
      if (p === undefined) return;
      addTo(out, p, t.weight * s);
      // Reciprocal rank per term: the files where an important term is most at home.
      if (rank < 20) addTo(fused, p, t.weight / (RRF_K + rank));
    });
  }
  return { sum: out, fused };
}

/** BM25 over symbols, term by term; each symbol's weighted sum. */
function termBm25Symbols(graph: CodeGraph, terms: IssueTerm[], maxTerms: number): Map<number, number> {
  const q = graph.db
    .prepare(
      "SELECT rowid, -bm25(symbols_fts, 10, 5, 3, 1, 1) FROM symbols_fts WHERE symbols_fts MATCH ? ORDER BY bm25(symbols_fts, 10, 5, 3, 1, 1) LIMIT 300",
    )
    .raw();
  const out = new Map<number, number>();
  for (const t of terms.slice(0, maxTerms)) {
    // Names, split words and docstrings only (the path column would match every symbol of a file).
    for (const [id, s] of q.all(`{name qualified_name words doc}: ${t.fts}`) as Array<[number, number]>)
      out.set(id, (out.get(id) ?? 0) + t.weight * s);
  }
  return out;
}

export interface LocalizeOptions {
  top?: number;
  topSymbols?: number;
  /** Down-weight test files (issues are usually fixed in source). Default true. */
  penalizeTests?: boolean;
  /** Attach each signal's contribution to every returned file (`why`). */
  explain?: boolean;
}

export function localize(graph: CodeGraph, issueText: string, opts: LocalizeOptions = {}): LocalizeResult {
  const top = opts.top ?? 10;
  const sig = issueSignals(issueText);
  const fileScore = new Map<string, number>();
  const symScore = new Map<number, { hit: SymbolHit; score: number }>();
  const addSym = (hit: SymbolHit, s: number) => {
    const cur = symScore.get(hit.id);
    if (cur) cur.score += s;
    else symScore.set(hit.id, { hit, score: s });
  };

  // 1. Explicit locations: stack frames and file paths.
  const explicit = new Map<string, number>();
  sig.frames.forEach((f, i) => {
    for (const p of suffixMatches(graph, f.path)) {
      addTo(explicit, p, 1 + i / Math.max(1, sig.frames.length)); // innermost frames last: weigh more
      if (f.func && f.func !== "<module>")
        for (const h of graph.find(f.func, { limit: 20 }))
          if (h.path === p && (h.match === "exact" || h.match === "qualified")) addSym(h, 3);
    }
  });
  for (const p of sig.paths) for (const hit of suffixMatches(graph, p)) addTo(explicit, hit, 1.5);

  // 2. Dotted names: modules (a.b.c → a/b/c.py) and qualified symbols (Class.method, mod.func).
  const dottedFiles = new Map<string, number>();
  const nameCount = graph.db.prepare("SELECT count(*) FROM symbols WHERE name = ?").pluck();
  for (const d of sig.dotted) {
    const hits = graph.find(d, { limit: 10 }).filter((h) => h.match === "qualified");
    for (const h of hits) {
      addTo(dottedFiles, h.path, 2 / hits.length);
      addSym(h, 4 / hits.length);
    }
    const asPath = d.split(".");
    for (let n = asPath.length; n >= 2; n--) {
      const mod = asPath.slice(0, n).join("/");
      const rows = graph.db
        .prepare("SELECT path FROM files WHERE path IN (?, ?, ?)")
        .pluck()
        .all(`${mod}.py`, `${mod}/__init__.py`, `${mod}.ts`) as string[];
      if (rows.length) {
        for (const r of rows) addTo(dottedFiles, r, 1);
        break;
      }
    }
  }

  // 3. Names of the issue that name symbols, weighted by rarity (a name defined once says more).
  const idFiles = new Map<string, number>();
  // Kebab-case options are often attributes in snake_case (`ignore-paths` → `ignore_paths`).
  const named: Array<[string, number]> = sig.terms.flatMap((t) =>
    [...new Set([...t.spellings, ...t.spellings.map((x) => x.replace(/-/g, "_"))])].map(
      (x): [string, number] => [x, t.weight],
    ),
  );
  for (const [id, w] of named) {
    const n = nameCount.get(id) as number;
    if (!n || n > 60) continue;
    const idf = 1 / Math.log2(1 + n);
    const hits = graph.find(id, { limit: 60 }).filter((h) => h.match === "exact");
    for (const h of hits) {
      const kindW = h.kind === "class" || h.kind === "function" || h.kind === "method" ? 1 : 0.5;
      addTo(idFiles, h.path, w * idf * kindW);
      addSym(h, w * idf * kindW);
    }
  }

  // 4. BM25 over file contents and over symbols, term by term.
  const { sum: bm25Files, fused: termRanks } = termBm25Files(graph, sig.terms, 48, 0.35);
  const symBm = termBm25Symbols(graph, sig.terms, 48);
  const bm25Syms = new Map<string, number>();
  if (symBm.size) {
    const best = [...symBm].sort((a, b) => b[1] - a[1]).slice(0, 300);
    const hits = new Map(
      (
        graph.db
          .prepare(
            `SELECT s.id, s.name, s.qualified_name AS qualifiedName, s.kind, f.path, s.line, s.end_line AS endLine, s.signature, s.doc FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.id IN (${best.map(() => "?").join(",")})`,
          )
          .all(...best.map(([id]) => id)) as Array<Omit<SymbolHit, "match">>
      ).map((r) => [r.id, r]),
    );
    // A file is as good as its best symbol (plus a little for the next ones): a hub that matches
    // many words once each does not outscore the module that defines the thing named.
    const perFile = new Map<string, number[]>();
    for (const [id, s] of best) {
      const h = hits.get(id);
      if (!h) continue;
      addSym({ ...h, match: "fuzzy" }, s * 0.05);
      const l = perFile.get(h.path) ?? [];
      l.push(s);
      perFile.set(h.path, l);
    }
    for (const [p, l] of perFile) bm25Syms.set(p, l[0]! + 0.25 * (l[1] ?? 0) + 0.1 * (l[2] ?? 0));
  }

  // 4b. Error messages and quoted strings found verbatim (FTS phrase match), rarer ones weigh more.
  // Messages are often formatted (`"no number is assigned for %s"`): when the whole run is not
  // found, its longest prefix or window of three words or more that is found counts, scaled by
  // its length.
  const phraseFiles = new Map<string, number>();
  for (const ph of [...sig.phrases, ...sig.exact]) {
    const words = ph.split(" ");
    const windows: string[][] = [];
    const minLen = sig.exact.includes(ph) ? words.length : 3;
    for (let len = words.length; len >= minLen; len--)
      for (let start = 0; start + len <= words.length; start++) windows.push(words.slice(start, start + len));
    let tried = 0;
    for (const w of windows) {
      if (++tried > 12) break;
      const rows = graph.searchFilesPhrase(w.join(" "), 20);
      if (!rows.length) continue;
      if (rows.length < 20)
        for (const r of rows) addTo(phraseFiles, r, w.length / words.length / rows.length);
      break;
    }
  }

  const parts: Array<[string, Map<string, number>, number]> = [
    ["explicit", normalize(explicit), 3],
    ["phrase", normalize(phraseFiles), 1.5],
    ["dotted", normalize(dottedFiles), 2],
    ["definitions", normalize(idFiles), 2],
    ["bm25", normalize(bm25Files), 1.5],
    ["symbols", normalize(bm25Syms), 0.7],
    ["termRanks", normalize(termRanks), RRF_W],
  ];
  const why = new Map<string, Record<string, number>>();
  const note = (p: string, signal: string, v: number) => {
    if (!opts.explain) return;
    const r = why.get(p) ?? {};
    r[signal] = round((r[signal] ?? 0) + v);
    why.set(p, r);
  };
  for (const [name, m, w] of parts)
    for (const [p, v] of m) {
      addTo(fileScore, p, v * w);
      note(p, name, v * w);
    }

  // 5. Propagation over the reference graph, seeded by the scores so far.
  const g = fileGraph(graph);
  if (g.ids.length && fileScore.size) {
    const pers = new Float64Array(g.ids.length);
    const byPath = new Map(g.paths.map((p, i) => [p, i]));
    for (const [p, v] of fileScore) {
      const i = byPath.get(p);
      if (i !== undefined) pers[i] = v;
    }
    const pr = pageRank(g, pers, 0.5, 15);
    let max = 0;
    for (const v of pr) max = Math.max(max, v);
    if (max > 0)
      for (let i = 0; i < pr.length; i++)
        if (pr[i]! > 0) {
          addTo(fileScore, g.paths[i]!, (pr[i]! / max) * 0.8);
          note(g.paths[i]!, "graph", (pr[i]! / max) * 0.8);
        }
  }

  // Gold patches rarely touch tests, docs, examples, vendored code, or files in a language other
  // than the repository's main one — unless the issue names the file.
  const mentioned = new Set([...explicit.keys()]);
  const mainLanguage = graph.mainLanguage();
  for (const [p, v] of fileScore) {
    if (mentioned.has(p)) continue;
    let f = 1;
    if (opts.penalizeTests !== false && isTestPath(p)) f *= 0.1;
    if (isPeripheralPath(p)) f *= 0.3;
    if (mainLanguage && graph.languageOf(p) !== mainLanguage) f *= 0.5;
    if (f !== 1) {
      fileScore.set(p, v * f);
      note(p, "penalty", f);
    }
  }

  const files = [...fileScore.entries()]
    .map(([path, score]) => ({ path, score: round(score) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, top)
    .map((f) => (opts.explain ? { ...f, why: why.get(f.path) ?? {} } : f));

  // Symbols of the top files whose names or docstrings share words with the issue: the global
  // symbol search above keeps only the best few hundred symbols of the whole repository.
  const tokenWeight = new Map<string, number>();
  for (const t of sig.terms)
    for (const part of splitWords(t.text))
      tokenWeight.set(part, Math.max(tokenWeight.get(part) ?? 0, t.weight));
  const inFile = graph.db.prepare(
    "SELECT s.id, s.name, s.qualified_name AS qualifiedName, s.kind, f.path, s.line, s.end_line AS endLine, s.signature, s.doc FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.path = ? AND s.kind IN ('function', 'method', 'class')",
  );
  for (const f of files.slice(0, 10)) {
    for (const h of inFile.all(f.path) as Array<Omit<SymbolHit, "match">>) {
      let s = 0;
      for (const w of new Set(splitWords(h.qualifiedName))) s += tokenWeight.get(w) ?? 0;
      let d = 0;
      for (const w of new Set(splitWords(h.doc))) d += tokenWeight.get(w) ?? 0;
      s += 0.2 * Math.min(d, 20);
      if (s > 0) addSym({ ...h, match: "fuzzy" }, s * LOCAL_W);
    }
  }

  // Symbols: their own evidence, scaled by how strongly their file is implicated.
  const fileRank = new Map(files.map((f, i) => [f.path, f.score / (files[0]?.score || 1) / (1 + i * 0.05)]));
  const symbols = [...symScore.values()]
    .map(({ hit, score }) => ({
      name: hit.qualifiedName,
      path: hit.path,
      line: hit.line,
      score: round(
        score *
          (0.2 + (fileRank.get(hit.path) ?? 0)) *
          (isTestPath(hit.path) ? 0.3 : 1) *
          (KIND_W[hit.kind] ?? KIND_W["other"]!),
      ),
    }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, opts.topSymbols ?? Math.max(top, 10));
  return { files, symbols };
}

/** Lower-case words of identifiers and text: snake_case, camelCase and prose split apart. */
function splitWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 2 && !STOPWORDS.has(w));
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
