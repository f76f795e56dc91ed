/**
 * The SQL the graph's algorithms read the index with (localization, change impact, ranking, the
 * tests a change reaches), each query a named function, so that those modules read as what they
 * compute. Every statement is prepared once per database and reused: preparing one costs more
 * than most of these queries.
 */
import type { Statement } from "better-sqlite3";
import type { DB } from "./store.js";

// ---------------------------------------------------------------- statements

type Mode = "rows" | "pluck" | "raw";

const statements = new WeakMap<DB, Record<Mode, Map<string, Statement>>>();

/**
 * `sql` prepared on `db` once, then reused. `pluck`: rows are their first column's value; `raw`:
 * rows are arrays. Statements are kept apart by mode: a statement's mode is set once, when prepared.
 */
export function statement(db: DB, sql: string, mode: Mode = "rows"): Statement {
  let byMode = statements.get(db);
  if (!byMode) {
    byMode = { rows: new Map(), pluck: new Map(), raw: new Map() };
    statements.set(db, byMode);
  }
  const bySql = byMode[mode];
  let s = bySql.get(sql);
  if (!s) {
    s = db.prepare(sql);
    if (mode === "pluck") s.pluck();
    else if (mode === "raw") s.raw();
    bySql.set(sql, s);
  }
  return s;
}

/** A symbol with its file's path: what most queries return. */
export interface SymbolRow {
  id: number;
  name: string;
  qualifiedName: string;
  kind: string;
  path: string;
  line: number;
  endLine: number;
  signature: string;
  doc: string;
}

export const SYMBOL_COLUMNS =
  "s.id, s.name, s.qualified_name AS qualifiedName, s.kind, f.path, s.line, s.end_line AS endLine, s.signature, s.doc";

// ---------------------------------------------------------------- files

/** Changes whenever a file is added or removed (the highest id and the count): a cache key. */
export function filesVersion(db: DB): string {
  return String(statement(db, "SELECT coalesce(max(id), 0) || ':' || count(*) FROM files", "pluck").get());
}

/** Every file as [id, path] (in the table's order). */
export function filePathsById(db: DB): Array<[number, string]> {
  return statement(db, "SELECT id, path FROM files", "raw").all() as Array<[number, string]>;
}

/** Every file (in the table's order). */
export function allFiles(db: DB): Array<{ id: number; path: string }> {
  return statement(db, "SELECT id, path FROM files").all() as Array<{ id: number; path: string }>;
}

export function fileIdByPath(db: DB, path: string): number | undefined {
  return statement(db, "SELECT id FROM files WHERE path = ?", "pluck").get(path) as number | undefined;
}

/** Which of these (up to three) paths are indexed files. */
export function existingPaths(db: DB, a: string, b: string, c: string): string[] {
  return statement(db, "SELECT path FROM files WHERE path IN (?, ?, ?)", "pluck").all(a, b, c) as string[];
}

/** Up to five files whose path is `suffix` or ends with "/" + `suffix`. */
export function pathsEndingWith(db: DB, suffix: string): string[] {
  return statement(
    db,
    "SELECT path FROM files WHERE path = ? OR path LIKE ? ESCAPE '\\' LIMIT 5",
    "pluck",
  ).all(suffix, `%/${suffix.replace(/[\\%_]/g, "\\$&")}`) as string[];
}

/** Files of at least `minLines` lines and `linesPerSymbol` lines for each symbol defined in them. */
export function sparseFiles(db: DB, minLines: number, linesPerSymbol: number): string[] {
  return statement(
    db,
    "SELECT f.path FROM files f WHERE f.line_count >= ? AND f.line_count >= ? * max(1, (SELECT count(*) FROM symbols s WHERE s.file_id = f.id))",
    "pluck",
  ).all(minLines, linesPerSymbol) as string[];
}

// ---------------------------------------------------------------- full text

