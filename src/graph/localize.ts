/**
 * Localization: which files and symbols an issue text is about. No model: every signal is lexical
 * or structural, each one a small ranker over files whose scores are normalized and summed:
 *
 * - explicit locations: stack-trace frames (the innermost weigh most) and file paths mentioned;
 * - dotted names (`pkg.mod.func`, `Class.method`) resolved to their module or defining file;
 * - names of classes and functions mentioned in the issue resolved to their definitions,
 *   weighted by how rare the name is in the repository, names called or reached as attributes
 *   (`x.foo()`) counting more and words of the prose that happen to name a method far less;
 *   weak definition evidence is not scaled up to the signal's full weight;
 * - BM25 over file contents, one FTS5 query per issue term so that each term carries its own
 *   weight (title, code spans, repetition) and terms too common to discriminate are dropped;
 * - reciprocal-rank fusion of those per-term rankings: the file where an important term is most
 *   at home rises above a hub that matches many words a little;
 * - BM25 over symbols (name, split words, docstring), a file scored by its best symbols;
 * - error messages and other verbatim word runs found as FTS5 phrases, rarer ones weighing more;
 * - past commits whose messages read like the issue, lending their score to the files they
 *   changed (src/graph/history.ts);
 * - propagation over the reference graph (personalized PageRank) so that code the matches
 *   depend on rises too;
 * - the best candidates' functions read in full, BM25 over each body: a file rises by its best
 *   function (the issue's words together in one function, not spread over a hub);
 * - demotion of tests, docs, vendored code, other languages, and generated files and data
 *   tables (a "do not edit" or ANTLR banner; thousands of lines holding one or two statements).
 *
 * Symbols are ranked by their own evidence (frames, names, symbol BM25, words shared with the
 * issue among the top files' functions, their body's BM25) times how strongly their file is
 * implicated. What the issue's text says is read in issue-text.ts; the full-text signals are in
 * localize-text.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CodeGraph } from "./graph.js";
import { type HistorySource, similarCommits, syncHistory } from "./history.js";
import { type IssueSignals, type IssueTerm, issueSignals, splitWords } from "./issue-text.js";
import { addTo, filePaths, functionBodies, phraseFiles, symbolBm25, termBm25Files } from "./localize-text.js";
import { isPeripheralPath, isTestPath } from "./paths.js";
import type { SymbolHit } from "./queries.js";
import { fileGraph, pageRank } from "./rank.js";
import {
  definitionsOfFile,
  existingPaths,
  filesMatching,
  filesVersion,
  pathsEndingWith,
  sparseFiles,
  symbolNameCount,
} from "./sql.js";

export { type IssueTerm, issueSignals } from "./issue-text.js";
export { isPeripheralPath } from "./paths.js";

export interface LocalizeResult {
  /** `why`: each signal's contribution to the score (only with `explain`). */
  files: Array<{ path: string; score: number; why?: Record<string, number> }>;
  symbols: Array<{ name: string; path: string; line: number; score: number }>;
  /** Past commits whose messages read most like the issue, with the source files they changed. */
  commits: Array<{ hash: string; subject: string; files: string[] }>;
}

export interface LocalizeOptions {
  top?: number;
  topSymbols?: number;
  /** Down-weight test files (issues are usually fixed in source). Default true. */
  penalizeTests?: boolean;
  /** Attach each signal's contribution to every returned file (`why`). */
  explain?: boolean;
  /**
   * The commit history to learn from (commits whose messages read like the issue): default the
   * graph's own (`CodeGraphOptions.history`); `false` to leave history out.
   */
  history?: HistorySource | false;
  /** Reads a file of the index (default: from the graph's root); the eval reads a commit's. */
  readSource?: (path: string) => string | null;
}

// Weights, tuned on 78 SWE-bench Lite tasks and checked on 84 held-out ones (evals/README.md).

/** Each file signal's weight in the sum, once normalized (each divided by its maximum). */
const SIGNAL_W = {
  explicit: 3,
  phrase: 1.5,
  dotted: 2,
  definitions: 2,
  bm25: 1.5,
  symbols: 0.7,
  termRanks: 1,
  /** Propagation over the reference graph (its maximum). */
  graph: 0.8,
} as const;

/** Fixes land in functions: a class or a variable is a coarser answer than a method of it. */
const KIND_W: Record<string, number> = {
  function: 1,
  method: 1,
  class: 0.3,
  other: 0.4,
};

/** A prose-only word naming a definition ("could be done here" → `done()`) is weak evidence. */
const PROSE_NAME = 0.2;

