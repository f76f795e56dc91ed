/**
 * Localization evaluation on SWE-bench task records: for each task, index its repository at the
 * base commit (one work tree and one graph database per repository, updated incrementally from
 * commit to commit), run `localize`, and score file-level Acc@1/3/5/10 (every file of the gold
 * patch within the top k) and function-level Acc@5/10 beside a plain BM25-over-whole-files
 * baseline (FTS5 bm25 over file contents with the issue's words, no other signal).
 *
 * `--tasks` takes a JSON list of SWE-bench records or JSONL files of any suite format, comma-separated
 * (e.g. the Multi-SWE-bench files, `../shared/datasets/multi-swe-bench/*.jsonl`).
 *
 *   npx tsx evals/localize/run.ts --tasks /work/shared/datasets/swe-bench-lite-test.json \
 *     --mirrors /work/.mirror [--repos psf/requests,pallets/flask] [--skip-per-repo N] \
 *     [--max-per-repo N] [--snapshots DIR] [--no-history] [--out FILE]
 *
 * Tasks are taken per repository in `created_at` order: `--skip-per-repo N` drops the first N
 * (held-out sets beyond a tuning set), `--max-per-repo N` keeps the next N. `--snapshots DIR`
 * keeps a copy of each task's database (`DIR/<instance_id>.db`) and reuses it on later runs
 * instead of checking out and re-indexing: ranking changes can then be measured in seconds.
 * Localization reads the commit history up to each task's base commit (never the fix itself);
 * `--no-history` leaves that signal out.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { type CodeGraph, localize, openCodeGraph, parseUnifiedDiff } from "../../src/graph/index.js";
import { loadTaskFile } from "../../src/task/index.js";

const Task = z.object({
  repo: z.string(),
  instance_id: z.string(),
  base_commit: z.string(),
  patch: z.string(),
  problem_statement: z.string(),
  created_at: z.string().optional(),
});
type Task = z.infer<typeof Task>;

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

function mirrorFor(dir: string, repo: string): string | null {
  const [owner, name] = repo.split("/");
  for (const c of [`${owner}+${name}`, `${owner}/${name}`, `${owner}__${name}`]) {
    for (const sub of ["repo", ""]) {
      const p = join(dir, c, sub);
      if (existsSync(join(p, "HEAD")) || existsSync(join(p, ".git"))) return p;
    }
  }
  return null;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 }).toString();

/**
 * Check out `commit` in the work tree. Mirrors may leave out their largest blobs (data files);
 * when the plain checkout fails on those, the missing paths are left out through a sparse
 * checkout so the code of the commit is still there. Returns how many paths were left out.
 */
function checkoutBase(wt: string, commit: string): number {
  try {
    git(wt, "sparse-checkout", "disable");
  } catch {
    // never enabled
  }
  try {
    git(wt, "checkout", "-q", "-f", commit);
    git(wt, "clean", "-fdq");
    return 0;
  } catch (err) {
    try {
      git(wt, "cat-file", "-e", `${commit}^{commit}`);
    } catch {
      throw err;
    }
  }
  const entries = git(wt, "ls-tree", "-r", "-z", commit)
    .split("\0")
    .filter(Boolean)
    .map((l) => {
      const [meta, path] = l.split("\t");
      return { sha: meta!.split(" ")[2]!, path: path! };
    });
  const check = execFileSync("git", ["cat-file", "--batch-check"], {
    cwd: wt,
    input: entries.map((e) => e.sha).join("\n"),
    maxBuffer: 1 << 28,
  }).toString();
  const missing = new Set(
    check
      .split("\n")
      .filter((l) => l.endsWith(" missing"))
      .map((l) => l.split(" ")[0]),
  );
  const leftOut = entries.filter((e) => missing.has(e.sha)).map((e) => e.path);
  git(wt, "sparse-checkout", "set", "--no-cone", "/*", ...leftOut.map((p) => `!/${p}`));
  git(wt, "checkout", "-q", "-f", commit);
  git(wt, "clean", "-fdq");
  return leftOut.length;
}

/** Gold functions: innermost function/method whose span contains a changed old-side line. */
function goldFunctions(g: CodeGraph, patch: string): string[] {
  const out = new Set<string>();
  const q = g.db.prepare(
    "SELECT s.qualified_name AS q, s.line, s.end_line AS e FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.path = ? AND s.kind IN ('function','method') AND s.line <= ? AND s.end_line >= ? ORDER BY s.line DESC LIMIT 1",
  );
  for (const c of parseUnifiedDiff(patch)) {
    const lines = c.removedLines.length ? c.removedLines : c.addedLines;
    for (const l of lines) {
      const r = q.get(c.path, l, l) as { q: string } | undefined;
      if (r) out.add(`${c.path}::${r.q}`);
    }
  }
  return [...out];
}

