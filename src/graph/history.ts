/**
 * The repository's commit history as evidence for localization: past commits whose messages read
 * like the issue point at the files they changed ("similar past fixes", as in IR-based bug
 * localization). The messages go into an FTS5 index beside the code's, filled from `git log` the
 * first time a localization asks and brought up to date incrementally when the commit moves on.
 *
 * Only ancestors of the commit being localized are indexed, so a task's own fix (a later commit)
 * can never be seen; a checkout that moves back in history re-reads the log.
 */
import { gitSync } from "../common/index.js";
import { type DB, getMeta, setMeta, splitIdentifierWords } from "./store.js";

/** Where the history comes from: a git repository (work tree or bare) and the commit it ends at. */
export interface HistorySource {
  repo: string;
  /** A revision (`HEAD`, a hash, a branch); its ancestors are read. */
  rev: string;
}

export interface HistoryOptions {
  /** The newest commits kept (default 30,000): enough for years of history, bounded for huge repositories. */
  maxCommits?: number;
}

export interface HistoryState {
  head: string;
  commits: number;
  /** What the last sync did. */
  action: "unchanged" | "appended" | "rebuilt";
}

const DEFAULT_MAX_COMMITS = 30_000;
/** Bumped when what is read from the log changes: an index of another format is read again. */
const HISTORY_FORMAT = "2";
const RECORD = "\x1e";
const FIELD = "\x1f";

function git(repo: string, args: string[]): string | null {
  try {
    const r = gitSync(["-c", "core.quotePath=false", ...args], repo, { maxBuffer: 1 << 30 });
    return r.code === 0 ? r.stdout : null;
  } catch {
    return null; // git missing or the log over 1 GiB: no history signal
  }
}

function resolveCommit(src: HistorySource): string | null {
  const out = git(src.repo, ["rev-parse", "--verify", "--quiet", `${src.rev}^{commit}`]);
  return out ? out.trim() : null;
}

function isAncestor(repo: string, older: string, newer: string): boolean {
  return git(repo, ["merge-base", "--is-ancestor", older, newer]) !== null;
}

export interface LoggedCommit {
  hash: string;
  message: string;
  files: string[];
}

/** Non-merge commits reachable from `range`, newest first, with the paths each one touched. */
export function readLog(repo: string, range: string, max: number): LoggedCommit[] {
  const out = git(repo, [
    "log",
    "--no-merges",
    "--no-renames",
    // Paths relative to `repo`, changes outside it left out: the index may cover a subdirectory.
    "--relative",
    "--name-only",
    `--format=${RECORD}%H${FIELD}%B${FIELD}`,
    "-n",
    String(max),
    range,
    "--",
  ]);
  if (out === null) return [];
  const commits: LoggedCommit[] = [];
  for (const rec of out.split(RECORD)) {
    const a = rec.indexOf(FIELD);
    const b = rec.indexOf(FIELD, a + 1);
    if (a < 0 || b < 0) continue;
    const files = rec
      .slice(b + 1)
      .split("\n")
      .filter((l) => l.length > 0);
    commits.push({ hash: rec.slice(0, a), message: rec.slice(a + 1, b).trim(), files });
  }
  return commits;
}

const TABLES = `
CREATE TABLE IF NOT EXISTS commits(
  id INTEGER PRIMARY KEY, hash TEXT NOT NULL, subject TEXT NOT NULL, files TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS commits_fts USING fts5(message, words, content='', contentless_delete=1);
`;

function insertCommits(db: DB, commits: LoggedCommit[]): void {
  const ins = db.prepare("INSERT INTO commits(hash, subject, files) VALUES(?, ?, ?)");
  const fts = db.prepare("INSERT INTO commits_fts(rowid, message, words) VALUES(?, ?, ?)");
  // Oldest first, so that ids grow with recency and the oldest are the ones trimmed.
  for (let i = commits.length - 1; i >= 0; i--) {
    const c = commits[i]!;
    if (!c.files.length || !c.message) continue;
    const subject = c.message.split("\n", 1)[0]!.slice(0, 200);
    const id = ins.run(c.hash, subject, c.files.join("\n")).lastInsertRowid;
    fts.run(id, c.message, splitIdentifierWords(c.message));
  }
}