/** Phrases that mark a generated file, as an FTS5 query on the body (anywhere: no positions). */
const GENERATED_MARKERS =
  '"do not edit" OR NEAR(generated antlr, 5) OR "this file is automatically generated"';
/** A data table: this many lines at least, and this many lines per symbol defined in it. */
const TABLE_MIN_LINES = 1500;
const TABLE_LINES_PER_SYMBOL = 700;
/** Score factor of generated files and data tables (as for docs and vendored code). */
const GENERATED_W = 0.3;

/** A name called or reached as an attribute in the issue (`x.foo()`): surely a code name. */
const CALLED_W = 2;

/** The definitions signal is divided by max(its maximum, this): one weak hit is not scaled up to 1. */
const DEF_FLOOR = 3;

/**
 * Past commits: the issue's heaviest `terms` searched in commit messages; the best `commits` lend
 * their score to the files they changed, shared out (by square root) among them. Sweeping
 * commits (more than `maxFiles`: formatting, renames across the tree) say nothing about one file.
 */
const HISTORY = { terms: 80, commits: 30, maxFiles: 20, weight: 1 } as const;

/**
 * Function bodies: the best `candidates` files so far have their functions read in full and
 * scored by BM25 over the issue's terms; the signal's weight for files and for the functions.
 */
const BODIES = { candidates: 30, fileWeight: 1.5, functionWeight: 1 } as const;

/** Symbols of the top files scored by words shared with the issue: weight of that evidence. */
const LOCAL_W = 1;

export function localize(graph: CodeGraph, issueText: string, opts: LocalizeOptions = {}): LocalizeResult {
  const top = opts.top ?? 10;
  const sig = issueSignals(issueText);
  // Symbols gather evidence as the file signals are computed (in this order), then more below.
  const symbols = new SymbolEvidence();

  const explicit = explicitLocations(graph, sig, symbols);
  const dotted = dottedNameFiles(graph, sig, symbols);
  const definitions = definitionFiles(graph, sig, symbols);
  const { sum: bm25, fused: termRanks } = termBm25Files(graph, sig.terms, 48, 0.35);
  const symbolFiles = symbolBm25Files(graph, sig.terms, symbols);
  const phrases = phraseFiles(graph, sig);
  const { out: history, commits } = historyFiles(graph, sig.terms, opts.history ?? graph.history);

  const files = new FileScores(opts.explain === true);
  files.addSignals([
    ["explicit", normalize(explicit.files), SIGNAL_W.explicit],
    ["phrase", normalize(phrases), SIGNAL_W.phrase],
    ["dotted", normalize(dotted), SIGNAL_W.dotted],
    ["definitions", normalize(definitions, DEF_FLOOR), SIGNAL_W.definitions],
    ["bm25", normalize(bm25), SIGNAL_W.bm25],
    ["symbols", normalize(symbolFiles), SIGNAL_W.symbols],
    ["termRanks", normalize(termRanks), SIGNAL_W.termRanks],
    ["history", normalize(history), HISTORY.weight],
  ]);
  propagateOverReferences(graph, files);
  const penalty = peripheralPenalty(graph, explicit.mentioned, opts.penalizeTests !== false);
  files.penalize(penalty);

  // The best candidates' functions read in full: a file rises by its best function's match with
  // the issue (a hub matches many words across the file; the fix's function matches them
  // together). Added after the penalties, with the same penalties.
  const read = opts.readSource ?? rootReader(graph);
  const bodies = functionBodies(graph, sig.terms, files.best(BODIES.candidates), read);
  for (const [p, v] of normalize(bodies.files)) files.add(p, "bodies", v * BODIES.fileWeight * penalty(p));

  const ranked = files.top(top);
  localSymbols(graph, sig.terms, ranked, bodies.functions, symbols);
  return { files: ranked, symbols: symbols.ranked(ranked, opts.topSymbols ?? Math.max(top, 10)), commits };
}

// ---------------------------------------------------------------- scores

/** The files' summed scores, and with `explain` each signal's share of them. */
class FileScores {
  private readonly scores = new Map<string, number>();
  private readonly why = new Map<string, Record<string, number>>();

  constructor(private readonly explain: boolean) {}

  get size(): number {
    return this.scores.size;
  }

  add(path: string, signal: string, v: number): void {
    addTo(this.scores, path, v);
    this.note(path, signal, v);
  }

  /** Normalized signals, each with its weight in the sum. */
  addSignals(signals: Array<[name: string, scores: Map<string, number>, weight: number]>): void {
    for (const [name, m, w] of signals) for (const [p, v] of m) this.add(p, name, v * w);
  }