/** How many files' contents match an FTS5 query. */
export function fileMatchCount(db: DB, fts: string): number {
  return statement(db, "SELECT count(*) FROM files_fts WHERE files_fts MATCH ?", "pluck").get(fts) as number;
}

/** Every file matching an FTS5 query as [file id, BM25 score (higher is better)], unordered. */
export function fileBm25(db: DB, fts: string): Array<[number, number]> {
  return statement(
    db,
    "SELECT rowid, -bm25(files_fts, 4, 1) FROM files_fts WHERE files_fts MATCH ?",
    "raw",
  ).all(fts) as Array<[number, number]>;
}

/** Paths of the files matching an FTS5 query (unordered). */
export function filesMatching(db: DB, fts: string): string[] {
  return statement(
    db,
    "SELECT f.path FROM files_fts JOIN files f ON f.id = files_fts.rowid WHERE files_fts MATCH ?",
    "pluck",
  ).all(fts) as string[];
}

/** The 300 symbols best matching an FTS5 query as [symbol id, BM25 score], best first. */
export function symbolBm25(db: DB, fts: string): Array<[number, number]> {
  return statement(
    db,
    "SELECT rowid, -bm25(symbols_fts, 10, 5, 3, 1, 1) FROM symbols_fts WHERE symbols_fts MATCH ? ORDER BY bm25(symbols_fts, 10, 5, 3, 1, 1) LIMIT 300",
    "raw",
  ).all(fts) as Array<[number, number]>;
}

// ---------------------------------------------------------------- symbols

/** How many symbols have this name. */
export function symbolNameCount(db: DB, name: string): number {
  return statement(db, "SELECT count(*) FROM symbols WHERE name = ?", "pluck").get(name) as number;
}

/** The symbols of these ids (in no particular order). */
export function symbolsByIds(db: DB, ids: number[]): SymbolRow[] {
  return statement(
    db,
    `SELECT ${SYMBOL_COLUMNS} FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.id IN (SELECT value FROM json_each(?))`,
  ).all(JSON.stringify(ids)) as SymbolRow[];
}

/** The functions, methods and classes of a file. */
export function definitionsOfFile(db: DB, path: string): SymbolRow[] {
  return statement(
    db,
    `SELECT ${SYMBOL_COLUMNS} FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.path = ? AND s.kind IN ('function', 'method', 'class')`,
  ).all(path) as SymbolRow[];
}

/** The spans of a file's functions and methods. */
export function functionSpansOfFile(
  db: DB,
  path: string,
): Array<{ id: number; line: number; endLine: number }> {
  return statement(
    db,
    "SELECT s.id, s.line, s.end_line AS endLine FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.path = ? AND s.kind IN ('function', 'method')",
  ).all(path) as Array<{ id: number; line: number; endLine: number }>;
}

/** A symbol of a file as the index holds it, with its parent's id. */
export interface FileSymbol {
  id: number;
  name: string;
  qualifiedName: string;
  kind: string;
  line: number;
  endLine: number;
  signature: string;
  parentId: number | null;
}

/** Every symbol of a file, in source order (a parent before its members). */
export function symbolsOfPath(db: DB, path: string): FileSymbol[] {
  return statement(
    db,
    "SELECT s.id, s.name, s.qualified_name AS qualifiedName, s.kind, s.line, s.end_line AS endLine, s.signature, s.parent_id AS parentId FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.path = ? ORDER BY s.line, s.col",
  ).all(path) as FileSymbol[];
}

/** The members of a class (or any symbol) with this name. */
export function membersNamed(
  db: DB,
  parentId: number,
  name: string,
): Array<{ name: string; path: string; line: number }> {
  return statement(
    db,
    "SELECT s.qualified_name AS name, f.path, s.line FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.parent_id = ? AND s.name = ?",
  ).all(parentId, name) as Array<{ name: string; path: string; line: number }>;
}

