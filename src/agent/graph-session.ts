/**
 * The code graph of a run. For the local sandbox it indexes the sandbox's checkout itself; for
 * Docker, whose files live in the container, it indexes a host copy of the base commit and copies
 * each changed file out of the sandbox before re-indexing it.
 *
 * Each run has a database of its own, in its own temporary directory, deleted when the run ends:
 * runs of one repository at different commits (a suite's workers) never re-index one database
 * under each other. It starts as a snapshot of the repository's *seed* database (the one
 * `fixpoint graph` uses, `defaultDbPath(repo)`), which `build()` brings to the run's checkout by
 * re-parsing only the files whose content differs. A repository without a seed is built cold
 * once, and that database (before any edit) is published as the seed; a run never writes to an
 * existing seed. Measured on sympy (1,603 files, a 55 MB seed, 2 busy cores): the copy takes
 * 0.2–0.4 s, the update to a commit a week away (37 files differ) 2–5 s against 14–23 s for a cold
 * build; a year away (1,378 of 1,586 files differ) the update costs as much as a cold build.
 */
import { existsSync, linkSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { lstat, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep, win32 } from "node:path";
import Database from "better-sqlite3";
import { cleanGitEnv, errorMessage, runProcess } from "../common/index.js";
import {
  type CodeGraph,
  createGraphHooks,
  defaultDbPath,
  localizationSummary,
  localize,
  openCodeGraph,
  SCHEMA_VERSION,
} from "../graph/index.js";
import type { Logger } from "../log/index.js";
import type { Sandbox } from "../sandbox/index.js";
import type { GraphHooks, Tool } from "../tools/index.js";
import { createGraphTools } from "../tools/index.js";

export interface RunGraph {
  graph: CodeGraph;
  hooks: GraphHooks;
  tools: Tool[];
  /** Localization candidates and a repo-map slice for the instance prompt. */
  localization: string;
  /** Top files, most likely first (for progress reports). */
  topFiles: string[];
  /** Where the functions the localization ranks first are (the gate's baseline starts with their tests). */
  topSymbols: Array<{ path: string; line: number }>;
  close(): Promise<void>;
}

async function exportCommit(repoPath: string, commit: string, dest: string): Promise<void> {
  const script = 'set -o pipefail; git -C "$1" archive --format=tar "$2" | tar -x -C "$3"';
  const r = await runProcess("bash", ["-c", script, "fixpoint-export", repoPath, commit, dest], {
    env: cleanGitEnv(),
  });
  if (r.exitCode !== 0) throw new Error(`git archive | tar failed: ${r.stderr.trim()}`);
}

/**
 * Copies the seed into `dest`: `VACUUM INTO` through a read-only connection, one read transaction,
 * so the copy is consistent even while another process writes the seed. False (and no copy) when
 * the seed is of another schema version or unreadable: the run then builds from scratch.
 */
function snapshotSeed(seed: string, dest: string, log: Logger): boolean {
  try {
    const src = new Database(seed, { readonly: true, fileMustExist: true });
    try {
      src.pragma("busy_timeout = 10000");
      if (src.pragma("user_version", { simple: true }) !== SCHEMA_VERSION) return false;
      src.prepare("VACUUM INTO ?").run(dest);
    } finally {
      src.close();
    }
    const db = new Database(dest);
    try {
      // The seed's modification times are another checkout's (a Docker export's are its commit's
      // time, equal across commits made in the same second): forget them, so that build() hashes
      // every file and re-parses exactly those whose content differs.
      db.prepare("UPDATE files SET mtime_ms = -1").run();
    } finally {
      db.close();
    }
    return true;
  } catch (err) {
    log.warn(
      { seed, err: errorMessage(err) },
      "code graph: cannot copy the seed database; building from scratch",
    );
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(dest + suffix, { force: true });
    return false;
  }
}

/**
 * Publishes a freshly built database as the repository's seed: a compact copy written beside it
 * under a temporary name, then linked into place, which (unlike a rename) fails when a seed
 * appeared meanwhile, so an existing seed is never replaced. True when this run's copy became it.
 */
function publishSeed(db: Database.Database, seed: string): boolean {
  if (existsSync(seed)) return false;
  mkdirSync(dirname(seed), { recursive: true });
  const tmp = `${seed}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    db.prepare("VACUUM INTO ?").run(tmp);
    if (existsSync(seed)) return false;
    // A -wal left beside a missing database (a crash, a hand-deleted file) would be replayed into it.
    for (const suffix of ["-wal", "-shm"]) rmSync(seed + suffix, { force: true });
    try {
      linkSync(tmp, seed);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || existsSync(seed)) return false;
      // A file system without hard links: a rename, checked just before.
      renameSync(tmp, seed);
      return true;
    }
  } finally {
    for (const suffix of ["", "-journal"]) rmSync(tmp + suffix, { force: true });
  }
}

/**
 * Where a path the sandbox reports as changed lands in the host copy, or null when it would land
 * outside it: an absolute path, one that climbs out (`../../etc/x`), or one through a symbolic
 * link of the tree (a repository may hold links to anywhere; writing through one writes there).
 */
export async function pathInMirror(mirror: string, path: string): Promise<string | null> {
  if (!path || path.includes("\0") || isAbsolute(path) || win32.isAbsolute(path)) return null;
  const dest = resolve(mirror, path);
  const rel = relative(mirror, dest);
  if (!rel || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  let at = mirror;
  for (const part of rel.split(sep)) {
    at = join(at, part);
    const st = await lstat(at).catch(() => null);
    if (!st) break; // the rest is created below `at`, inside
    if (st.isSymbolicLink()) return null;
  }
  return dest;
}

/**
 * Seeds being built by runs of this process, by seed path: a suite's other runs of the repository
 * wait for the first one's cold build and copy its result rather than all building from scratch.
 */
const seeding = new Map<string, Promise<void>>();
/** How long a run waits for that build before building its own. */
const SEED_WAIT_MS = 10 * 60_000;

export async function openRunGraph(opts: {
  sandbox: Sandbox;
  repoPath: string;
  problemStatement: string;
  log: Logger;
}): Promise<RunGraph | null> {
  const { sandbox, log } = opts;
  let work: string | undefined;
  let graph: CodeGraph | undefined;
  /** Set while this run builds the seed others of this process wait for: ends their wait. */
  let releaseSeed: (() => void) | undefined;
  try {
    const seed = defaultDbPath(opts.repoPath);
    const pending = seeding.get(seed);
    if (pending && !existsSync(seed)) {
      log.debug({ seed }, "code graph: waiting for another run to build the seed");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([pending, new Promise<void>((r) => (timer = setTimeout(r, SEED_WAIT_MS)))]);
      clearTimeout(timer);
    }
    if (!existsSync(seed) && !seeding.has(seed)) {
      let resolve: () => void = () => undefined;
      seeding.set(seed, new Promise<void>((r) => (resolve = r)));
      releaseSeed = () => {
        resolve();
        seeding.delete(seed);
        releaseSeed = undefined;
      };
    }

    // The run's own directory: its database and, for Docker, the host copy of the base commit.
    work = await mkdtemp(join(tmpdir(), "fixpoint-graph-"));
    let root = sandbox.root;
    let mirror: string | undefined;
    if (sandbox.kind !== "local") {
      mirror = join(work, "tree");
      await mkdir(mirror);
      await exportCommit(opts.repoPath, sandbox.baseCommit, mirror);
      root = mirror;
    }
    const dbPath = join(work, "graph.db");
    const t0 = performance.now();
    const fromSeed = existsSync(seed) && snapshotSeed(seed, dbPath, log);
    const snapshotMs = Math.round(performance.now() - t0);
    graph = await openCodeGraph(root, {
      dbPath,
      logger: log,
      // Past commits up to the run's base commit, read from the repository the run was made from.
      history: { repo: opts.repoPath, rev: sandbox.baseCommit },
    });
    const stats = await graph.build();
    const buildMs = Math.round(performance.now() - t0) - snapshotMs;
    const localization = localizationSummary(graph, opts.problemStatement, {
      topFiles: 8,
      budgetTokens: 1200,
    });
    const localized = localize(graph, opts.problemStatement, { top: 5, topSymbols: 8 });
    const topFiles = localized.files.map((f) => f.path);
    const topSymbols = localized.symbols.map((s) => ({ path: s.path, line: s.line }));
    log.info(
      {
        ms: Math.round(performance.now() - t0),
        fromSeed,
        snapshotMs,
        buildMs,
        files: stats.files,
        parsed: stats.parsed,
        symbols: stats.symbols,
      },
      "code graph ready",
    );
    if (!fromSeed) {
      // Published after localization, so the seed holds the commit history it read too.
      const tp = performance.now();
      try {
        if (publishSeed(graph.db, seed))
          log.info({ seed, ms: Math.round(performance.now() - tp) }, "code graph: seed published");
      } catch (err) {
        log.warn({ seed, err: errorMessage(err) }, "code graph: cannot publish the seed database");
      }
    }
    releaseSeed?.();

    const g = graph;
    const dir = work;
    const inner = createGraphHooks(g, root);
    const hooks: GraphHooks = {
      checkEdit: (path, before, after) => inner.checkEdit?.(path, before, after) ?? Promise.resolve(null),
      async update(paths) {
        let indexed = paths;
        if (mirror) {
          // Bring the host copy up to date with the sandbox before re-indexing.
          const inside: string[] = [];
          for (const p of paths) {
            const dest = await pathInMirror(mirror, p);
            if (dest === null) {
              log.warn({ path: p }, "code graph: a changed path outside the checkout is not copied");
              continue;
            }
            inside.push(p);
            const content = await sandbox.readFile(p).catch(() => null);
            if (content === null) await rm(dest, { force: true });
            else {
              await mkdir(dirname(dest), { recursive: true });
              await writeFile(dest, content);
            }
          }
          indexed = inside;
        }
        await inner.update(indexed);
      },
    };
    return {
      graph: g,
      hooks,
      // The sandbox's diff against the base commit: the host copy has no `.git` of its own.
      tools: createGraphTools(g, { diff: () => sandbox.diff() }),
      localization,
      topFiles,
      topSymbols,
      async close() {
        g.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    // The graph helps; it is never a reason for a run to fail.
    log.warn({ err: errorMessage(err) }, "code graph unavailable for this run");
    try {
      graph?.close();
    } catch {
      // already closed
    }
    if (work) await rm(work, { recursive: true, force: true }).catch(() => undefined);
    return null;
  } finally {
    releaseSeed?.();
  }
}
