/**
 * CodeGraph: builds and incrementally updates the SQLite index of one repository, and answers
 * the structural queries (find, definition, references, callers, callees, outline, neighbours).
 * Worker threads parse and extract, and so does this thread whenever it has no results to write;
 * this thread writes, in one transaction per build or update.
 */
import { readFileSync, statSync } from "node:fs";
import { posix } from "node:path";
import type { Statement } from "better-sqlite3";
import { errorMessage, UsageError } from "../common/index.js";
import { type Logger, silentLogger } from "../log/index.js";
import { extractFile, type FileExtraction } from "./extract.js";
import { type FileSource, localFileSource } from "./files.js";
import { type HistorySource, indexedHistory } from "./history.js";
import { type LanguageId, languageForPath } from "./languages.js";
import { type BackendKind, LanguageLoader } from "./parser.js";
import { defaultWorkerCount, runPool, type WorkItem } from "./pool.js";
import { type FileResult, processBuffer } from "./process.js";
import {
  IMPLICIT_RECEIVER,
  type Lookup,
  type RefContext,
  resolveImport,
  resolveRef,
  type SymbolCandidate,
} from "./resolve.js";
import {
  acquireLock,
  type DB,
  defaultCacheDir,
  defaultDbPath,
  getMeta,
  openStore,
  setMeta,
  splitIdentifierWords,
} from "./store.js";

export interface CodeGraphOptions {
  /** Database file; default `<cacheDir>/<hash of realpath(root)>.db`. */
  dbPath?: string;
  cacheDir?: string;
  /** How files are listed and read; default: the local directory `root`. */
  source?: FileSource;
  backend?: BackendKind | "auto";
  /** Worker threads for parsing; default: available cores (max 8). 0 = parse on this thread. */
  workers?: number;
  /**
   * The commit history localization learns from (past commits whose messages read like an
   * issue): default `HEAD` of the git work tree around `root`; `false` for none. A sandboxed
   * copy without `.git` names the repository and commit it was made from.
   */
  history?: HistorySource | false;
  /** Files larger than this are skipped and counted (default 1 MiB). */
  maxFileBytes?: number;
  lockTimeoutMs?: number;
  logger?: Logger;
  onProgress?: (done: number, total: number) => void;
}

export interface BuildStats {
  files: number;
  parsed: number;
  unchanged: number;
  removed: number;
  symbols: number;
  edges: number;
  skipped: { binary: number; oversize: number; unreadable: number; symlinks: number };
  partial: number;
  invalidUtf8: number;
  ms: number;
  /**
   * Of `ms`, the time spent writing to the database (files, symbols, full-text rows, edges,
   * indexes, commit): single-threaded, whatever the number of workers.
   */
  storeMs: number;
  /** The database was corrupt or of an older schema and was recreated. */
  rebuilt: boolean;
}

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

export interface SymbolHit {
  id: number;
  name: string;
  qualifiedName: string;
  kind: string;
  path: string;
  line: number;
  endLine: number;
  signature: string;
  doc: string;
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

export interface OutlineEntry {
  id: number;
  name: string;
  qualifiedName: string;
  kind: string;
  line: number;
  endLine: number;
  signature: string;
  depth: number;
}

export interface NeighborHit {
  symbol: SymbolHit;
  distance: number;
  /** How it was reached from the previous node: "calls", "called-by", "references", ... */
  via: string;
}

interface FileRow {
  id: number;
  path: string;
  size: number;
  mtime_ms: number;
  hash: string;
  status: string;
}

const SYMBOL_COLUMNS =
  "s.id, s.name, s.qualified_name AS qualifiedName, s.kind, f.path, s.line, s.end_line AS endLine, s.signature, s.doc";

const CLASS_KINDS = new Set(["class", "interface", "enum", "type"]);

type EdgeRow = [
  kind: string,
  srcFile: number,
  srcSymbol: number | null,
  dstName: string,
  dstSymbol: number | null,
  dstFile: number | null,
  line: number,
  qualifier: string,
];

interface EdgeSink {
  run(...row: EdgeRow): void;
  /** Writes what is buffered; call before anything reads the edges table. */
  flush(): void;
}

const EDGE_BATCH = 64;

/**
 * Edge rows written 64 to a statement: a build inserts hundreds of thousands of them, and one
 * statement per row spends half the time crossing into SQLite (300k rows: 0.70 s → 0.33–0.40 s).
 */
function edgeWriter(db: DB, single: Statement): EdgeSink {
  const many = db.prepare(
    `INSERT INTO edges(kind, src_file, src_symbol, dst_name, dst_symbol, dst_file, line, qualifier) VALUES ${Array(EDGE_BATCH).fill("(?,?,?,?,?,?,?,?)").join(",")}`,
  );
  const buf: unknown[] = [];
  return {
    run(...row) {
      for (const v of row) buf.push(v);
      if (buf.length === EDGE_BATCH * 8) {
        many.run(buf);
        buf.length = 0;
      }
    },
    flush() {
      for (let i = 0; i < buf.length; i += 8) single.run(buf.slice(i, i + 8));
      buf.length = 0;
    },
  };
}

/** "a/b/c.py" → "a.b.c" (and "a/b/__init__.py" → "a.b"): the dotted module name of a path. */
export function moduleName(path: string): string {
  return path
    .replace(/\.[^./]+$/, "")
    .replace(/\/(__init__|index|mod)$/, "")
    .split("/")
    .join(".");
}

export function isTestPath(path: string): boolean {
  return /(^|\/)(tests?|testing|__tests__|spec)(\/|$)|(^|\/)test_[^/]*$|_test\.[a-z]+$|\.(test|spec)\.[a-z]+$|(^|\/)conftest\.py$/.test(
    path,
  );
}

export class CodeGraph {
  readonly root: string;
  readonly dbPath: string;
  readonly db: DB;
  /** Where localization reads past commits from (see `CodeGraphOptions.history`). */
  readonly history: HistorySource | false;
  private readonly source: FileSource;
  private readonly options: CodeGraphOptions;
  private readonly log: Logger;
  private loader: LanguageLoader;
  private lastRebuilt: boolean;

