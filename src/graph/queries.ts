/**
 * The structural queries of the graph: find a symbol (exact, qualified, fuzzy), references,
 * callers, callees, a file's outline, a k-hop neighbourhood, full-text search over files and
 * symbols, and the index's statistics. Read-only; `CodeGraph` answers its callers with these.
 */
import { statSync } from "node:fs";
import { posix } from "node:path";
import { indexedHistory } from "./history.js";
import { isTestPath, moduleName } from "./paths.js";
import { type FileSymbol, SYMBOL_COLUMNS, type SymbolRow, statement, symbolsOfPath } from "./sql.js";
import { type DB, getMeta, splitIdentifierWords } from "./store.js";

export interface GraphStats {
  root: string;
  dbPath: string;
  dbBytes: number;
  files: number;
  filesByStatus: Record<string, number>;
  filesByLanguage: Record<string, number>;
  symbols: number;
  symbolsByKind: Record<string, number>;
  edges: number;
  edgesByKind: Record<string, number>;
  builtAt: string | null;
  /** Commits indexed for localization (filled by the first `localize`), null before. */
  history: { head: string; commits: number } | null;
}

export interface SymbolHit extends SymbolRow {
  match: "exact" | "qualified" | "insensitive" | "prefix" | "substring" | "fuzzy";
}

export interface RefHit {
  kind: string;
  path: string;
  line: number;
  /** The symbol the reference sits in ("" at file level). */
  from: string;
  fromKind: string;
  target: string;
}

export interface CalleeHit {
  name: string;
  line: number;
  /** null when the callee is outside the repository or ambiguous. */
  target: SymbolHit | null;
}

/** A symbol of a file with how deeply it is nested (0: top level). */
export type OutlineEntry = Omit<FileSymbol, "parentId"> & { depth: number };

export interface NeighborHit {
  symbol: SymbolHit;
  distance: number;
  /** How it was reached from the previous node: "calls", "called-by", "references", ... */
  via: string;
}

const BASE = `SELECT ${SYMBOL_COLUMNS} FROM symbols s JOIN files f ON f.id = s.file_id`;

const REVERSE: Record<string, string> = {
  calls: "called-by",
  references: "referenced-by",
  inherits: "inherited-by",
  contains: "contained-in",
};

/** Test files last, then definitions before variables, then shorter paths, then by line. */
function rank(rows: SymbolRow[]): SymbolRow[] {
  return rows.sort(
    (a, b) =>
      Number(isTestPath(a.path)) - Number(isTestPath(b.path)) ||
      Number(["variable", "constant", "field"].includes(a.kind)) -
        Number(["variable", "constant", "field"].includes(b.kind)) ||
      a.path.length - b.path.length ||
      a.line - b.line,
  );
}

/** FTS5 query of single words, any of them: terms cut to letters and digits, 64 at most. */
function anyWord(terms: string[]): string | null {
  const clean = [
    ...new Set(terms.map((t) => t.toLowerCase().replace(/[^a-z0-9]/g, "")).filter((t) => t.length > 1)),
  ].slice(0, 64);
  return clean.length ? clean.map((t) => `"${t}"`).join(" OR ") : null;
}

/** The queries over one graph database; caches what a write invalidates (see `invalidate`). */
export class GraphQueries {
  private pathCache: Map<number, string> | null = null;

  constructor(private readonly db: DB) {}

  /** Forgets what the last write may have changed (file ids and paths). */
  invalidate(): void {
    this.pathCache = null;
  }

  stats(root: string, dbPath: string): GraphStats {
    const db = this.db;
    const group = (sql: string) =>
      Object.fromEntries(
        (db.prepare(sql).all() as Array<{ k: string; n: number }>).map((r) => [r.k ?? "none", r.n]),
      );
    const filesByStatus = group("SELECT status AS k, count(*) AS n FROM files GROUP BY status");
    const symbolsByKind = group("SELECT kind AS k, count(*) AS n FROM symbols GROUP BY kind");
    const edgesByKind = group("SELECT kind AS k, count(*) AS n FROM edges GROUP BY kind");
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    let dbBytes = 0;
    for (const s of ["", "-wal"]) {
      try {
        dbBytes += statSync(dbPath + s).size;
      } catch {
        // no WAL file
      }
    }
    return {
      root,
      dbPath,
      dbBytes,
      files: sum(filesByStatus),
      filesByStatus,
      filesByLanguage: group("SELECT language AS k, count(*) AS n FROM files GROUP BY language"),
      symbols: sum(symbolsByKind),
      symbolsByKind,
      edges: sum(edgesByKind),
      edgesByKind,
      builtAt: getMeta(db, "built_at") ?? null,
      history: indexedHistory(db),
    };
  }