  /** Multiplies every score by its file's factor. */
  penalize(factor: (path: string) => number): void {
    for (const [p, v] of this.scores) {
      const f = factor(p);
      if (f !== 1) {
        this.scores.set(p, v * f);
        this.note(p, "penalty", f);
      }
    }
  }

  entries(): IterableIterator<[string, number]> {
    return this.scores.entries();
  }

  /** The `n` best files so far. */
  best(n: number): string[] {
    return [...this.scores.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([p]) => p);
  }

  /** The `n` best files, scores rounded, with `why` when explaining. */
  top(n: number): LocalizeResult["files"] {
    return [...this.scores.entries()]
      .map(([path, score]) => ({ path, score: round(score) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, n)
      .map((f) => (this.explain ? { ...f, why: this.why.get(f.path) ?? {} } : f));
  }

  private note(path: string, signal: string, v: number): void {
    if (!this.explain) return;
    const r = this.why.get(path) ?? {};
    r[signal] = round((r[signal] ?? 0) + v);
    this.why.set(path, r);
  }
}

/** Each symbol's own evidence, summed; ranked at the end by how strongly its file is implicated. */
class SymbolEvidence {
  private readonly scores = new Map<number, { hit: SymbolHit; score: number }>();

  add(hit: SymbolHit, s: number): void {
    const cur = this.scores.get(hit.id);
    if (cur) cur.score += s;
    else this.scores.set(hit.id, { hit, score: s });
  }

  /** The best `limit` symbols: their evidence times their file's rank, tests and classes weighing less. */
  ranked(files: LocalizeResult["files"], limit: number): LocalizeResult["symbols"] {
    const fileRank = new Map(
      files.map((f, i) => [f.path, f.score / (files[0]?.score || 1) / (1 + i * 0.05)]),
    );
    return [...this.scores.values()]
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
      .slice(0, limit);
  }
}

/** Divide by the maximum, or by `floor` when it is larger: weak evidence stays weak. */
function normalize(m: Map<string, number>, floor = 0): Map<string, number> {
  let max = floor;
  for (const v of m.values()) max = Math.max(max, v);
  if (max <= 0) return m;
  return new Map([...m].map(([k, v]) => [k, v / max]));
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

// ---------------------------------------------------------------- signals

/**
 * Stack frames (the innermost, written last, weigh most; the function a frame names is evidence
 * for that symbol) and file paths the issue writes. `mentioned`: the files named by a path with
 * directories, exempt from the penalties; a bare file name (`a.py`) still counts as evidence but
 * does not lift a test or docs file.
 */
function explicitLocations(
  graph: CodeGraph,
  sig: IssueSignals,
  symbols: SymbolEvidence,
): { files: Map<string, number>; mentioned: Set<string> } {
  const files = new Map<string, number>();
  const mentioned = new Set<string>();
  sig.frames.forEach((f, i) => {
    const { paths, specific } = suffixMatches(graph, f.path);
    for (const p of paths) {
      if (specific) mentioned.add(p);
      addTo(files, p, 1 + i / Math.max(1, sig.frames.length));
      if (f.func && f.func !== "<module>")
        for (const h of graph.find(f.func, { limit: 20 }))
          if (h.path === p && (h.match === "exact" || h.match === "qualified")) symbols.add(h, 3);
    }
  });
  for (const p of sig.paths) {
    const { paths, specific } = suffixMatches(graph, p);
    for (const hit of paths) {
      addTo(files, hit, 1.5);
      if (specific) mentioned.add(hit);
    }
  }
  return { files, mentioned };
}

/** Dotted names: qualified symbols (Class.method, mod.func) and modules (a.b.c → a/b/c.py). */
function dottedNameFiles(graph: CodeGraph, sig: IssueSignals, symbols: SymbolEvidence): Map<string, number> {
  const files = new Map<string, number>();
  for (const d of sig.dotted) {
    const hits = graph.find(d, { limit: 10 }).filter((h) => h.match === "qualified");
    for (const h of hits) {
      addTo(files, h.path, 2 / hits.length);
      symbols.add(h, 4 / hits.length);
    }
    // The longest prefix that names a module.
    const asPath = d.split(".");
    for (let n = asPath.length; n >= 2; n--) {
      const mod = asPath.slice(0, n).join("/");
      const rows = existingPaths(graph.db, `${mod}.py`, `${mod}/__init__.py`, `${mod}.ts`);
      if (rows.length) {
        for (const r of rows) addTo(files, r, 1);
        break;
      }
    }
  }
  return files;
}

/** Names of the issue that name symbols, weighted by rarity (a name defined once says more). */
function definitionFiles(graph: CodeGraph, sig: IssueSignals, symbols: SymbolEvidence): Map<string, number> {
  const files = new Map<string, number>();
  // Kebab-case options are often attributes in snake_case (`ignore-paths` → `ignore_paths`).
  const named: Array<[string, number]> = sig.terms.flatMap((t) =>
    [...new Set([...t.spellings, ...t.spellings.map((x) => x.replace(/-/g, "_"))])].map(
      (x): [string, number] => [x, t.weight * (t.called ? CALLED_W : t.code ? 1 : PROSE_NAME)],
    ),
  );
  for (const [id, w] of named) {
    const n = symbolNameCount(graph.db, id);
    if (!n || n > 60) continue;
    const idf = 1 / Math.log2(1 + n);
    const hits = graph.find(id, { limit: 60 }).filter((h) => h.match === "exact");
    for (const h of hits) {
      const kindW = h.kind === "class" || h.kind === "function" || h.kind === "method" ? 1 : 0.5;
      addTo(files, h.path, w * idf * kindW);
      symbols.add(h, w * idf * kindW);
    }
  }
  return files;
}

/**
 * BM25 over symbols (see `symbolBm25`): the best 300 are evidence for themselves, and a file is
 * as good as its best symbol (plus a little for the next ones), so that a hub that matches many
 * words once each does not outscore the module that defines the thing named.
 */
function symbolBm25Files(graph: CodeGraph, terms: IssueTerm[], symbols: SymbolEvidence): Map<string, number> {
  const files = new Map<string, number>();
  const best = symbolBm25(graph, terms, 48, 300);
  const perFile = new Map<string, number[]>();
  for (const { hit, score } of best) {
    symbols.add({ ...hit, match: "fuzzy" }, score * 0.05);
    const l = perFile.get(hit.path) ?? [];
    l.push(score);
    perFile.set(hit.path, l);
  }
  for (const [p, l] of perFile) files.set(p, l[0]! + 0.25 * (l[1] ?? 0) + 0.1 * (l[2] ?? 0));
  return files;
}

/** Files changed by past commits whose messages read like the issue (not tests, docs, other languages). */
function historyFiles(
  graph: CodeGraph,
  terms: IssueTerm[],
  src: HistorySource | false,
): { out: Map<string, number>; commits: LocalizeResult["commits"] } {
  const out = new Map<string, number>();
  const commits: LocalizeResult["commits"] = [];
  if (!src || !terms.length) return { out, commits };
  try {
    if (!syncHistory(graph.db, src)) return { out, commits };
  } catch {
    // History is extra evidence: a database that cannot be written to (read-only, busy) goes without.
    return { out, commits };
  }
  const known = new Set(filePaths(graph).values());
  const main = graph.mainLanguage();
  const query = terms
    .slice(0, HISTORY.terms)
    .map((t) => t.fts)
    .join(" OR ");
  for (const c of similarCommits(graph.db, query, HISTORY.commits)) {
    const files = c.files.filter(
      (p) =>
        known.has(p) && !isTestPath(p) && !isPeripheralPath(p) && (!main || graph.languageOf(p) === main),
    );
    if (!files.length || files.length > HISTORY.maxFiles) continue;
    for (const p of files) addTo(out, p, c.score / Math.sqrt(files.length));
    if (commits.length < 3) commits.push({ hash: c.hash, subject: c.subject, files });
  }
  return { out, commits };
}

/** Propagation over the reference graph (personalized PageRank), seeded by the scores so far. */
function propagateOverReferences(graph: CodeGraph, files: FileScores): void {
  const g = fileGraph(graph);
  if (!g.ids.length || !files.size) return;
  const pers = new Float64Array(g.ids.length);
  const byPath = new Map(g.paths.map((p, i) => [p, i]));
  for (const [p, v] of files.entries()) {
    const i = byPath.get(p);
    if (i !== undefined) pers[i] = v;
  }
  const pr = pageRank(g, pers, 0.5, 15);
  let max = 0;
  for (const v of pr) max = Math.max(max, v);
  if (max > 0)
    for (let i = 0; i < pr.length; i++)
      if (pr[i]! > 0) files.add(g.paths[i]!, "graph", (pr[i]! / max) * SIGNAL_W.graph);
}

/**
 * The factor of a file's score: gold patches rarely touch tests, docs, examples, vendored or
 * generated code, or files in a language other than the repository's main one — unless the
 * issue names the file (`mentioned`).
 */
function peripheralPenalty(
  graph: CodeGraph,
  mentioned: Set<string>,
  penalizeTests: boolean,
): (path: string) => number {
  const mainLanguage = graph.mainLanguage();
  const generated = generatedFiles(graph);
  return (p) => {
    if (mentioned.has(p)) return 1;
    let f = 1;
    if (penalizeTests && isTestPath(p)) f *= 0.1;
    if (isPeripheralPath(p)) f *= 0.3;
    if (generated.has(p)) f *= GENERATED_W;
    if (mainLanguage && graph.languageOf(p) !== mainLanguage) f *= 0.5;
    return f;
  };
}

/**
 * Symbols of the top files whose names or docstrings share words with the issue, or whose body
 * matched it: the global symbol search keeps only the best few hundred symbols of the whole
 * repository.
 */
function localSymbols(
  graph: CodeGraph,
  terms: IssueTerm[],
  files: LocalizeResult["files"],
  bodyScores: Map<number, number>,
  symbols: SymbolEvidence,
): void {
  const tokenWeight = new Map<string, number>();
  for (const t of terms)
    for (const part of splitWords(t.text))
      tokenWeight.set(part, Math.max(tokenWeight.get(part) ?? 0, t.weight));
  for (const f of files.slice(0, 10)) {
    for (const h of definitionsOfFile(graph.db, f.path)) {
      let s = 0;
      for (const w of new Set(splitWords(h.qualifiedName))) s += tokenWeight.get(w) ?? 0;
      let d = 0;
      for (const w of new Set(splitWords(h.doc))) d += tokenWeight.get(w) ?? 0;
      s += 0.2 * Math.min(d, 20);
      s += (bodyScores.get(h.id) ?? 0) * BODIES.functionWeight;
      if (s > 0) symbols.add({ ...h, match: "fuzzy" }, s * LOCAL_W);
    }
  }
}

// ---------------------------------------------------------------- paths

/**
 * Whether a written path names a file outside the checkout it was run from (an installed copy, a
 * user's home): only such paths may lose leading directories to match a repository path. A
 * relative path is relative to somewhere inside the repository, so the repository path must end
 * with all of it (`a/a.py` is not `tests/x/a.py`).
 */
function isForeignPath(p: string): boolean {
  return /^(?:[A-Za-z]:)?[\\/~]|(?:^|\/)(?:site|dist)-packages\/|(?:^|\/)lib\/python[\d.]*\//.test(p);
}

/** Repository files a written path names, and whether the match is specific (more than a bare name). */
function suffixMatches(graph: CodeGraph, p: string): { paths: string[]; specific: boolean } {
  const clean = p.replace(/\\/g, "/").replace(/^\.?\//, "");
  const parts = clean.split("/").filter(Boolean);
  // Longest suffix first: absolute site-packages paths end in the repository's path. Cut down to
  // its bare file name, a foreign path (`/Users/u/code/app/logging.py`) is most often the user's
  // own project: then only a file at the repository's top level counts.
  const foreign = isForeignPath(p);
  const last = foreign ? parts.length - 1 : 0;
  for (let i = 0; i <= last; i++) {
    const suffix = parts.slice(i).join("/");
    const bare = i === parts.length - 1;
    let rows = pathsEndingWith(graph.db, suffix);
    if (foreign && bare && i > 0) rows = rows.filter((r) => r === suffix);
    if (!rows.length) continue;
    // A bare file name matching more than two files says nothing.
    if (bare && rows.length > 2) return { paths: [], specific: false };
    // Specific: the repository path as written, or an installed copy's path ending in it. A
    // relative path that only ends some deeper file (`a/__init__.py`) is evidence, nothing more.
    const specific = !bare && (i > 0 || rows.every((r) => r === suffix));
    return { paths: rows, specific };
  }
  return { paths: [], specific: false };
}

/**
 * Generated files (a "do not edit" header, an ANTLR banner) and huge data tables (thousands of
 * lines holding one or two assignments): they match many words of an issue, but a fix goes into
 * the generator or the code that reads the table.
 */
export function generatedFiles(graph: CodeGraph): Set<string> {
  const key = filesVersion(graph.db);
  const c = generatedCache.get(graph);
  if (c && c.key === key) return c.paths;
  const marked = filesMatching(graph.db, `body:(${GENERATED_MARKERS})`);
  const tables = sparseFiles(graph.db, TABLE_MIN_LINES, TABLE_LINES_PER_SYMBOL);
  const paths = new Set([...marked, ...tables]);
  generatedCache.set(graph, { key, paths });
  return paths;
}

const generatedCache = new WeakMap<CodeGraph, { key: string; paths: Set<string> }>();

function rootReader(graph: CodeGraph): (path: string) => string | null {
  return (p) => {
    try {
      return readFileSync(join(graph.root, p), "utf8");
    } catch {
      return null;
    }
  };
}