  private constructor(
    root: string,
    dbPath: string,
    db: DB,
    source: FileSource,
    options: CodeGraphOptions,
    rebuilt: boolean,
  ) {
    this.root = root;
    this.dbPath = dbPath;
    this.db = db;
    this.source = source;
    this.history = options.history ?? { repo: root, rev: "HEAD" };
    this.options = options;
    this.log = options.logger ?? silentLogger;
    this.loader = new LanguageLoader(options.backend ?? "auto");
    this.lastRebuilt = rebuilt;
  }

  /** Opens (or creates) the graph database for `root`. Does not index: call `build()`. */
  static async open(root: string, options: CodeGraphOptions = {}): Promise<CodeGraph> {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(root);
    } catch {
      throw new UsageError(`graph: repository ${root} does not exist`);
    }
    if (!st.isDirectory()) throw new UsageError(`graph: repository ${root} is not a directory`);
    const source = options.source ?? localFileSource(root);
    const dbPath = options.dbPath ?? defaultDbPath(source.root, options.cacheDir ?? defaultCacheDir());
    const { db, rebuilt } = openStore(dbPath);
    return new CodeGraph(source.root, dbPath, db, source, options, rebuilt);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private readonly stmts = new Map<string, Statement>();

  /** A prepared statement, compiled once per graph (preparing costs more than most queries). */
  private stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private get maxFileBytes(): number {
    return this.options.maxFileBytes ?? 1024 * 1024;
  }

  /** Indexes the repository: new and changed files parsed, deleted files removed. */
  async build(): Promise<BuildStats> {
    const t0 = performance.now();
    const release = await acquireLock(this.dbPath, this.options.lockTimeoutMs);
    try {
      const { files, symlinksSkipped } = await this.source.list();
      const known = new Map<string, FileRow>();
      for (const r of this.db
        .prepare("SELECT id, path, size, mtime_ms, hash, status FROM files")
        .all() as FileRow[]) {
        known.set(r.path, r);
      }
      const listed = new Set(files.map((f) => f.path));
      const removed = [...known.keys()].filter((p) => !listed.has(p));
      const work: WorkItem[] = [];
      let unchanged = 0;
      for (const f of files) {
        const k = known.get(f.path);
        // Fast path: same size and mtime → unchanged without reading the file.
        if (k && k.size === f.size && k.mtime_ms === f.mtimeMs && k.hash) {
          unchanged++;
          continue;
        }
        work.push({ path: f.path, size: f.size, mtimeMs: f.mtimeMs, knownHash: k?.hash || undefined });
      }
      const tp = performance.now();
      const session = this.openWrite(removed, known.size === 0);
      let stats: BuildStats;
      try {
        await this.processAll(work, (rs) => session.add(rs));
        const tParsed = performance.now();
        stats = session.commit();
        if (process.env["FIXPOINT_GRAPH_TIMING"]) {
          console.error(
            `list ${Math.round(tp - t0)}ms parse ${Math.round(tParsed - tp)}ms finish ${Math.round(performance.now() - tParsed)}ms`,
          );
        }
      } catch (err) {
        session.rollback();
        throw err;
      }
      stats.unchanged += unchanged;
      stats.skipped.symlinks = symlinksSkipped;
      stats.files = files.length;
      stats.ms = Math.round(performance.now() - t0);
      setMeta(this.db, "built_at", new Date().toISOString());
      this.log.debug({ stats }, "graph build");
      return stats;
    } finally {
      release();
    }
  }

