/**
 * Localization's full-text signals (see localize.ts): BM25 over file contents and over symbols,
 * one FTS5 query per issue term, with reciprocal-rank fusion of the per-term rankings; the
 * issue's phrases found verbatim; and BM25 over the function bodies of the best candidates.
 */
import type { CodeGraph } from "./graph.js";
import { type IssueSignals, type IssueTerm, splitWords } from "./issue-text.js";
import type { SymbolHit } from "./queries.js";
import {
  fileBm25,
  fileMatchCount,
  filePathsById,
  filesVersion,
  functionSpansOfFile,
  symbolBm25 as symbolBm25Rows,
  symbolsByIds,
} from "./sql.js";

/** Per-term reciprocal-rank fusion: rank offset. */
const RRF_K = 5;

export function addTo(m: Map<string, number>, k: string, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}

const pathCache = new WeakMap<CodeGraph, { key: string; byId: Map<number, string> }>();

/** File id → path, cached per graph until the file table changes. */
export function filePaths(graph: CodeGraph): Map<number, string> {
  const key = filesVersion(graph.db);
  const c = pathCache.get(graph);
  if (c && c.key === key) return c.byId;
  const byId = new Map<number, string>();
  for (const [id, path] of filePathsById(graph.db)) byId.set(id, path);
  pathCache.set(graph, { key, byId });
  return byId;
}

/**
 * BM25 over file contents, term by term: a file's score is the weighted sum of its per-term
 * BM25 scores (BM25 is additive over terms, so with unit weights this is plain BM25). Terms found
 * in more than `maxDf` of the files say nothing about where the fix goes and are skipped.
 * `fused`: reciprocal rank per term, the files where an important term is most at home.
 */
export function termBm25Files(
  graph: CodeGraph,
  terms: IssueTerm[],
  maxTerms: number,
  maxDf: number,
): { sum: Map<string, number>; fused: Map<string, number> } {
  const paths = filePaths(graph);
  const n = Math.max(1, paths.size);
  const scored: Array<{ t: IssueTerm; df: number }> = [];
  for (const t of terms.slice(0, 160)) {
    const df = fileMatchCount(graph.db, t.fts);
    if (!df || df / n > maxDf) continue;
    scored.push({ t, df });
  }
  // The heaviest terms, by issue weight times rarity.
  scored.sort((a, b) => b.t.weight * Math.log(n / b.df) - a.t.weight * Math.log(n / a.df));
  const out = new Map<string, number>();
  const fused = new Map<string, number>();
  for (const { t } of scored.slice(0, maxTerms)) {
    const hits = fileBm25(graph.db, t.fts).sort((a, b) => b[1] - a[1]);
    hits.forEach(([id, s], rank) => {
      const p = paths.get(id);
      if (p === undefined) return;
      addTo(out, p, t.weight * s);
      if (rank < 20) addTo(fused, p, t.weight / (RRF_K + rank));
    });
  }
  return { sum: out, fused };
}

/**
 * BM25 over symbols, term by term (names, split words and docstrings only: the path column would
 * match every symbol of a file): the `limit` symbols of the highest weighted sums, best first.
 */
export function symbolBm25(
  graph: CodeGraph,
  terms: IssueTerm[],
  maxTerms: number,
  limit: number,
): Array<{ hit: Omit<SymbolHit, "match">; score: number }> {
  const sums = new Map<number, number>();
  for (const t of terms.slice(0, maxTerms)) {
    for (const [id, s] of symbolBm25Rows(graph.db, `{name qualified_name words doc}: ${t.fts}`))
      sums.set(id, (sums.get(id) ?? 0) + t.weight * s);
  }
  if (!sums.size) return [];
  const best = [...sums].sort((a, b) => b[1] - a[1]).slice(0, limit);
  const hits = new Map(
    symbolsByIds(
      graph.db,
      best.map(([id]) => id),
    ).map((r) => [r.id, r]),
  );
  const out: Array<{ hit: Omit<SymbolHit, "match">; score: number }> = [];
  for (const [id, score] of best) {
    const hit = hits.get(id);
    if (hit) out.push({ hit, score });
  }
  return out;
}

/**
 * Error messages and quoted strings found verbatim (FTS phrase match), rarer ones weighing more.
 * Messages are often formatted (`"no number is assigned for %s"`): when the whole run is not
 * found, its longest prefix or window of three words or more that is found counts, scaled by its
 * length. Plain word runs of output blocks (`exact`) count only whole.
 */
export function phraseFiles(graph: CodeGraph, sig: IssueSignals): Map<string, number> {
  const files = new Map<string, number>();
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
      if (rows.length < 20) for (const r of rows) addTo(files, r, w.length / words.length / rows.length);
      break;
    }
  }
  return files;
}

/**
 * BM25 of the issue's terms over the functions and methods of `paths` (their source lines, words
 * split as in identifiers), with each term's rarity among the repository's files. A file scores
 * its best function plus a quarter of its second.
 */
export function functionBodies(
  graph: CodeGraph,
  terms: IssueTerm[],
  paths: string[],
  read: (path: string) => string | null,
): { files: Map<string, number>; functions: Map<number, number> } {
  const files = new Map<string, number>();
  const functions = new Map<number, number>();
  const nFiles = Math.max(1, filePaths(graph).size);
  const query = terms.slice(0, 60).flatMap((t) => {
    const parts = splitWords(t.text);
    const n = parts.length ? fileMatchCount(graph.db, t.fts) : 0;
    return n ? [{ parts, weight: t.weight * Math.log(1 + nFiles / n) }] : [];
  });
  if (!query.length) return { files, functions };
  const rows: Array<{ id: number; path: string; length: number; tf: number[] }> = [];
  for (const p of paths) {
    const text = read(p);
    if (text === null) continue;
    const lines = text.split("\n");
    for (const r of functionSpansOfFile(graph.db, p)) {
      const words = splitWords(lines.slice(r.line - 1, r.endLine).join("\n"));
      const counts = new Map<string, number>();
      for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
      // A multi-word term (`autodoc_typehints`) counts as often as its rarest part.
      const tf = query.map((q) => Math.min(...q.parts.map((x) => counts.get(x) ?? 0)));
      rows.push({ id: r.id, path: p, length: words.length, tf });
    }
  }
  const avg = rows.reduce((a, r) => a + r.length, 0) / Math.max(1, rows.length) || 1;
  const perFile = new Map<string, number[]>();
  for (const r of rows) {
    let score = 0;
    r.tf.forEach((tf, i) => {
      if (tf) score += (query[i]!.weight * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * r.length) / avg));
    });
    if (score <= 0) continue;
    functions.set(r.id, score);
    const l = perFile.get(r.path) ?? [];
    l.push(score);
    perFile.set(r.path, l);
  }
  for (const [p, l] of perFile) {
    l.sort((a, b) => b - a);
    files.set(p, l[0]! + 0.25 * (l[1] ?? 0));
  }
  return { files, functions };
}
