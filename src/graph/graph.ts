/**
 * CodeGraph: the SQLite index of one repository, built and incrementally updated, and the
 * structural queries over it (find, definition, references, callers, callees, outline,
 * neighbours, search). Worker threads parse and extract, and so does this thread whenever it has
 * no results to write; this thread writes, in one transaction per build or update, which also
 * holds the database's write lock. This file is the facade; the work is done by
 *
 * - write.ts: the write session (files, symbols, full-text rows, the transaction's commit);
 * - link.ts: edges resolved against the index and written, re-resolution after an update;
 * - queries.ts: the read-only queries.
 */
import { statSync } from "node:fs";
import { posix } from "node:path";
import { errorMessage, UsageError } from "../common/index.js";
import { type Logger, silentLogger } from "../log/index.js";
import { extractFile, type FileExtraction } from "./extract.js";
import { type FileSource, localFileSource } from "./files.js";
import type { HistorySource } from "./history.js";
import { languageForFile, languageForPath } from "./languages.js";
import { type BackendKind, LanguageLoader } from "./parser.js";
import { defaultWorkerCount, runPool, type WorkItem } from "./pool.js";
import { type FileResult, processBuffer } from "./process.js";
import {
  type CalleeHit,
  GraphQueries,
  type GraphStats,
  type NeighborHit,
  type OutlineEntry,
  type RefHit,
  type SymbolHit,
} from "./queries.js";
import {
  beginWrite,
  type DB,
  defaultCacheDir,
  defaultDbPath,
  openStore,
  rollbackWrite,
  setMeta,
} from "./store.js";
import { type BuildStats, FILE_ROW_COLUMNS, type FileRow, openWriteSession } from "./write.js";