  /** Re-indexes the given repository-relative paths (changed, added or deleted). */
  async update(paths: string[]): Promise<BuildStats> {
    const t0 = performance.now();
    const release = await acquireLock(this.dbPath, this.options.lockTimeoutMs);
    try {
      const work: WorkItem[] = [];
      const removed: string[] = [];
      const known = this.db.prepare(
        "SELECT id, path, size, mtime_ms, hash, status FROM files WHERE path = ?",
      );
      for (const raw of new Set(paths)) {
        const p = posix.normalize(raw.replace(/\\/g, "/")).replace(/^\.\//, "");
        if (!languageForPath(p)) continue;
        const st = await this.source.stat(p);
        const k = known.get(p) as FileRow | undefined;
        if (!st) {
          if (k) removed.push(p);
          continue;
        }
        work.push({ path: p, size: st.size, mtimeMs: st.mtimeMs, knownHash: k?.hash || undefined });
      }
      const session = this.openWrite(removed);
      let stats: BuildStats;
      try {
        await this.processAll(work, (rs) => session.add(rs));
        stats = session.commit();
      } catch (err) {
        session.rollback();
        throw err;
      }
      stats.files = work.length;
      stats.ms = Math.round(performance.now() - t0);
      return stats;
    } finally {
      release();
    }
  }

  /** Reads, hashes, parses and extracts one file on this thread. */
  private async processOne(w: WorkItem): Promise<FileResult> {
    try {
      const buf = w.content
        ? Buffer.from(w.content.buffer, w.content.byteOffset, w.content.byteLength)
        : await this.source.read(w.path);
      return await processBuffer(this.loader, w, buf, this.maxFileBytes);
    } catch (err) {
      return {
        path: w.path,
        size: w.size,
        mtimeMs: w.mtimeMs,
        hash: "",
        status: "unreadable",
        language: null,
        invalidUtf8: false,
        error: errorMessage(err),
      };
    }
  }

  private async processAll(work: WorkItem[], sink: (rs: FileResult[]) => void): Promise<void> {
    const done = new Set<string>();
    const total = work.length;
    const progress = this.options.onProgress;
    const accept = (rs: FileResult[]) => {
      sink(rs);
      for (const r of rs) done.add(r.path);
      progress?.(done.size, total);
    };
    const workers = this.options.workers ?? defaultWorkerCount();
    const local = this.options.source === undefined;
    if (workers > 0 && work.length >= 32) {
      const items: WorkItem[] = [];
      for (const w of work)
        items.push(local ? w : { ...w, content: new Uint8Array(await this.source.read(w.path)) });
      try {
        await runPool(
          items,
          {
            root: this.root,
            backend: this.options.backend ?? "auto",
            maxFileBytes: this.maxFileBytes,
            count: workers,
            // This thread extracts too while it has nothing to write.
            inline: async (slice) => {
              const out: FileResult[] = [];
              for (const w of slice) out.push(await this.processOne(w));
              return out;
            },
          },
          accept,
        );
        return;
      } catch (err) {
        // Workers unavailable (or one crashed): finish on this thread.
        this.log.warn({ err: errorMessage(err) }, "graph workers failed; parsing inline");
        work = work.filter((w) => !done.has(w.path));
      }
    }
    for (const w of work) accept([await this.processOne(w)]);
  }

  // ---------------------------------------------------------------- writing

  /**
   * One write transaction: results are added as they arrive; edges are resolved at commit.
   * `fresh` (an empty database): the edge indexes are dropped and built once after the bulk
   * insert (several times faster than maintaining five B-trees row by row), and the passes that
   * re-resolve edges of unchanged files are skipped (there are none).
   */
  private openWrite(
    removedPaths: string[],
    fresh = false,
  ): {
    add(rs: FileResult[]): void;
    commit(): BuildStats;
    rollback(): void;
  } {
    const db = this.db;
    this.pathCache = null;
    const stats: BuildStats = {
      files: 0,
      parsed: 0,
      unchanged: 0,
      removed: removedPaths.length,
      symbols: 0,
      edges: 0,
      skipped: { binary: 0, oversize: 0, unreadable: 0, symlinks: 0 },
      partial: 0,
      invalidUtf8: 0,
      ms: 0,
      storeMs: 0,
      rebuilt: this.lastRebuilt,
    };
    this.lastRebuilt = false;
    const st = {
      fileByPath: db.prepare("SELECT id, path, size, mtime_ms, hash, status FROM files WHERE path = ?"),
      insertFile: db.prepare(
        "INSERT INTO files(path, language, size, mtime_ms, hash, status, error_count, line_count, invalid_utf8) VALUES(?,?,?,?,?,?,?,?,?)",
      ),
      updateFile: db.prepare(
        "UPDATE files SET language=?, size=?, mtime_ms=?, hash=?, status=?, error_count=?, line_count=?, invalid_utf8=? WHERE id=?",
      ),
      touchFile: db.prepare("UPDATE files SET size=?, mtime_ms=? WHERE id=?"),
      symbolsOfFile: db.prepare("SELECT id, name FROM symbols WHERE file_id = ?"),
      deleteSymbols: db.prepare("DELETE FROM symbols WHERE file_id = ?"),
      deleteSymbolFts: db.prepare("DELETE FROM symbols_fts WHERE rowid = ?"),
      deleteEdgesFrom: db.prepare("DELETE FROM edges WHERE src_file = ?"),
      unlinkEdgesTo: db.prepare("UPDATE edges SET dst_symbol = NULL, dst_file = NULL WHERE dst_symbol = ?"),
      unlinkImportsTo: db.prepare("UPDATE edges SET dst_file = NULL WHERE dst_file = ? AND kind = 'imports'"),
      deleteFileFts: db.prepare("DELETE FROM files_fts WHERE rowid = ?"),
      deleteFile: db.prepare("DELETE FROM files WHERE id = ?"),
      insertSymbol: db.prepare(
        "INSERT INTO symbols(file_id, name, qualified_name, kind, line, col, end_line, end_col, signature, doc, parent_id) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
      ),
      insertSymbolFts: db.prepare(
        "INSERT INTO symbols_fts(rowid, name, qualified_name, words, doc, path) VALUES(?,?,?,?,?,?)",
      ),
      insertFileFts: db.prepare("INSERT INTO files_fts(rowid, path, body) VALUES(?,?,?)"),
      insertEdge: db.prepare(
        "INSERT INTO edges(kind, src_file, src_symbol, dst_name, dst_symbol, dst_file, line, qualifier) VALUES(?,?,?,?,?,?,?,?)",
      ),
    };
    const affectedNames = new Set<string>();
    const changedFileIds = new Set<number>();
    let filesAddedOrRemoved = removedPaths.length > 0;

    const clearFile = (id: number) => {
      for (const s of st.symbolsOfFile.all(id) as Array<{ id: number; name: string }>) {
        affectedNames.add(s.name);
        st.deleteSymbolFts.run(s.id);
        // Edges into the file (other than imports) always name one of its symbols.
        st.unlinkEdgesTo.run(s.id);
      }
      st.deleteSymbols.run(id);
      st.deleteEdgesFrom.run(id);
      st.deleteFileFts.run(id);
    };

    const parsed: Array<{ fileId: number; path: string; ex: FileExtraction; symIds: number[] }> = [];
    db.exec("BEGIN IMMEDIATE");
    let open = true;
    const rollback = () => {
      if (open) db.exec("ROLLBACK");
      open = false;
    };
    const edgeIndexes = fresh
      ? (db
          .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'edges' AND sql IS NOT NULL",
          )
          .all() as Array<{ name: string; sql: string }>)
      : [];
    try {
      for (const ix of edgeIndexes) db.exec(`DROP INDEX ${ix.name}`);
      for (const p of removedPaths) {
        const row = st.fileByPath.get(p) as FileRow | undefined;
        if (!row) continue;
        clearFile(row.id);
        st.unlinkImportsTo.run(row.id);
        st.deleteFile.run(row.id);
      }
    } catch (err) {
      rollback();
      throw err;
    }
    const add = (results: FileResult[]) => {
      const tA = performance.now();
      for (const r of results) {
        const row = st.fileByPath.get(r.path) as FileRow | undefined;
        if (r.unchanged && row) {
          st.touchFile.run(r.size, r.mtimeMs, row.id);
          stats.unchanged++;
          continue;
        }
        if (r.status === "binary") stats.skipped.binary++;
        else if (r.status === "oversize") stats.skipped.oversize++;
        else if (r.status === "unreadable") stats.skipped.unreadable++;
        else stats.parsed++;
        if (r.status === "partial") stats.partial++;
        if (r.invalidUtf8) stats.invalidUtf8++;
        const ex = r.extraction;
        const meta = [
          r.language,
          r.size,
          r.mtimeMs,
          r.hash,
          r.status,
          ex?.errorCount ?? 0,
          ex?.lineCount ?? 0,
          r.invalidUtf8 ? 1 : 0,
        ] as const;
        let fileId: number;
        if (row) {
          clearFile(row.id);
          st.updateFile.run(...meta, row.id);
          fileId = row.id;
        } else {
          fileId = Number(st.insertFile.run(r.path, ...meta).lastInsertRowid);
          filesAddedOrRemoved = true;
        }
        changedFileIds.add(fileId);
        if (!ex) continue;
        const pathWords = `${r.path} ${splitIdentifierWords(r.path)}`;
        st.insertFileFts.run(fileId, pathWords, r.body ?? "");
        const symIds: number[] = [];
        for (const s of ex.symbols) {
          const parentId = s.parent >= 0 ? symIds[s.parent]! : null;
          const id = Number(
            st.insertSymbol.run(
              fileId,
              s.name,
              s.qualifiedName,
              s.kind,
              s.line,
              s.col,
              s.endLine,
              s.endCol,
              s.signature,
              s.doc,
              parentId,
            ).lastInsertRowid,
          );
          symIds.push(id);
          affectedNames.add(s.name);
          st.insertSymbolFts.run(id, s.name, s.qualifiedName, splitIdentifierWords(s.name), s.doc, r.path);
        }
        stats.symbols += symIds.length;
        parsed.push({ fileId, path: r.path, ex, symIds });
      }
      stats.storeMs += performance.now() - tA;
    };
    const commit = (): BuildStats => {
      // Edges: resolved once every changed file's symbols are in place.
      const tE = performance.now();
      const lk = this.sqlLookup(fresh ? parsed : undefined);
      const edges = edgeWriter(db, st.insertEdge);
      for (const f of parsed) stats.edges += this.insertEdgesFor(lk, f, edges);
      edges.flush();
      if (process.env["FIXPOINT_GRAPH_TIMING"])
        console.error(`edges ${Math.round(performance.now() - tE)}ms`);
      if (!fresh) {
        if (filesAddedOrRemoved) this.reresolveImports(lk, changedFileIds);
        this.reresolveDangling(lk, affectedNames, changedFileIds);
      }
      const tI = performance.now();
      for (const ix of edgeIndexes) db.exec(ix.sql);
      const tC = performance.now();
      db.exec("COMMIT");
      if (process.env["FIXPOINT_GRAPH_TIMING"])
        console.error(`indexes ${Math.round(tC - tI)}ms commit ${Math.round(performance.now() - tC)}ms`);
      open = false;
      stats.storeMs = Math.round(stats.storeMs + performance.now() - tE);
      return stats;
    };
    return { add, commit, rollback };
  }

