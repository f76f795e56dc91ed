/**
 * The SQLite store (better-sqlite3, WAL): files, symbols, edges and two FTS5 indexes. The schema
 * is versioned with `PRAGMA user_version`; a database with another version, or one that fails
 * its integrity probe, is deleted and rebuilt — the index is a cache, the repository is the truth.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, realpathSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { InfraError } from "../common/index.js";

/**
 * Also bumped when extraction changes what an unchanged file yields (files are re-parsed only
 * when their content changes): 5 reads C++ `.h` headers as C++ and masks C/C++ specifier macros.
 */
export const SCHEMA_VERSION = 5;

export type DB = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  language TEXT,
  size INTEGER NOT NULL DEFAULT 0,
  mtime_ms INTEGER NOT NULL DEFAULT 0,
  hash TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,            -- ok | partial | binary | oversize | unreadable
  error_count INTEGER NOT NULL DEFAULT 0,
  line_count INTEGER NOT NULL DEFAULT 0,
  invalid_utf8 INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS symbols(
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  qualified_name TEXT NOT NULL,
  kind TEXT NOT NULL,
  line INTEGER NOT NULL, col INTEGER NOT NULL, end_line INTEGER NOT NULL, end_col INTEGER NOT NULL,
  signature TEXT NOT NULL,
  doc TEXT NOT NULL,
  parent_id INTEGER
);
CREATE INDEX IF NOT EXISTS symbols_name ON symbols(name);
CREATE INDEX IF NOT EXISTS symbols_qname ON symbols(qualified_name);
CREATE INDEX IF NOT EXISTS symbols_file ON symbols(file_id, line);
CREATE INDEX IF NOT EXISTS symbols_parent ON symbols(parent_id);
CREATE TABLE IF NOT EXISTS edges(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,              -- contains | imports | calls | references | inherits
  src_file INTEGER NOT NULL,
  src_symbol INTEGER,
  dst_name TEXT NOT NULL,          -- the name or module as written
  dst_symbol INTEGER,
  dst_file INTEGER,
  line INTEGER NOT NULL DEFAULT 0,
  qualifier TEXT NOT NULL DEFAULT ''
);
-- Edges are most of the database: three full indexes (the queries' directions) and two partial
-- ones for the update paths — imports by target file, and names still waiting for a definition.
CREATE INDEX IF NOT EXISTS edges_src_file ON edges(src_file);
CREATE INDEX IF NOT EXISTS edges_src_symbol ON edges(src_symbol);
CREATE INDEX IF NOT EXISTS edges_dst_symbol ON edges(dst_symbol);
CREATE INDEX IF NOT EXISTS edges_imports ON edges(dst_file) WHERE kind = 'imports';
CREATE INDEX IF NOT EXISTS edges_dangling ON edges(dst_name) WHERE dst_symbol IS NULL;
CREATE VIRTUAL TABLE IF NOT EXISTS symbols_fts USING fts5(
  name, qualified_name, words, doc, path, content='', contentless_delete=1
);
CREATE VIRTUAL TABLE IF NOT EXISTS files_fts USING fts5(path, body, content='', contentless_delete=1);
`;

export function defaultCacheDir(): string {
  const base = process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache");
  return join(base, "fixpoint", "graph");
}

/** `<cacheDir>/<sha256(realpath(root))[:16]>.db` — one database per repository. */
export function defaultDbPath(root: string, cacheDir = defaultCacheDir()): string {
  const real = realpathSync(root);
  const h = createHash("sha256").update(real).digest("hex").slice(0, 16);
  return join(cacheDir, `${h}.db`);
}

function removeDbFiles(path: string): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
}

function tryOpen(path: string): DB | null {
  let db: DB | null = null;
  try {
    db = new Database(path);
    db.pragma("busy_timeout = 10000");
    const version = db.pragma("user_version", { simple: true }) as number;
    const hasTables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type='table'").get() as {
      n: number;
    };
    if (hasTables.n > 0 && version !== SCHEMA_VERSION) {
      db.close();
      return null;
    }
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(SCHEMA);
    // Written only when it changes: opening a current database takes no write lock, so it never
    // waits on (or, timing out, mistakes for corruption) a build that holds it.
    if (version !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    // A cheap probe that reads every table's root page: fails on a corrupt file.
    db.prepare("SELECT (SELECT count(*) FROM files) + (SELECT count(*) FROM symbols LIMIT 1)").get();
    return db;
  } catch {
    try {
      db?.close();
    } catch {
      // already unusable
    }
    return null;
  }
}

/** Opens (creating, or rebuilding when corrupt or of another schema version) the database. */
export function openStore(path: string): { db: DB; rebuilt: boolean } {
  mkdirSync(dirname(path), { recursive: true });
  const existed = existsSync(path);
  let db = tryOpen(path);
  let rebuilt = false;
  if (!db) {
    removeDbFiles(path);
    rebuilt = existed;
    db = tryOpen(path);
    if (!db) throw new InfraError(`graph: cannot create database at ${path}`);
  }
  db.pragma("cache_size = -65536");
  db.pragma("temp_store = MEMORY");
  // A cold build writes the whole index through the WAL; give that space back after checkpoints.
  db.pragma("journal_size_limit = 8388608");
  return { db, rebuilt };
}

export function getMeta(db: DB, key: string): string | undefined {
  const r = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
  return r?.value;
}

export function setMeta(db: DB, key: string, value: string): void {
  db.prepare(
    "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  ).run(key, value);
}

/** How long one wait between two attempts at the write lock lasts. */
const LOCK_POLL_MS = 25;

/**
 * Opens the write transaction of a build or an update: `BEGIN IMMEDIATE`, which takes SQLite's
 * own write lock on the database, so that two writers — in this process or another — never
 * interleave, and a writer that dies releases it with its connection (there is no lock file to
 * go stale). While another connection holds the lock, or this one is inside a transaction (an
 * update of the same graph still running), it waits without blocking the event loop (SQLite's
 * busy handler would: a build that holds the lock here needs the loop to finish) and polls,
 * up to `timeoutMs`. Ended by `COMMIT`, or `rollbackWrite`.
 */
export async function beginWrite(db: DB, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!db.inTransaction && tryBeginImmediate(db)) return;
    if (Date.now() > deadline)
      throw new InfraError(`graph: database is locked by another build (${db.name})`);
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

/** `BEGIN IMMEDIATE` without waiting: false when another connection holds the write lock. */
function tryBeginImmediate(db: DB): boolean {
  const busyTimeout = db.pragma("busy_timeout", { simple: true }) as number;
  db.pragma("busy_timeout = 0");
  try {
    db.exec("BEGIN IMMEDIATE");
    return true;
  } catch (err) {
    if (String((err as { code?: unknown }).code).startsWith("SQLITE_BUSY")) return false;
    throw err;
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
}

/** Ends the write transaction `beginWrite` opened without keeping anything (no-op when none is open). */
export function rollbackWrite(db: DB): void {
  if (db.inTransaction) db.exec("ROLLBACK");
}

/** Splits identifiers into words: "getHTTPResponse_code" → "get http response code". */
export function splitIdentifierWords(text: string): string {
  const out: string[] = [];
  // Only identifiers with a capital after their first letter can split; the pattern finds just
  // those (a whole identifier: no letter before it), so the rest of the text costs no match object.
  for (const m of text.matchAll(/(?<![A-Za-z])[A-Za-z][A-Za-z0-9]*?[A-Z][A-Za-z0-9]*/g)) {
    const parts = m[0]
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
      .toLowerCase()
      .split(" ");
    if (parts.length > 1) out.push(...parts);
  }
  return out.join(" ");
}