export { isTestPath, moduleName } from "./paths.js";
export type { CalleeHit, GraphStats, NeighborHit, OutlineEntry, RefHit, SymbolHit } from "./queries.js";
export type { BuildStats } from "./write.js";

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
  /** How long a build or update waits for another one writing the same database (default 2 min). */
  lockTimeoutMs?: number;
  logger?: Logger;
  onProgress?: (done: number, total: number) => void;
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
  private readonly queries: GraphQueries;
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
    this.queries = new GraphQueries(db);
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

  private get maxFileBytes(): number {
    return this.options.maxFileBytes ?? 1024 * 1024;
  }

  // ---------------------------------------------------------------- indexing

  /** Indexes the repository: new and changed files parsed, deleted files removed. */
  async build(): Promise<BuildStats> {
    const t0 = performance.now();
    return this.write(async () => {
      const { files, symlinksSkipped } = await this.source.list();
      const known = new Map<string, FileRow>();
      for (const r of this.db.prepare(`SELECT ${FILE_ROW_COLUMNS} FROM files`).all() as FileRow[]) {
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
      const stats = await this.index(work, removed, known.size === 0, () => {
        setMeta(this.db, "built_at", new Date().toISOString());
      });
      if (process.env["FIXPOINT_GRAPH_TIMING"]) console.error(`list ${Math.round(tp - t0)}ms`);
      stats.unchanged += unchanged;
      stats.skipped.symlinks = symlinksSkipped;
      stats.files = files.length;
      stats.ms = Math.round(performance.now() - t0);
      this.log.debug({ stats }, "graph build");
      return stats;
    });
  }

  /** Re-indexes the given repository-relative paths (changed, added or deleted). */
  async update(paths: string[]): Promise<BuildStats> {
    const t0 = performance.now();
    return this.write(async () => {
      const work: WorkItem[] = [];
      const removed: string[] = [];
      const known = this.db.prepare(`SELECT ${FILE_ROW_COLUMNS} FROM files WHERE path = ?`);
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
      const stats = await this.index(work, removed, false);
      stats.files = work.length;
      stats.ms = Math.round(performance.now() - t0);
      return stats;
    });
  }

  /**
   * Runs `body` inside the database's write transaction (its lock: see `beginWrite`), rolled
   * back when `body` fails. What the queries cached is dropped before and after.
   */
  private async write<T>(body: () => Promise<T>): Promise<T> {
    await beginWrite(this.db, this.options.lockTimeoutMs);
    this.queries.invalidate();
    try {
      return await body();
    } catch (err) {
      rollbackWrite(this.db);
      throw err;
    } finally {
      this.queries.invalidate();
    }
  }

  /** Parses `work`, writes it and removes `removed`, then links and commits (inside `write`). */
  private async index(
    work: WorkItem[],
    removed: string[],
    fresh: boolean,
    beforeCommit?: () => void,
  ): Promise<BuildStats> {
    const session = openWriteSession(this.db, {
      root: this.root,
      removedPaths: removed,
      fresh,
      rebuilt: this.lastRebuilt,
    });
    this.lastRebuilt = false;
    const tp = performance.now();
    await this.processAll(work, (rs) => session.add(rs));
    const tParsed = performance.now();
    beforeCommit?.();
    const stats = session.commit();
    if (process.env["FIXPOINT_GRAPH_TIMING"])
      console.error(
        `parse ${Math.round(tParsed - tp)}ms finish ${Math.round(performance.now() - tParsed)}ms`,
      );
    return stats;
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

  // ---------------------------------------------------------------- queries (queries.ts)

  stats(): GraphStats {
    return this.queries.stats(this.root, this.dbPath);
  }

  /** Finds symbols by exact name, qualified name (`Class.method`, `pkg.mod.func`, `a::b`), or fuzzily. */
  find(query: string, opts: { limit?: number; kind?: string } = {}): SymbolHit[] {
    return this.queries.find(query, opts);
  }

  /** The symbols a query most likely names (exact or qualified matches only). */
  resolveSymbols(query: string, limit = 10): SymbolHit[] {
    return this.queries.resolveSymbols(query, limit);
  }

  /** Every recorded use of the symbol(s): calls, references, inheritance. */
  references(query: string, limit = 500): RefHit[] {
    return this.queries.references(query, limit);
  }

  callers(query: string, limit = 500): RefHit[] {
    return this.queries.callers(query, limit);
  }

  callees(query: string, limit = 500): CalleeHit[] {
    return this.queries.callees(query, limit);
  }

  /** The symbols of one file, nested by containment. */
  outline(path: string): OutlineEntry[] {
    return this.queries.outline(path);
  }

  hasFile(path: string): boolean {
    return this.queries.hasFile(path);
  }

  /** Symbols within `hops` edges (calls, references, inheritance, containment; both directions). */
  neighbors(query: string, hops = 1, limit = 200): NeighborHit[] {
    return this.queries.neighbors(query, hops, limit);
  }

  /** BM25 full-text search over file contents (identifiers split into words). */
  searchFiles(terms: string[], limit = 50): Array<{ path: string; score: number }> {
    return this.queries.searchFiles(terms, limit);
  }

  /** Files whose contents hold `phrase` (words in sequence, FTS5 phrase query), best first. */
  searchFilesPhrase(phrase: string, limit = 20): string[] {
    return this.queries.searchFilesPhrase(phrase, limit);
  }

  /** The language most files of the repository are in (null for an empty graph). */
  mainLanguage(): string | null {
    return this.queries.mainLanguage();
  }

  languageOf(path: string): string | null {
    return this.queries.languageOf(path);
  }

  /** BM25 over symbol names, qualified names, split words, docstrings and paths. */
  searchSymbols(terms: string[], limit = 50): Array<SymbolHit & { score: number }> {
    return this.queries.searchSymbols(terms, limit);
  }

  // ---------------------------------------------------------------- source text

  /** Source text of a symbol's definition. */
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
    const language = languageForFile(path, text);
    if (!language) return null;
    return extractFile(await this.loader.load(language), text);
  }

  async readFile(path: string): Promise<string> {
    return (await this.source.read(path)).toString("utf8");
  }

  get fileSource(): FileSource {
    return this.source;
  }
}

export async function openCodeGraph(root: string, options: CodeGraphOptions = {}): Promise<CodeGraph> {
  return CodeGraph.open(root, options);
}