  /**
   * Symbol/file lookups against the database, memoized for one write. `everything`: the
   * extractions of a fresh build, which hold every symbol there is — names are then looked up in
   * memory (same order as the SQL: path, then line) instead of one query per distinct name.
   */
  private sqlLookup(
    everything?: Array<{ fileId: number; path: string; ex: FileExtraction; symIds: number[] }>,
  ): Lookup {
    const db = this.db;
    const byPath = db.prepare("SELECT id FROM files WHERE path = ?").pluck();
    const bySuffix = db.prepare(
      "SELECT id, path FROM files WHERE path = ? OR path LIKE ? ESCAPE '\\' ORDER BY path LIMIT 200",
    );
    const inDir = db.prepare(
      "SELECT id, path FROM files WHERE path LIKE ? ESCAPE '\\' ORDER BY path LIMIT 500",
    );
    // Candidates in path order, so a build resolves the same way whatever order workers finished in.
    const byName = db.prepare(
      "SELECT s.id, s.file_id AS fileId, s.kind, s.parent_id AS parentId FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.name = ? ORDER BY f.path, s.line LIMIT 5000",
    );
    const esc = (s: string) => s.replace(/[\\%_]/g, "\\$&");
    const fileCache = new Map<string, number | undefined>();
    const nameCache = new Map<string, SymbolCandidate[]>();
    if (everything) {
      for (const r of db.prepare("SELECT id, path FROM files").all() as Array<{ id: number; path: string }>)
        fileCache.set(r.path, r.id);
      const files = [...everything].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      for (const f of files) {
        fileCache.set(f.path, f.fileId);
        const order = f.ex.symbols
          .map((_, i) => i)
          .sort((a, b) => f.ex.symbols[a]!.line - f.ex.symbols[b]!.line);
        for (const i of order) {
          const s = f.ex.symbols[i]!;
          const c: SymbolCandidate = {
            id: f.symIds[i]!,
            fileId: f.fileId,
            kind: s.kind,
            parentId: s.parent >= 0 ? f.symIds[s.parent]! : null,
          };
          const list = nameCache.get(s.name);
          if (!list) nameCache.set(s.name, [c]);
          else if (list.length < 5000) list.push(c);
        }
      }
    }
    let goModule = getMeta(db, "go_module");
    if (goModule === undefined) {
      goModule = "";
      try {
        const gomod = db.prepare("SELECT 1 FROM files WHERE path LIKE '%.go' LIMIT 1").get();
        if (gomod) {
          // go.mod is read from disk; with a non-local source there is simply no module path.
          const text = readFileSync(`${this.root}/go.mod`, "utf8");
          goModule = text.match(/^module\s+(\S+)/m)?.[1] ?? "";
        }
      } catch {
        goModule = "";
      }
    }
    return {
      goModule,
      fileId(path) {
        // A fresh build knows every file: a module path tried and not found needs no query.
        if (everything) return fileCache.get(path);
        if (!fileCache.has(path)) fileCache.set(path, byPath.get(path) as number | undefined);
        return fileCache.get(path);
      },
      filesBySuffix: (suffix) =>
        bySuffix.all(suffix, `%/${esc(suffix)}${suffix.endsWith("/") ? "%" : ""}`) as Array<{
          id: number;
          path: string;
        }>,
      filesInDir: (dir) =>
        (inDir.all(dir ? `${esc(dir)}/%` : "%") as Array<{ id: number; path: string }>).filter(
          (f) => !f.path.slice(dir ? dir.length + 1 : 0).includes("/"),
        ),
      symbolsByName(name) {
        let c = nameCache.get(name);
        if (!c && everything) return [];
        if (!c) {
          c = byName.all(name) as SymbolCandidate[];
          nameCache.set(name, c);
        }
        return c;
      },
    };
  }

