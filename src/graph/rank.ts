/**
 * Ranking over the file reference graph: a compact personalized PageRank (power iteration,
 * ~30 lines — no graph library is installed, and this is all the map needs), and the repo map:
 * the highest-ranked files rendered as skeletons of signatures within a token budget.
 */
import type { CodeGraph } from "./graph.js";
import { allFiles, crossFileEdgeCounts, edgesVersion, skeletonOfFile } from "./sql.js";

export interface FileGraph {
  ids: number[];
  paths: string[];
  index: Map<number, number>;
  /** out[i] = [[j, weight], ...] */
  out: Array<Array<[number, number]>>;
}

const graphCache = new WeakMap<CodeGraph, { key: string; g: FileGraph }>();

/** Files as nodes, aggregated cross-file edges (imports, calls, references, inherits) as weights. */
export function fileGraph(graph: CodeGraph): FileGraph {
  const key = edgesVersion(graph.db);
  const cached = graphCache.get(graph);
  if (cached && cached.key === key) return cached.g;
  const files = allFiles(graph.db);
  const index = new Map(files.map((f, i) => [f.id, i]));
  const out: Array<Array<[number, number]>> = files.map(() => []);
  const rows = crossFileEdgeCounts(graph.db);
  for (const [s, d, n] of rows) {
    const i = index.get(s);
    const j = index.get(d);
    // Diminishing returns: a hundred calls are not a hundred times one import.
    if (i !== undefined && j !== undefined) out[i]!.push([j, Math.sqrt(n)]);
  }
  const g = { ids: files.map((f) => f.id), paths: files.map((f) => f.path), index, out };
  graphCache.set(graph, { key, g });
  return g;
}

/** Personalized PageRank. `personalization` is indexed like the graph's nodes (need not sum to 1). */
export function pageRank(
  g: FileGraph,
  personalization?: Float64Array,
  damping = 0.85,
  iterations = 30,
): Float64Array {
  const n = g.ids.length;
  if (!n) return new Float64Array(0);
  const p = new Float64Array(n);
  let psum = 0;
  if (personalization) for (let i = 0; i < n; i++) psum += personalization[i]!;
  for (let i = 0; i < n; i++) p[i] = psum > 0 ? personalization![i]! / psum : 1 / n;
  const outSum = g.out.map((es) => es.reduce((a, [, w]) => a + w, 0));
  let r = Float64Array.from(p);
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(n);
    let dangling = 0;
    for (let i = 0; i < n; i++) {
      const ri = r[i]!;
      if (outSum[i] === 0) {
        dangling += ri;
        continue;
      }
      for (const [j, w] of g.out[i]!) next[j]! += (damping * ri * w) / outSum[i]!;
    }
    for (let i = 0; i < n; i++) next[i]! += (1 - damping + damping * dangling) * p[i]!;
    r = next;
  }
  return r;
}

export interface RepoMapOptions {
  /** Approximate token budget (≈ 4 characters per token). */
  budgetTokens?: number;
  /** Seed files (repository-relative paths) and identifiers/symbol names to personalize the ranking. */
  seedFiles?: string[];
  seedSymbols?: string[];
  /** Extra per-file weights (path → weight), e.g. from localization. */
  fileWeights?: Map<string, number>;
}

export interface RankedFile {
  path: string;
  score: number;
}

/** Files ranked by personalized PageRank over the reference graph. */
export function rankFiles(graph: CodeGraph, opts: RepoMapOptions = {}): RankedFile[] {
  const g = fileGraph(graph);
  const n = g.ids.length;
  const pers = new Float64Array(n);
  let seeded = false;
  const byPath = new Map(g.paths.map((p, i) => [p, i]));
  for (const f of opts.seedFiles ?? []) {
    const i = byPath.get(f.replace(/^\.\//, ""));
    if (i !== undefined) {
      pers[i]! += 10;
      seeded = true;
    }
  }
  for (const s of opts.seedSymbols ?? []) {
    for (const hit of graph.find(s, { limit: 10 })) {
      if (hit.match === "fuzzy" || hit.match === "substring") continue;
      const i = byPath.get(hit.path);
      if (i !== undefined) {
        pers[i]! += 5;
        seeded = true;
      }
    }
  }
  for (const [p, w] of opts.fileWeights ?? []) {
    const i = byPath.get(p);
    if (i !== undefined && w > 0) {
      pers[i]! += w;
      seeded = true;
    }
  }
  const r = pageRank(g, seeded ? pers : undefined);
  const out: RankedFile[] = [];
  for (let i = 0; i < n; i++) out.push({ path: g.paths[i]!, score: r[i]! });
  return out.sort((a, b) => b.score - a.score);
}

/** The ranked map rendered as per-file skeletons (signatures, nested), cut to the budget. */
export function renderRepoMap(graph: CodeGraph, opts: RepoMapOptions = {}): string {
  const budgetChars = (opts.budgetTokens ?? 1024) * 4;
  const ranked = rankFiles(graph, opts);
  const seedSet = new Set((opts.seedSymbols ?? []).map((s) => s.split(/[.:]/).pop()!));
  let out = "";
  for (const f of ranked) {
    if (out.length >= budgetChars) break;
    const syms = skeletonOfFile(graph.db, f.path);
    if (!syms.length) continue;
    // Within a file: keep the top-level skeleton plus the most referenced (or seeded) members.
    const depth = new Map<number, number>();
    for (const s of syms) depth.set(s.id, s.parentId === null ? 0 : (depth.get(s.parentId) ?? 0) + 1);
    const members = syms.filter((s) => depth.get(s.id)! > 0).sort((a, b) => b.refs - a.refs);
    const keep = new Set(members.slice(0, 12).map((s) => s.id));
    for (const s of syms) if (depth.get(s.id) === 0 || seedSet.has(s.name)) keep.add(s.id);
    let block = `${f.path}:\n`;
    for (const s of syms) {
      if (!keep.has(s.id) || depth.get(s.id)! > 2) continue;
      block += `${"  ".repeat(depth.get(s.id)! + 1)}${s.line}: ${s.signature}\n`;
    }
    if (out.length + block.length > budgetChars) {
      const room = budgetChars - out.length;
      if (room < 200) break;
      const lines = block.split("\n");
      let cut = "";
      for (const l of lines) {
        if (cut.length + l.length + 1 > room) break;
        cut += `${l}\n`;
      }
      out += `${cut.trimEnd()}\n  ⋮\n`;
      break;
    }
    out += block;
  }
  return out.trimEnd();
}