const STOP = new Set(
  "the a an and or of to in is it this that for on with as be are was were by at from not".split(" "),
);

function bm25Baseline(g: CodeGraph, text: string, k: number): string[] {
  // Words as FTS5's tokenizer sees them (it splits snake_case at the underscore).
  const words = [
    ...new Set((text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => w.length > 1 && !STOP.has(w))),
  ];
  return g.searchFiles(words, k).map((r) => r.path);
}

/**
 * The records of a task file: a JSON list of SWE-bench records, or a JSONL file of any format the
 * suite reads (SWE-bench, Multi-SWE-bench, SWE-PolyBench), mapped to the fields used here.
 */
function readTasks(path: string): Task[] {
  const text = readFileSync(path, "utf8");
  if (text.trimStart().startsWith("[")) {
    return (JSON.parse(text) as unknown[]).map((t, i) => {
      const r = Task.safeParse(t);
      if (!r.success)
        throw new Error(`task ${i}: ${r.error.issues[0]?.path.join(".")}: ${r.error.issues[0]?.message}`);
      return r.data;
    });
  }
  const loaded = loadTaskFile(path);
  if (loaded.errors.length)
    throw new Error(`${path}: ${loaded.errors[0]!.where}: ${loaded.errors[0]!.message}`);
  // Multi-SWE-bench records have no creation date: the PR number orders them the same way.
  return loaded.tasks.map((t) => ({
    repo: t.repoName,
    instance_id: t.instanceId,
    base_commit: t.baseCommit,
    patch: t.goldPatch,
    problem_statement: t.task.problemStatement,
    created_at: (/(\d+)$/.exec(t.instanceId)?.[1] ?? "").padStart(10, "0"),
  }));
}