/**
 * Brings the indexed history to `src` (a no-op when it is already there). Returns null when the
 * source is not a git repository or the revision does not exist: localization then goes without.
 */
export function syncHistory(db: DB, src: HistorySource, opts: HistoryOptions = {}): HistoryState | null {
  const max = opts.maxCommits ?? DEFAULT_MAX_COMMITS;
  const head = resolveCommit(src);
  if (!head) return null;
  db.exec(TABLES);
  const count = () => db.prepare("SELECT count(*) FROM commits").pluck().get() as number;
  const indexedHead = () =>
    getMeta(db, "history_format") === HISTORY_FORMAT ? getMeta(db, "history_head") : undefined;
  const indexed = indexedHead();
  if (indexed === head) return { head, commits: count(), action: "unchanged" };
  const append = indexed !== undefined && isAncestor(src.repo, indexed, head);
  const commits = readLog(src.repo, append ? `${indexed}..${head}` : head, max);
  let state: HistoryState = { head, commits: 0, action: append ? "appended" : "rebuilt" };
  // Written under the write lock, and only if no other process synced while git log ran (two
  // appends of the same range would index those commits twice).
  db.transaction(() => {
    const now = indexedHead();
    if (now !== indexed) {
      state = { head: now ?? head, commits: 0, action: "unchanged" };
      return;
    }
    if (!append) {
      // Made anew: the tables of an older format may have other columns.
      db.exec("DROP TABLE IF EXISTS commits; DROP TABLE IF EXISTS commits_fts;");
      db.exec(TABLES);
    }
    insertCommits(db, commits);
    const over = count() - max;
    if (over > 0) {
      const cut = db
        .prepare("SELECT id FROM commits ORDER BY id LIMIT 1 OFFSET ?")
        .pluck()
        .get(over) as number;
      db.prepare("DELETE FROM commits_fts WHERE rowid < ?").run(cut);
      db.prepare("DELETE FROM commits WHERE id < ?").run(cut);
    }
    setMeta(db, "history_head", head);
    setMeta(db, "history_format", HISTORY_FORMAT);
  }).immediate();
  return { ...state, commits: count() };
}

/** What the index holds of the history (without reading git), or null before the first sync. */
export function indexedHistory(db: DB): { head: string; commits: number } | null {
  const head = getMeta(db, "history_head");
  const hasTable = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'commits'").pluck().get();
  if (!head || !hasTable) return null;
  return { head, commits: db.prepare("SELECT count(*) FROM commits").pluck().get() as number };
}

export interface SimilarCommit {
  hash: string;
  /** The message's first line. */
  subject: string;
  score: number;
  files: string[];
}

/** The commits whose messages best match an FTS5 query, best first. */
export function similarCommits(db: DB, ftsQuery: string, limit: number): SimilarCommit[] {
  const hasTable = db
    .prepare("SELECT count(*) FROM sqlite_master WHERE name = 'commits_fts'")
    .pluck()
    .get() as number;
  if (!hasTable || !ftsQuery) return [];
  const rows = db
    .prepare(
      `SELECT c.hash, c.subject, -bm25(commits_fts) AS score, c.files FROM commits_fts JOIN commits c ON c.id = commits_fts.rowid
       WHERE commits_fts MATCH ? ORDER BY bm25(commits_fts) LIMIT ?`,
    )
    .raw()
    .all(ftsQuery, limit) as Array<[string, string, number, string]>;
  return rows.map(([hash, subject, score, files]) => ({ hash, subject, score, files: files.split("\n") }));
}
