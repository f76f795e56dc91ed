/**
 * Localization: which files and symbols an issue text is about. Signals, all lexical or
 * structural (no model): stack-trace frames and file paths mentioned (strongest), dotted module
 * and qualified names, identifiers that name symbols in the repository (weighted by rarity),
 * BM25 over file contents and over symbol names/docstrings (FTS5), then propagation over the
 * reference graph (personalized PageRank) so that code the matches depend on rises too.
 */
import type { CodeGraph, SymbolHit } from "./graph.js";
import { isTestPath } from "./graph.js";
import { fileGraph, pageRank } from "./rank.js";

export interface LocalizeResult {
  files: Array<{ path: string; score: number }>;
  symbols: Array<{ name: string; path: string; line: number; score: number }>;
}

const STOPWORDS = new Set(
  `the and for that this with from are was were but not you your have has had been can could should would will into when then than there their them they what which while where who why how all any each other some such only own same very just also more most much many use used using get got set let its it's our out over under again further once here both few nor off too does did doing being because until about against between through during before after above below issue bug error problem expected actual behavior behaviour following example code like return returns value values work works working fix fixed case cases test tests file files line lines call called calling function functions method methods class classes object objects type types result results true false none null self def import print raise python version versions see also want need make made new one two first last way thing well even still may might must shall whether however instead already doesn doesn't isn isn't don don't cannot can't it won't wouldn't seems seem`.split(
    /\s+/,
  ),
);

const FRAME_RES = [
  /File "([^"]+)", line (\d+)(?:, in ([\w<>.]+))?/g, // Python
  /at (?:([\w$.<>]+) )?\(?((?:[A-Za-z]:)?[^\s():]+\.[a-z]+):(\d+)(?::\d+)?\)?/g, // JS/Java-ish
  /((?:[\w.-]+\/)+[\w.-]+\.[a-z]{1,4}):(\d+)/g, // path:line
];

interface IssueSignals {
  frames: Array<{ path: string; func: string }>;
  paths: string[];
  dotted: string[];
  identifiers: Map<string, number>;
  words: string[];
  /** Quoted messages and error lines: searched as exact phrases in file contents. */
  phrases: string[];
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
  return { frames, paths: [...paths], dotted: [...dotted], identifiers, words, phrases: issuePhrases(text) };
}

/** Word sequences the code likely contains verbatim: error messages and quoted strings. */
function issuePhrases(text: string): string[] {
  const out = new Set<string>();
  const take = (raw: string) => {
    const words = raw.match(/[A-Za-z][A-Za-z0-9]*/g) ?? [];
    // Three words at least (shorter phrases are not specific); at most eight (messages are
    // often formatted with values in the middle, so a long phrase rarely survives intact).
    if (words.length >= 3) out.add(words.slice(0, 8).join(" ").toLowerCase());
  };
  for (const m of text.matchAll(/\b[A-Z]\w*(?:Error|Exception|Warning)\b:\s*([^\n]{8,200})/g)) take(m[1]!);
  for (const m of text.matchAll(/(?<![\w])(["'])([^"'\n]{12,160})\1/g)) if (/\s/.test(m[2]!)) take(m[2]!);
  return [...out].slice(0, 12);
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

export interface LocalizeOptions {
  top?: number;
  topSymbols?: number;
  /** Down-weight test files (issues are usually fixed in source). Default true. */
  penalizeTests?: boolean;
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

  // 3. Identifiers naming symbols, weighted by rarity (a name defined once says more).
  const idFiles = new Map<string, number>();
  for (const [id, w] of sig.identifiers) {
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

  // 4. BM25 over file contents and over symbols.
  const terms = [...sig.identifiers.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([t]) => t)
    .slice(0, 60);
  const bm25Files = new Map<string, number>();
  for (const r of graph.searchFiles(terms, 200)) bm25Files.set(r.path, r.score);
  const bm25Syms = new Map<string, number>();
  for (const r of graph.searchSymbols(terms, 200)) {
    addTo(bm25Syms, r.path, r.score);
    addSym(r, r.score * 0.05);
  }

  // 4b. Error messages and quoted strings found verbatim (FTS phrase match), rarer ones weigh more.
  const phraseFiles = new Map<string, number>();
  for (const ph of sig.phrases) {
    const rows = graph.searchFilesPhrase(ph, 20);
    if (!rows.length || rows.length >= 20) continue;
    for (const r of rows) addTo(phraseFiles, r, 1 / rows.length);
  }

  const parts: Array<[Map<string, number>, number]> = [
    [normalize(explicit), 3],
    [normalize(phraseFiles), 1.5],
    [normalize(dottedFiles), 2],
    [normalize(idFiles), 2],
    [normalize(bm25Files), 1.5],
    [normalize(bm25Syms), 0.7],
  ];
  for (const [m, w] of parts) for (const [p, v] of m) addTo(fileScore, p, v * w);

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
      for (let i = 0; i < pr.length; i++) if (pr[i]! > 0) addTo(fileScore, g.paths[i]!, (pr[i]! / max) * 0.8);
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
    if (f !== 1) fileScore.set(p, v * f);
  }

  const files = [...fileScore.entries()]
    .map(([path, score]) => ({ path, score: round(score) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, top);

  // Symbols: their own evidence, scaled by how strongly their file is implicated.
  const fileRank = new Map(files.map((f, i) => [f.path, f.score / (files[0]?.score || 1) / (1 + i * 0.05)]));
  const symbols = [...symScore.values()]
    .map(({ hit, score }) => ({
      name: hit.qualifiedName,
      path: hit.path,
      line: hit.line,
      score: round(score * (0.2 + (fileRank.get(hit.path) ?? 0)) * (isTestPath(hit.path) ? 0.3 : 1)),
    }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, opts.topSymbols ?? Math.max(top, 10));
  return { files, symbols };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