async function main(): Promise<void> {
  const tasksPath = arg("tasks", "/work/shared/datasets/swe-bench-lite-test.json")!;
  const mirrors = arg("mirrors", "/work/.mirror")!;
  const work = arg("work", "/tmp/fp-eval")!;
  const out = arg("out", join(work, "localize.jsonl"))!;
  const only = arg("repos")?.split(",");
  const maxPerRepo = Number(arg("max-per-repo", "100000"));
  const skipPerRepo = Number(arg("skip-per-repo", "0"));
  const snapshots = arg("snapshots");
  // Without the commit-history signal: what localize scores from the code alone.
  const noHistory = process.argv.includes("--no-history");
  if (!Number.isInteger(maxPerRepo) || maxPerRepo < 0) throw new Error("--max-per-repo: expected a count");
  if (!Number.isInteger(skipPerRepo) || skipPerRepo < 0) throw new Error("--skip-per-repo: expected a count");
  if (snapshots) mkdirSync(snapshots, { recursive: true });
  const tasks = tasksPath.split(",").flatMap(readTasks);
  const byRepo = new Map<string, Task[]>();
  for (const t of tasks)
    if (!only || only.includes(t.repo)) byRepo.set(t.repo, [...(byRepo.get(t.repo) ?? []), t]);
  mkdirSync(work, { recursive: true });
  const rows: string[] = [];
  const ks = [1, 3, 5, 10];
  const acc = {
    n: 0,
    file: new Map(ks.map((k) => [k, 0])),
    bm25: new Map(ks.map((k) => [k, 0])),
    fnN: 0,
    fn5: 0,
    fn10: 0,
  };
  const perRepo: string[] = [];
  const skipped: string[] = [];
  for (const [repo, list] of byRepo) {
    const mirror = mirrorFor(mirrors, repo);
    if (!mirror) {
      skipped.push(`${repo} (${list.length} tasks: no mirror)`);
      continue;
    }
    const wt = join(work, repo.replace("/", "__"));
    if (!existsSync(wt)) execFileSync("git", ["clone", "-q", "--shared", "--no-checkout", mirror, wt]);
    // The repository's live graph is opened only when some task has no snapshot yet.
    let live: CodeGraph | null = null;
    const sorted = [...list]
      .sort((a, b) => (a.created_at ?? "").localeCompare(b.created_at ?? ""))
      .slice(skipPerRepo, skipPerRepo + maxPerRepo);
    let rn = 0;
    let r5 = 0;
    let b5 = 0;
    for (const t of sorted) {
      const snap = snapshots ? join(snapshots, `${t.instance_id}.db`) : null;
      let g: CodeGraph | null = null;
      let note = "snapshot";
      if (snap && existsSync(snap)) {
        g = await openCodeGraph(wt, { dbPath: snap });
        // A snapshot of another schema version is discarded on open (empty): index again.
        if (!g.db.prepare("SELECT count(*) FROM files").pluck().get()) {
          g.close();
          rmSync(snap, { force: true });
          g = null;
        }
      }
      if (!g) {
        try {
          const leftOut = checkoutBase(wt, t.base_commit);
          if (leftOut)
            process.stderr.write(`${t.instance_id}: ${leftOut} blobs absent from the mirror left out\n`);
        } catch {
          skipped.push(`${t.instance_id} (base commit missing in mirror)`);
          continue;
        }
        live ??= await openCodeGraph(wt, { cacheDir: join(work, "cache") });
        const t0 = performance.now();
        const stats = await live.build();
        note = `build ${Math.round(performance.now() - t0)}ms (${stats.parsed} parsed)`;
        if (snap) {
          rmSync(snap, { force: true });
          live.db.prepare("VACUUM INTO ?").run(snap);
        }
        g = live;
      }
      // The history ends at the task's base commit: the work tree may be elsewhere (snapshots).
      const loc = localize(g, t.problem_statement, {
        top: 10,
        topSymbols: 10,
        history: noHistory ? false : { repo: wt, rev: t.base_commit },
        // The work tree is not at the base commit when a snapshot was used: read files from git.
        readSource: (p) => {
          try {
            return git(wt, "show", `${t.base_commit}:${p}`);
          } catch {
            return null;
          }
        },
      });
      const gold = [...new Set(parseUnifiedDiff(t.patch).map((c) => c.path))];
      const goldFns = goldFunctions(g, t.patch);
      const found = loc.files.map((f) => f.path);
      const foundSyms = loc.symbols.map((s) => `${s.path}::${s.name}`);
      const base = bm25Baseline(g, t.problem_statement, 10);
      acc.n++;
      rn++;
      for (const k of ks) {
        if (gold.every((p) => found.slice(0, k).includes(p))) acc.file.set(k, acc.file.get(k)! + 1);
        if (gold.every((p) => base.slice(0, k).includes(p))) acc.bm25.set(k, acc.bm25.get(k)! + 1);
      }
      if (gold.every((p) => found.slice(0, 5).includes(p))) r5++;
      if (gold.every((p) => base.slice(0, 5).includes(p))) b5++;
      if (goldFns.length) {
        acc.fnN++;
        if (goldFns.every((f) => foundSyms.slice(0, 5).includes(f))) acc.fn5++;
        if (goldFns.every((f) => foundSyms.slice(0, 10).includes(f))) acc.fn10++;
      }
      rows.push(
        JSON.stringify({
          instance_id: t.instance_id,
          found_files: found,
          found_symbols: loc.symbols,
          gold_files: gold,
          gold_functions: goldFns,
          bm25_files: base,
        }),
      );
      if (g !== live) g.close();
      process.stderr.write(
        `${t.instance_id}: ${note} hit@5=${gold.every((p) => found.slice(0, 5).includes(p))} gold=${gold.join(",")} top=${found.slice(0, 3).join(",")}\n`,
      );
      writeFileSync(out, `${rows.join("\n")}\n`);
    }
    live?.close();
    perRepo.push(`${repo}: ${r5}/${rn} file Acc@5 (BM25 ${b5}/${rn})`);
  }
  const pct = (x: number, n: number) => (n ? `${((100 * x) / n).toFixed(1)}%` : "n/a");
  console.log(`tasks evaluated: ${acc.n}; with gold functions: ${acc.fnN}`);
  console.log(`                 Acc@1   Acc@3   Acc@5   Acc@10`);
  console.log(`localize (files) ${ks.map((k) => pct(acc.file.get(k)!, acc.n).padEnd(7)).join(" ")}`);
  console.log(`BM25 whole files ${ks.map((k) => pct(acc.bm25.get(k)!, acc.n).padEnd(7)).join(" ")}`);
  console.log(`localize (functions) Acc@5 ${pct(acc.fn5, acc.fnN)}  Acc@10 ${pct(acc.fn10, acc.fnN)}`);
  for (const l of perRepo) console.log(`  ${l}`);
  if (skipped.length) console.log(`skipped: ${skipped.join("; ")}`);
  console.log(`results: ${out}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 3;
});