/** The innermost function, method or class of a file whose span holds `line` (the last to start). */
export function definitionAround(
  db: DB,
  path: string,
  line: number,
):
  | {
      id: number;
      parentId: number | null;
      name: string;
      qualifiedName: string;
      kind: string;
      line: number;
      path: string;
    }
  | undefined {
  return statement(
    db,
    `SELECT s.id, s.parent_id AS parentId, s.name, s.qualified_name AS qualifiedName, s.kind, s.line, f.path
     FROM symbols s JOIN files f ON f.id = s.file_id
     WHERE f.path = ? AND s.line <= ? AND s.end_line >= ? AND s.kind IN ('function','method','class')
     ORDER BY s.line DESC LIMIT 1`,
  ).get(path, line, line) as ReturnType<typeof definitionAround>;
}

/** A file's symbols in line order, each with how many edges point at it: the repo map's skeleton. */
export function skeletonOfFile(
  db: DB,
  path: string,
): Array<{
  id: number;
  name: string;
  kind: string;
  line: number;
  signature: string;
  parentId: number | null;
  refs: number;
}> {
  return statement(
    db,
    "SELECT s.id, s.name, s.kind, s.line, s.signature, s.parent_id AS parentId, (SELECT count(*) FROM edges e WHERE e.dst_symbol = s.id) AS refs FROM symbols s WHERE s.file_id = (SELECT id FROM files WHERE path = ?) ORDER BY s.line",
  ).all(path) as ReturnType<typeof skeletonOfFile>;
}

// ---------------------------------------------------------------- edges

/** Changes whenever an edge is added or removed: a cache key. */
export function edgesVersion(db: DB): string {
  return String(
    statement(db, "SELECT coalesce(max(id), 0) || ':' || count(*) AS k FROM edges", "pluck").get(),
  );
}

/** Resolved edges between two different files (containment aside) as [from, to, count]. */
export function crossFileEdgeCounts(db: DB): Array<[number, number, number]> {
  return statement(
    db,
    "SELECT src_file AS s, dst_file AS d, count(*) AS n FROM edges WHERE dst_file IS NOT NULL AND dst_file != src_file AND kind != 'contains' GROUP BY src_file, dst_file",
    "raw",
  ).all() as Array<[number, number, number]>;
}

/** A use of a symbol: the edge's kind, where it is, and the symbol it sits in ("" at file level). */
export interface UserRow {
  kind: string;
  path: string;
  line: number;
  name: string;
}

const USER = `SELECT e.kind, f.path, e.line, coalesce(s.qualified_name, '') AS name FROM edges e JOIN files f ON f.id = e.src_file LEFT JOIN symbols s ON s.id = e.src_symbol`;

/** Up to 500 calls, references and subclasses of a symbol. */
export function usersOfSymbol(db: DB, symbolId: number): UserRow[] {
  return statement(
    db,
    `${USER} WHERE e.dst_symbol = ? AND e.kind IN ('calls','references','inherits') LIMIT 500`,
  ).all(symbolId) as UserRow[];
}

/**
 * Up to 500 uses of `name` that point at nothing (a removed definition's users), from the given
 * files only.
 */
export function danglingUsersIn(db: DB, name: string, fileIds: number[]): UserRow[] {
  return statement(
    db,
    `${USER} WHERE e.dst_symbol IS NULL AND e.dst_name = ? AND e.kind IN ('calls','references','inherits') AND e.src_file IN (SELECT value FROM json_each(?)) LIMIT 500`,
  ).all(name, JSON.stringify(fileIds)) as UserRow[];
}

/** The files that import a file. */
export function importerIds(db: DB, fileId: number): number[] {
  return statement(
    db,
    "SELECT DISTINCT src_file FROM edges WHERE kind = 'imports' AND dst_file = ?",
    "pluck",
  ).all(fileId) as number[];
}