  private insertEdgesFor(
    lk: Lookup,
    f: { fileId: number; path: string; ex: FileExtraction; symIds: number[] },
    insertEdge: EdgeSink,
  ): number {
    const { ex, symIds, fileId } = f;
    let n = 0;
    const ctx: RefContext = {
      fileId,
      implicitReceiver: IMPLICIT_RECEIVER.has(ex.language),
      importedFiles: new Set(),
      importedNames: new Map(),
    };
    for (const imp of ex.imports) {
      const targets = resolveImport(lk, ex.language, f.path, imp);
      const bound = bindingsOf(imp.module, imp.names, imp.alias, ex.language);
      for (const b of bound) ctx.importedNames.set(b, [...(ctx.importedNames.get(b) ?? []), ...targets]);
      const q = bound.join(",");
      if (!targets.length) {
        insertEdge.run("imports", fileId, null, imp.module, null, null, imp.line, q);
        n++;
      }
      for (const t of targets) {
        ctx.importedFiles.add(t);
        insertEdge.run("imports", fileId, null, imp.module, null, t, imp.line, q);
        n++;
      }
    }
    ex.symbols.forEach((s, i) => {
      if (s.parent >= 0) {
        insertEdge.run("contains", fileId, symIds[s.parent]!, s.name, symIds[i]!, fileId, s.line, "");
        n++;
      }
    });
    const enclosingClass = (idx: number): number | null => {
      for (let p = idx; p >= 0; p = ex.symbols[p]!.parent)
        if (CLASS_KINDS.has(ex.symbols[p]!.kind)) return symIds[p]!;
      return null;
    };
    for (const r of ex.refs) {
      const dst = resolveRef(lk, ctx, r.name, r.qualifier, r.from >= 0 ? enclosingClass(r.from) : null);
      if (dst === null && r.kind === "reference") continue;
      if (dst !== null && r.kind === "reference" && r.from >= 0 && dst.id === symIds[r.from]) continue;
      const src = r.from >= 0 ? symIds[r.from]! : null;
      insertEdge.run(
        r.kind === "call" ? "calls" : "references",
        fileId,
        src,
        r.name,
        dst?.id ?? null,
        dst?.fileId ?? null,
        r.line,
        r.qualifier,
      );
      n++;
    }
    for (const h of ex.inherits) {
      const dst = resolveRef(lk, ctx, h.base, "", null, true);
      insertEdge.run(
        "inherits",
        fileId,
        symIds[h.cls]!,
        h.base,
        dst?.id ?? null,
        dst?.fileId ?? null,
        h.line,
        "",
      );
      n++;
    }
    return n;
  }