  symbolById(id: number): SymbolHit | null {
    const r = statement(this.db, `${BASE} WHERE s.id = ?`).get(id) as SymbolRow | undefined;
    return r ? { ...r, match: "exact" } : null;
  }

  /** Finds symbols by exact name, qualified name (`Class.method`, `pkg.mod.func`, `a::b`), or fuzzily. */
  find(query: string, opts: { limit?: number; kind?: string } = {}): SymbolHit[] {
    const limit = opts.limit ?? 20;
    const q = query
      .trim()
      .replace(/::|#|->/g, ".")
      .replace(/\(\)$/, "");
    if (!q) return [];
    const out: SymbolHit[] = [];
    const seen = new Set<number>();
    const add = (rows: SymbolRow[], match: SymbolHit["match"]) => {
      for (const r of rows) {
        if (seen.has(r.id) || (opts.kind && r.kind !== opts.kind)) continue;
        seen.add(r.id);
        out.push({ ...r, match });
      }
    };
    const rows = (sql: string, ...args: unknown[]) => statement(this.db, sql).all(...args) as SymbolRow[];
    if (q.includes(".")) {
      const name = q.slice(q.lastIndexOf(".") + 1);
      add(
        rank(
          rows(`${BASE} WHERE s.name = ? LIMIT 2000`, name).filter((r) => {
            const full = `${moduleName(r.path)}.${r.qualifiedName}`;
            return (
              r.qualifiedName === q ||
              r.qualifiedName.endsWith(`.${q}`) ||
              full === q ||
              full.endsWith(`.${q}`)
            );
          }),
        ),
        "qualified",
      );
      if (out.length) return out.slice(0, limit);
    }
    {
      // Rank on the light columns, then load full rows only for what is returned.
      const light = rows(
        "SELECT s.id, s.kind, f.path, s.line FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.name = ? LIMIT 500",
        q,
      );
      const picked = rank(light.filter((r) => !opts.kind || r.kind === opts.kind)).slice(0, limit);
      add(
        picked.map((r) => this.symbolById(r.id)).filter((r): r is SymbolHit => r !== null),
        "exact",
      );
    }
    if (out.length >= limit) return out.slice(0, limit);
    if (out.length === 0) {
      add(rank(rows(`${BASE} WHERE s.name = ? COLLATE NOCASE LIMIT 200`, q)), "insensitive");
      const like = q.replace(/[\\%_]/g, "\\$&");
      add(rank(rows(`${BASE} WHERE s.name LIKE ? ESCAPE '\\' LIMIT 200`, `${like}%`)), "prefix");
      add(rank(rows(`${BASE} WHERE s.name LIKE ? ESCAPE '\\' LIMIT 200`, `%${like}%`)), "substring");
      if (out.length < limit) {
        // Typos and word order: FTS over split words, then an in-order subsequence match.
        const words = [
          ...new Set(
            `${q} ${splitIdentifierWords(q)}`
              .toLowerCase()
              .split(/[^a-z0-9]+/)
              .filter((w) => w.length > 1),
          ),
        ];
        if (words.length) {
          const fts = words.map((w) => `"${w}"*`).join(" OR ");
          add(
            rows(
              `${BASE} JOIN (SELECT rowid, bm25(symbols_fts, 10, 5, 3, 1, 1) AS score FROM symbols_fts WHERE symbols_fts MATCH ? ORDER BY score LIMIT 50) m ON m.rowid = s.id ORDER BY m.score`,
              fts,
            ),
            "fuzzy",
          );
        }
        const sub = `%${[...q.replace(/[\\%_]/g, "")].join("%")}%`;
        add(rank(rows(`${BASE} WHERE s.name LIKE ? LIMIT 100`, sub)), "fuzzy");
      }
    }
    return out.slice(0, limit);
  }

  /** The symbols a query most likely names (exact or qualified matches only). */
  resolveSymbols(query: string, limit = 10): SymbolHit[] {
    return this.find(query, { limit }).filter(
      (h) => h.match === "exact" || h.match === "qualified" || h.match === "insensitive",
    );
  }

  private filePath(id: number): string {
    if (!this.pathCache) {
      this.pathCache = new Map(
        (statement(this.db, "SELECT id, path FROM files").all() as Array<{ id: number; path: string }>).map(
          (r) => [r.id, r.path],
        ),
      );
    }
    return this.pathCache.get(id) ?? "";
  }

  private edgesTo(ids: number[], kinds: string[], limit: number): RefHit[] {
    if (!ids.length) return [];
    // Select and order on the edge index alone; join names only for the rows returned.
    const light = statement(
      this.db,
      `SELECT id, src_file AS f, line FROM edges WHERE dst_symbol IN (${ids.map(() => "?").join(",")}) AND kind IN (${kinds.map(() => "?").join(",")})`,
    ).all(...ids, ...kinds) as Array<{ id: number; f: number; line: number }>;
    const keyed = light.map((e) => ({ ...e, path: this.filePath(e.f) }));
    keyed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.id - b.id));
    const detail = statement(
      this.db,
      `SELECT e.kind, f.path, e.line, coalesce(s.qualified_name, '') AS "from", coalesce(s.kind, '') AS fromKind, t.qualified_name AS target
       FROM edges e JOIN files f ON f.id = e.src_file LEFT JOIN symbols s ON s.id = e.src_symbol JOIN symbols t ON t.id = e.dst_symbol
       WHERE e.id = ?`,
    );
    const out: RefHit[] = [];
    for (const e of keyed.slice(0, limit)) {
      const r = detail.get(e.id) as RefHit | undefined;
      if (r) out.push(r);
    }
    return out;
  }

  /** Every recorded use of the symbol(s): calls, references, inheritance. */
  references(query: string, limit = 500): RefHit[] {
    return this.edgesTo(
      this.resolveSymbols(query).map((s) => s.id),
      ["calls", "references", "inherits"],
      limit,
    );
  }

  callers(query: string, limit = 500): RefHit[] {
    return this.edgesTo(
      this.resolveSymbols(query).map((s) => s.id),
      ["calls"],
      limit,
    );
  }

  callees(query: string, limit = 500): CalleeHit[] {
    const ids = this.resolveSymbols(query).map((s) => s.id);
    if (!ids.length) return [];
    const rows = statement(
      this.db,
      `SELECT e.dst_name AS name, e.line, e.dst_symbol AS dst FROM edges e WHERE e.kind = 'calls' AND e.src_symbol IN (${ids.map(() => "?").join(",")}) ORDER BY e.line LIMIT ?`,
    ).all(...ids, limit) as Array<{ name: string; line: number; dst: number | null }>;
    return rows.map((r) => ({
      name: r.name,
      line: r.line,
      target: r.dst === null ? null : this.symbolById(r.dst),
    }));
  }

  /** The symbols of one file, nested by containment. */
  outline(path: string): OutlineEntry[] {
    const p = posix.normalize(path.replace(/\\/g, "/")).replace(/^\.\//, "");
    const rows = symbolsOfPath(this.db, p);
    const depth = new Map<number, number>();
    return rows.map(({ parentId, ...r }) => {
      const d = parentId === null ? 0 : (depth.get(parentId) ?? 0) + 1;
      depth.set(r.id, d);
      return { ...r, depth: d };
    });
  }

  hasFile(path: string): boolean {
    return statement(this.db, "SELECT 1 FROM files WHERE path = ?").get(path) !== undefined;
  }

  /** Symbols within `hops` edges (calls, references, inheritance, containment; both directions). */
  neighbors(query: string, hops = 1, limit = 200): NeighborHit[] {
    const start = this.resolveSymbols(query).map((s) => s.id);
    const out = statement(
      this.db,
      "SELECT kind, dst_symbol AS id FROM edges WHERE src_symbol = ? AND dst_symbol IS NOT NULL",
    );
    const inn = statement(
      this.db,
      "SELECT kind, src_symbol AS id FROM edges WHERE dst_symbol = ? AND src_symbol IS NOT NULL",
    );
    const dist = new Map<number, { d: number; via: string }>();
    for (const s of start) dist.set(s, { d: 0, via: "start" });
    let frontier = start;
    for (let h = 1; h <= hops && frontier.length && dist.size < limit; h++) {
      const next: number[] = [];
      for (const id of frontier) {
        const around = [
          ...(out.all(id) as Array<{ kind: string; id: number }>),
          ...(inn.all(id) as Array<{ kind: string; id: number }>).map((r) => ({
            kind: REVERSE[r.kind] ?? r.kind,
            id: r.id,
          })),
        ];
        for (const r of around) {
          if (dist.has(r.id) || dist.size >= limit) continue;
          dist.set(r.id, { d: h, via: r.kind });
          next.push(r.id);
        }
      }
      frontier = next;
    }
    const hits: NeighborHit[] = [];
    for (const [id, { d, via }] of dist) {
      const s = this.symbolById(id);
      if (s) hits.push({ symbol: s, distance: d, via });
    }
    return hits.sort(
      (a, b) =>
        a.distance - b.distance ||
        a.symbol.path.localeCompare(b.symbol.path) ||
        a.symbol.line - b.symbol.line,
    );
  }

  /** BM25 full-text search over file contents (identifiers split into words). */
  searchFiles(terms: string[], limit = 50): Array<{ path: string; score: number }> {
    const match = anyWord(terms);
    if (!match) return [];
    return statement(
      this.db,
      "SELECT f.path, -bm25(files_fts, 4, 1) AS score FROM files_fts JOIN files f ON f.id = files_fts.rowid WHERE files_fts MATCH ? ORDER BY bm25(files_fts, 4, 1) LIMIT ?",
    ).all(match, limit) as Array<{ path: string; score: number }>;
  }

  /** Files whose contents hold `phrase` (words in sequence, FTS5 phrase query), best first. */
  searchFilesPhrase(phrase: string, limit = 20): string[] {
    const words = phrase
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
    if (!words.length) return [];
    return statement(
      this.db,
      "SELECT f.path FROM files_fts JOIN files f ON f.id = files_fts.rowid WHERE files_fts MATCH ? ORDER BY bm25(files_fts, 4, 1) LIMIT ?",
      "pluck",
    ).all(`body:"${words.join(" ")}"`, limit) as string[];
  }

  /** The language most files of the repository are in (null for an empty graph). */
  mainLanguage(): string | null {
    return (
      (statement(
        this.db,
        "SELECT language FROM files WHERE language IS NOT NULL GROUP BY language ORDER BY count(*) DESC LIMIT 1",
        "pluck",
      ).get() as string | undefined) ?? null
    );
  }

  languageOf(path: string): string | null {
    return (
      (statement(this.db, "SELECT language FROM files WHERE path = ?", "pluck").get(path) as
        | string
        | undefined) ?? null
    );
  }

  /** BM25 over symbol names, qualified names, split words, docstrings and paths. */
  searchSymbols(terms: string[], limit = 50): Array<SymbolHit & { score: number }> {
    const match = anyWord(terms);
    if (!match) return [];
    return (
      statement(
        this.db,
        `SELECT ${SYMBOL_COLUMNS}, m.score FROM (SELECT rowid, -bm25(symbols_fts, 10, 5, 3, 1, 1) AS score FROM symbols_fts WHERE symbols_fts MATCH ? ORDER BY bm25(symbols_fts, 10, 5, 3, 1, 1) LIMIT ?) m JOIN symbols s ON s.id = m.rowid JOIN files f ON f.id = s.file_id ORDER BY m.score DESC`,
      ).all(match, limit) as Array<SymbolRow & { score: number }>
    ).map((r) => ({ ...r, match: "fuzzy" as const }));
  }
}