/** The files with an import that points nowhere and whose module, as written, is LIKE `pattern`. */
export function unresolvedImporterIds(db: DB, pattern: string): number[] {
  return statement(
    db,
    "SELECT DISTINCT src_file FROM edges WHERE kind = 'imports' AND dst_file IS NULL AND dst_name LIKE ?",
    "pluck",
  ).all(pattern) as number[];
}

/** Up to 200 import lines of the file at `path`, as (importing file, line). */
export function importLinesOf(db: DB, path: string): Array<{ path: string; line: number }> {
  return statement(
    db,
    "SELECT DISTINCT f.path, e.line FROM edges e JOIN files f ON f.id = e.src_file WHERE e.kind = 'imports' AND e.dst_file = (SELECT id FROM files WHERE path = ?) LIMIT 200",
  ).all(path) as Array<{ path: string; line: number }>;
}

/** The classes that inherit from a class (directly). */
export function subclassIds(db: DB, classId: number): number[] {
  return (
    statement(
      db,
      "SELECT e.src_symbol AS id FROM edges e WHERE e.kind = 'inherits' AND e.dst_symbol = ?",
    ).all(classId) as Array<{ id: number }>
  ).map((r) => r.id);
}

// ---------------------------------------------------------------- the tests a change reaches

/** A symbol as the walk towards tests reads it. */
export interface ReachSymbol {
  id: number;
  fileId: number;
  name: string;
  qualifiedName: string;
  kind: string;
  line: number;
  parentId: number | null;
  signature: string;
}

export interface ReachFile {
  id: number;
  path: string;
  language: string | null;
}

/** A use of a symbol, as an edge from where it sits. */
export interface ReachUse {
  kind: string;
  fileId: number;
  symbolId: number | null;
  line: number;
  name: string;
  /** The receiver written before the name (`app` in `app.run()`), "" when none. */
  qualifier: string;
}

const REACH_SYMBOL =
  "s.id, s.file_id AS fileId, s.name, s.qualified_name AS qualifiedName, s.kind, s.line, s.parent_id AS parentId, s.signature";
const REACH_USE =
  "e.kind, e.src_file AS fileId, e.src_symbol AS symbolId, e.line, e.dst_name AS name, e.qualifier";

export function reachSymbol(db: DB, id: number): ReachSymbol | undefined {
  return statement(db, `SELECT ${REACH_SYMBOL} FROM symbols s WHERE s.id = ?`).get(id) as
    | ReachSymbol
    | undefined;
}

export function reachSymbolsOfFile(db: DB, fileId: number): ReachSymbol[] {
  return statement(db, `SELECT ${REACH_SYMBOL} FROM symbols s WHERE s.file_id = ? ORDER BY s.line`).all(
    fileId,
  ) as ReachSymbol[];
}

export function reachFile(db: DB, id: number): ReachFile | undefined {
  return statement(db, "SELECT id, path, language FROM files WHERE id = ?").get(id) as ReachFile | undefined;
}

/** Up to `cap` calls, references and subclasses of a symbol, by file and line. */
export function usesOfSymbol(db: DB, symbolId: number, cap: number): ReachUse[] {
  return statement(
    db,
    `SELECT ${REACH_USE} FROM edges e WHERE e.dst_symbol = ? AND e.kind IN ('calls','references','inherits') ORDER BY e.src_file, e.line LIMIT ?`,
  ).all(symbolId, cap) as ReachUse[];
}

/**
 * Up to `cap` calls `x.name()` with a receiver, left unresolved, in files of `language`
 * (through the partial index of names still waiting for a definition).
 */
export function unresolvedMethodCalls(db: DB, name: string, language: string, cap: number): ReachUse[] {
  return statement(
    db,
    `SELECT ${REACH_USE} FROM edges e JOIN files f ON f.id = e.src_file WHERE e.dst_symbol IS NULL AND e.dst_name = ? AND e.kind = 'calls' AND e.qualifier <> '' AND f.language = ? ORDER BY e.src_file, e.line LIMIT ?`,
  ).all(name, language, cap) as ReachUse[];
}

