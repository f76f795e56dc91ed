/**
 * The write session of a build or an update: files, symbols and full-text rows written as the
 * extractions arrive, removed files cleared, and at commit the edges linked (link.ts) and the
 * transaction committed. The transaction is the caller's (`beginWrite` in store.ts), opened
 * before the session and ended by `commit` or, on any failure, by the caller's rollback.
 */
import { linkEdges, type ParsedFile } from "./link.js";
import type { FileResult } from "./process.js";
import { type DB, splitIdentifierWords } from "./store.js";

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

/** A file's row as the write reads it back. */
export interface FileRow {
  id: number;
  path: string;
  size: number;
  mtime_ms: number;
  hash: string;
  status: string;
}

export const FILE_ROW_COLUMNS = "id, path, size, mtime_ms, hash, status";

export interface WriteSession {
  /** Writes the files, symbols and full-text rows of results as they arrive. */
  add(results: FileResult[]): void;
  /** Links the edges of every file added, and commits. */
  commit(): BuildStats;
}

export interface WriteOptions {
  /** Repository root (go.mod is read from it). */
  root: string;
  /** Files gone from the repository: cleared first. */
  removedPaths: string[];
  /**
   * An empty database: the edge indexes are dropped and built once after the bulk insert
   * (several times faster than maintaining five B-trees row by row), and the passes that
   * re-resolve edges of unchanged files are skipped (there are none).
   */
  fresh: boolean;
  /** Reported in the stats: the database was recreated when opened. */
  rebuilt: boolean;
}

/** Starts writing inside the caller's open transaction. */
export function openWriteSession(db: DB, opts: WriteOptions): WriteSession {
  const { removedPaths, fresh } = opts;
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
    rebuilt: opts.rebuilt,
  };
  const st = {
    fileByPath: db.prepare(`SELECT ${FILE_ROW_COLUMNS} FROM files WHERE path = ?`),
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
  };
  const affectedNames = new Set<string>();
  const changedFileIds = new Set<number>();
  let filesAddedOrRemoved = removedPaths.length > 0;
  const parsed: ParsedFile[] = [];

  /** Clears a file's symbols, full-text rows and outgoing edges, and unlinks edges into it. */
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

  const edgeIndexes = fresh
    ? (db
        .prepare(
          "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'edges' AND sql IS NOT NULL",
        )
        .all() as Array<{ name: string; sql: string }>)
    : [];
  for (const ix of edgeIndexes) db.exec(`DROP INDEX ${ix.name}`);
  for (const p of removedPaths) {
    const row = st.fileByPath.get(p) as FileRow | undefined;
    if (!row) continue;
    clearFile(row.id);
    st.unlinkImportsTo.run(row.id);
    st.deleteFile.run(row.id);
  }

  /** The symbols of one extracted file and their full-text rows; their ids, in extraction order. */
  const insertSymbols = (fileId: number, r: FileResult): number[] => {
    const ex = r.extraction!;
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
    return symIds;
  };

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
      const symIds = insertSymbols(fileId, r);
      stats.symbols += symIds.length;
      parsed.push({ fileId, path: r.path, ex, symIds });
    }
    stats.storeMs += performance.now() - tA;
  };

  const commit = (): BuildStats => {
    const tE = performance.now();
    stats.edges += linkEdges(db, opts.root, parsed, {
      fresh,
      filesAddedOrRemoved,
      changedFileIds,
      affectedNames,
    });
    const tI = performance.now();
    for (const ix of edgeIndexes) db.exec(ix.sql);
    const tC = performance.now();
    db.exec("COMMIT");
    if (process.env["FIXPOINT_GRAPH_TIMING"])
      console.error(`indexes ${Math.round(tC - tI)}ms commit ${Math.round(performance.now() - tC)}ms`);
    stats.storeMs = Math.round(stats.storeMs + performance.now() - tE);
    return stats;
  };
  return { add, commit };
}