  /** After files appeared or vanished: retry imports that pointed nowhere. */
  private reresolveImports(lk: Lookup, changed: Set<number>): void {
    const rows = this.db
      .prepare(
        "SELECT e.id, e.dst_name AS module, e.src_file AS srcFile, e.line, f.path, f.language FROM edges e JOIN files f ON f.id = e.src_file WHERE e.kind = 'imports' AND e.dst_file IS NULL",
      )
      .all() as Array<{
      id: number;
      module: string;
      srcFile: number;
      line: number;
      path: string;
      language: LanguageId;
    }>;
    const set = this.db.prepare("UPDATE edges SET dst_file = ? WHERE id = ?");
    for (const r of rows) {
      if (changed.has(r.srcFile)) continue;
      const t = resolveImport(lk, r.language, r.path, {
        module: r.module,
        names: [],
        alias: "",
        line: r.line,
        kind: "import",
      });
      if (t.length) set.run(t[0]!, r.id);
    }
  }

  /** References in unchanged files whose target may now be (or no longer be) in a changed file. */
  private reresolveDangling(lk: Lookup, names: Set<string>, changed: Set<number>): void {
    if (!names.size) return;
    const sel = this.db.prepare(
      "SELECT e.id, e.kind, e.src_file AS srcFile, e.src_symbol AS srcSymbol, e.dst_name AS name, e.qualifier FROM edges e WHERE e.dst_name = ? AND e.dst_symbol IS NULL AND e.kind IN ('calls','references','inherits')",
    );
    const set = this.db.prepare("UPDATE edges SET dst_symbol = ?, dst_file = ? WHERE id = ?");
    const ctxCache = new Map<number, RefContext>();
    for (const name of names) {
      for (const e of sel.all(name) as Array<{
        id: number;
        kind: string;
        srcFile: number;
        srcSymbol: number | null;
        name: string;
        qualifier: string;
      }>) {
        if (changed.has(e.srcFile)) continue;
        let ctx = ctxCache.get(e.srcFile);
        if (!ctx) {
          ctx = this.contextFromDb(e.srcFile);
          ctxCache.set(e.srcFile, ctx);
        }
        const dst = resolveRef(
          lk,
          ctx,
          e.name,
          e.qualifier,
          this.enclosingClassId(e.srcSymbol),
          e.kind === "inherits",
        );
        if (dst !== null) set.run(dst.id, dst.fileId, e.id);
      }
    }
  }

  private contextFromDb(fileId: number): RefContext {
    const language = this.db.prepare("SELECT language FROM files WHERE id = ?").pluck().get(fileId) as string;
    const ctx: RefContext = {
      fileId,
      implicitReceiver: IMPLICIT_RECEIVER.has(language),
      importedFiles: new Set(),
      importedNames: new Map(),
    };
    const rows = this.db
      .prepare("SELECT dst_file AS f, qualifier FROM edges WHERE src_file = ? AND kind = 'imports'")
      .all(fileId) as Array<{ f: number | null; qualifier: string }>;
    for (const r of rows) {
      if (r.f !== null) ctx.importedFiles.add(r.f);
      for (const b of r.qualifier.split(",").filter(Boolean)) {
        ctx.importedNames.set(b, [...(ctx.importedNames.get(b) ?? []), ...(r.f !== null ? [r.f] : [])]);
      }
    }
    return ctx;
  }

  private enclosingClassId(symbolId: number | null): number | null {
    const get = this.db.prepare("SELECT kind, parent_id AS parentId FROM symbols WHERE id = ?");
    for (let id = symbolId, guard = 0; id !== null && guard < 20; guard++) {
      const r = get.get(id) as { kind: string; parentId: number | null } | undefined;
      if (!r) return null;
      if (CLASS_KINDS.has(r.kind)) return id;
      id = r.parentId;
    }
    return null;
  }

  // ---------------------------------------------------------------- queries