/** Up to `cap` uses of `name` that point at nothing, in the given files. */
export function unresolvedUsesIn(db: DB, name: string, fileIds: number[], cap: number): ReachUse[] {
  return statement(
    db,
    `SELECT ${REACH_USE} FROM edges e WHERE e.dst_symbol IS NULL AND e.dst_name = ? AND e.kind IN ('calls','references','inherits') AND e.src_file IN (SELECT value FROM json_each(?)) ORDER BY e.src_file, e.line LIMIT ?`,
  ).all(name, JSON.stringify(fileIds), cap) as ReachUse[];
}

/** The functions and methods named `name` in files of `language`, with their class's name. */
export function callablesNamed(
  db: DB,
  name: string,
  language: string,
): Array<{ id: number; kind: string; className: string }> {
  return statement(
    db,
    "SELECT s.id, s.kind, coalesce(p.name, '') AS className FROM symbols s JOIN files f ON f.id = s.file_id LEFT JOIN symbols p ON p.id = s.parent_id WHERE s.name = ? AND s.kind IN ('function','method') AND f.language = ?",
  ).all(name, language) as Array<{ id: number; kind: string; className: string }>;
}

/** The imports of a file, by importing file and line, with the names each binds. */
export function importsOfFile(
  db: DB,
  fileId: number,
): Array<{ fileId: number; qualifier: string; line: number }> {
  return statement(
    db,
    "SELECT src_file AS fileId, qualifier, line FROM edges WHERE kind = 'imports' AND dst_file = ? ORDER BY src_file, line",
  ).all(fileId) as Array<{ fileId: number; qualifier: string; line: number }>;
}

/** The names each import of a file binds, comma-separated. */
export function importBindings(db: DB, fileId: number): string[] {
  return statement(db, "SELECT qualifier FROM edges WHERE kind = 'imports' AND src_file = ?", "pluck").all(
    fileId,
  ) as string[];
}

/** The bases a class inherits from, as written, and resolved when they are. */
export function basesOf(db: DB, classId: number): Array<{ name: string; symbolId: number | null }> {
  return statement(
    db,
    "SELECT dst_name AS name, dst_symbol AS symbolId FROM edges WHERE kind = 'inherits' AND src_symbol = ?",
  ).all(classId) as Array<{ name: string; symbolId: number | null }>;
}

/** Whether a file calls any of these names, or through any of these receivers (JSON arrays). */
export function callsAnyOf(db: DB, fileId: number, namesJson: string): boolean {
  return (
    statement(
      db,
      "SELECT 1 FROM edges WHERE src_file = ? AND kind = 'calls' AND (dst_name IN (SELECT value FROM json_each(?)) OR qualifier IN (SELECT value FROM json_each(?))) LIMIT 1",
      "pluck",
    ).get(fileId, namesJson, namesJson) !== undefined
  );
}

/** Functions and methods of the files whose path is in [lo, hi) whose signature contains `text`. */
export function functionsUnderNaming(db: DB, lo: string, hi: string, text: string): ReachSymbol[] {
  return statement(
    db,
    `SELECT ${REACH_SYMBOL} FROM files f JOIN symbols s ON s.file_id = f.id WHERE f.path >= ? AND f.path < ? AND s.kind IN ('function','method') AND instr(s.signature, ?) > 0`,
  ).all(lo, hi, text) as ReachSymbol[];
}

/** Functions and methods of a file whose signature contains `text`. */
export function functionsInFileNaming(db: DB, fileId: number, text: string): ReachSymbol[] {
  return statement(
    db,
    `SELECT ${REACH_SYMBOL} FROM symbols s WHERE s.file_id = ? AND s.kind IN ('function','method') AND instr(s.signature, ?) > 0`,
  ).all(fileId, text) as ReachSymbol[];
}