  stats(): GraphStats {
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
        dbBytes += statSync(this.dbPath + s).size;
      } catch {
        // no WAL file
      }
    }
    return {
      root: this.root,
      dbPath: this.dbPath,
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

  private symbolById(id: number): SymbolHit | null {
    const r = this.stmt(
      `SELECT ${SYMBOL_COLUMNS} FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.id = ?`,
    ).get(id) as Omit<SymbolHit, "match"> | undefined;
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
    const add = (rows: Array<Omit<SymbolHit, "match">>, match: SymbolHit["match"]) => {
      for (const r of rows) {
        if (seen.has(r.id) || (opts.kind && r.kind !== opts.kind)) continue;
        seen.add(r.id);
        out.push({ ...r, match });
      }
    };
    const base = `SELECT ${SYMBOL_COLUMNS} FROM symbols s JOIN files f ON f.id = s.file_id`;
    const rank = (rows: Array<Omit<SymbolHit, "match">>) =>
      rows.sort(
        (a, b) =>
          Number(isTestPath(a.path)) - Number(isTestPath(b.path)) ||
          Number(["variable", "constant", "field"].includes(a.kind)) -
            Number(["variable", "constant", "field"].includes(b.kind)) ||
          a.path.length - b.path.length ||
          a.line - b.line,
      );
    if (q.includes(".")) {
      const name = q.slice(q.lastIndexOf(".") + 1);
      const rows = this.stmt(`${base} WHERE s.name = ? LIMIT 2000`).all(name) as Array<
        Omit<SymbolHit, "match">
      >;
      add(
        rank(
          rows.filter((r) => {
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
      const light = this.stmt(
        "SELECT s.id, s.kind, f.path, s.line FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.name = ? LIMIT 500",
      ).all(q) as Array<Omit<SymbolHit, "match">>;
      const picked = rank(light.filter((r) => !opts.kind || r.kind === opts.kind)).slice(0, limit);
      add(
        picked.map((r) => this.symbolById(r.id)).filter((r): r is SymbolHit => r !== null),
        "exact",
      );
    }
    if (out.length >= limit) return out.slice(0, limit);
    if (out.length === 0) {
      add(
        rank(
          this.stmt(`${base} WHERE s.name = ? COLLATE NOCASE LIMIT 200`).all(q) as Array<
            Omit<SymbolHit, "match">
          >,
        ),
        "insensitive",
      );
      const like = q.replace(/[\\%_]/g, "\\$&");
      add(
        rank(
          this.stmt(`${base} WHERE s.name LIKE ? ESCAPE '\\' LIMIT 200`).all(`${like}%`) as Array<
            Omit<SymbolHit, "match">
          >,
        ),
        "prefix",
      );
      add(
        rank(
          this.stmt(`${base} WHERE s.name LIKE ? ESCAPE '\\' LIMIT 200`).all(`%${like}%`) as Array<
            Omit<SymbolHit, "match">
          >,
        ),
        "substring",
      );
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
            this.db
              .prepare(
                `${base} JOIN (SELECT rowid, bm25(symbols_fts, 10, 5, 3, 1, 1) AS score FROM symbols_fts WHERE symbols_fts MATCH ? ORDER BY score LIMIT 50) m ON m.rowid = s.id ORDER BY m.score`,
              )
              .all(fts) as Array<Omit<SymbolHit, "match">>,
            "fuzzy",
          );
        }
        const sub = `%${[...q.replace(/[\\%_]/g, "")].join("%")}%`;
        add(
          rank(
            this.stmt(`${base} WHERE s.name LIKE ? LIMIT 100`).all(sub) as Array<Omit<SymbolHit, "match">>,
          ),
          "fuzzy",
        );
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

  /** Source text of a symbol's definition. */
  /** A file of the indexed tree as text, or null when it cannot be read. */
  async readText(path: string): Promise<string | null> {
    try {
      return (await this.source.read(path)).toString("utf8");
    } catch {
      return null;
    }
  }

  /**
   * Extracts a text as if it were the file at `path` (its language from the path), without
   * storing anything: `impact` reads the file as it was before a diff this way. Null for a path
   * of no supported language.
   */
  async extractText(path: string, text: string): Promise<FileExtraction | null> {
    const language = languageForPath(path);
    if (!language) return null;
    return extractFile(await this.loader.load(language), text);
  }

  async definition(query: string, limit = 3): Promise<Array<{ symbol: SymbolHit; source: string }>> {
    const out: Array<{ symbol: SymbolHit; source: string }> = [];
    for (const s of this.resolveSymbols(query, limit)) {
      let text = "";
      try {
        const lines = (await this.source.read(s.path)).toString("utf8").split("\n");
        text = lines.slice(s.line - 1, s.endLine).join("\n");
      } catch {
        text = s.signature;
      }
      out.push({ symbol: s, source: text });
    }
    return out;
  }

  private pathCache: Map<number, string> | null = null;

  private filePath(id: number): string {
    if (!this.pathCache) {
      this.pathCache = new Map(
        (this.stmt("SELECT id, path FROM files").all() as Array<{ id: number; path: string }>).map((r) => [
          r.id,
          r.path,
        ]),
      );
    }
    return this.pathCache.get(id) ?? "";
  }

  private edgesTo(ids: number[], kinds: string[], limit: number): RefHit[] {
    if (!ids.length) return [];
    // Select and order on the edge index alone; join names only for the rows returned.
    const light = this.stmt(
      `SELECT id, src_file AS f, line FROM edges WHERE dst_symbol IN (${ids.map(() => "?").join(",")}) AND kind IN (${kinds.map(() => "?").join(",")})`,
    ).all(...ids, ...kinds) as Array<{ id: number; f: number; line: number }>;
    const keyed = light.map((e) => ({ ...e, path: this.filePath(e.f) }));
    keyed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.id - b.id));
    const detail = this.stmt(
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
    const rows = this.stmt(
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
    const rows = this.stmt(
      "SELECT s.id, s.name, s.qualified_name AS qualifiedName, s.kind, s.line, s.end_line AS endLine, s.signature, s.parent_id AS parentId FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.path = ? ORDER BY s.line, s.col",
    ).all(p) as Array<Omit<OutlineEntry, "depth"> & { parentId: number | null }>;
    const depth = new Map<number, number>();
    return rows.map(({ parentId, ...r }) => {
      const d = parentId === null ? 0 : (depth.get(parentId) ?? 0) + 1;
      depth.set(r.id, d);
      return { ...r, depth: d };
    });
  }

  hasFile(path: string): boolean {
    return this.stmt("SELECT 1 FROM files WHERE path = ?").get(path) !== undefined;
  }

  /** Symbols within `hops` edges (calls, references, inheritance, containment; both directions). */
  neighbors(query: string, hops = 1, limit = 200): NeighborHit[] {
    const start = this.resolveSymbols(query).map((s) => s.id);
    const out = this.stmt(
      "SELECT kind, dst_symbol AS id FROM edges WHERE src_symbol = ? AND dst_symbol IS NOT NULL",
    );
    const inn = this.stmt(
      "SELECT kind, src_symbol AS id FROM edges WHERE dst_symbol = ? AND src_symbol IS NOT NULL",
    );
    const reverse: Record<string, string> = {
      calls: "called-by",
      references: "referenced-by",
      inherits: "inherited-by",
      contains: "contained-in",
    };
    const dist = new Map<number, { d: number; via: string }>();
    for (const s of start) dist.set(s, { d: 0, via: "start" });
    let frontier = start;
    for (let h = 1; h <= hops && frontier.length && dist.size < limit; h++) {
      const next: number[] = [];
      for (const id of frontier) {
        const around = [
          ...(out.all(id) as Array<{ kind: string; id: number }>),
          ...(inn.all(id) as Array<{ kind: string; id: number }>).map((r) => ({
            kind: reverse[r.kind] ?? r.kind,
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
    const clean = [
      ...new Set(terms.map((t) => t.toLowerCase().replace(/[^a-z0-9]/g, "")).filter((t) => t.length > 1)),
    ].slice(0, 64);
    if (!clean.length) return [];
    const match = clean.map((t) => `"${t}"`).join(" OR ");
    const rows = this.stmt(
      "SELECT f.path, -bm25(files_fts, 4, 1) AS score FROM files_fts JOIN files f ON f.id = files_fts.rowid WHERE files_fts MATCH ? ORDER BY bm25(files_fts, 4, 1) LIMIT ?",
    ).all(match, limit) as Array<{ path: string; score: number }>;
    return rows;
  }

  /** Files whose contents hold `phrase` (words in sequence, FTS5 phrase query), best first. */
  searchFilesPhrase(phrase: string, limit = 20): string[] {
    const words = phrase
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
    if (!words.length) return [];
    return this.stmt(
      "SELECT f.path FROM files_fts JOIN files f ON f.id = files_fts.rowid WHERE files_fts MATCH ? ORDER BY bm25(files_fts, 4, 1) LIMIT ?",
    )
      .pluck()
      .all(`body:"${words.join(" ")}"`, limit) as string[];
  }

  /** The language most files of the repository are in (null for an empty graph). */
  mainLanguage(): string | null {
    return (
      (this.stmt(
        "SELECT language FROM files WHERE language IS NOT NULL GROUP BY language ORDER BY count(*) DESC LIMIT 1",
      )
        .pluck()
        .get() as string | undefined) ?? null
    );
  }

  languageOf(path: string): string | null {
    return (
      (this.stmt("SELECT language FROM files WHERE path = ?").pluck().get(path) as string | undefined) ?? null
    );
  }

  /** BM25 over symbol names, qualified names, split words, docstrings and paths. */
  searchSymbols(terms: string[], limit = 50): Array<SymbolHit & { score: number }> {
    const clean = [
      ...new Set(terms.map((t) => t.toLowerCase().replace(/[^a-z0-9]/g, "")).filter((t) => t.length > 1)),
    ].slice(0, 64);
    if (!clean.length) return [];
    const match = clean.map((t) => `"${t}"`).join(" OR ");
    return (
      this.stmt(
        `SELECT ${SYMBOL_COLUMNS}, m.score FROM (SELECT rowid, -bm25(symbols_fts, 10, 5, 3, 1, 1) AS score FROM symbols_fts WHERE symbols_fts MATCH ? ORDER BY bm25(symbols_fts, 10, 5, 3, 1, 1) LIMIT ?) m JOIN symbols s ON s.id = m.rowid JOIN files f ON f.id = s.file_id ORDER BY m.score DESC`,
      ).all(match, limit) as Array<Omit<SymbolHit, "match"> & { score: number }>
    ).map((r) => ({ ...r, match: "fuzzy" as const }));
  }

  async readFile(path: string): Promise<string> {
    return (await this.source.read(path)).toString("utf8");
  }

  get fileSource(): FileSource {
    return this.source;
  }
}

/** Names an import binds in the importing file. */
function bindingsOf(module: string, names: string[], alias: string, language: LanguageId): string[] {
  if (names.length) return names.filter((n) => n !== "*").map((n) => n.split(".").pop()!);
  if (alias) return [alias];
  const segs = module
    .replace(/::\{.*$/s, "")
    .split(/[./:\\]+/)
    .filter((s) => s && s !== "crate" && s !== "super" && s !== "self");
  if (!segs.length) return [];
  if (language === "python") return [...new Set([segs[0]!, segs[segs.length - 1]!])];
  return [segs[segs.length - 1]!.replace(/\.[a-z]+$/, "")];
}

export async function openCodeGraph(root: string, options: CodeGraphOptions = {}): Promise<CodeGraph> {
  return CodeGraph.open(root, options);
}
