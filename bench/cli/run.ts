/**
 * bench/cli — start-up wall time of the `fixpoint` command against `node -e 0` measured in the same
 * run: `fixpoint --help`, `fixpoint solve --help`, and `fixpoint graph find NAME` on an indexed
 * copy of a real repository (the query itself takes milliseconds; the rest is start-up). The same
 * three through tsx (the sources, as bin/fixpoint.js runs them when dist/ is stale) show what the
 * compiled dist/ saves. Runs are interleaved round by round so that a busy machine weighs on every
 * case alike; figures are medians. Targets: `--help` within 3x of `node -e 0`, `graph find` within
 * 5x. Prints figures; never fails on time.
 *
 *   npx tsx bench/cli/run.ts [--repo DIR] [--name SYMBOL] [--runs 10] [--no-build] [--no-tsx]
 *                            [--before OTHER/bin/fixpoint.js]
 *
 * --repo is a git checkout (default /tmp/flask-wt), copied to a temporary folder and indexed there:
 * the original is never touched. --name is the symbol `graph find` looks up (default url_for).
 * dist/ is rebuilt first when it is not the build of the current sources, unless --no-build.
 * --before adds the same three commands through another checkout's bin (e.g. `git archive` of an
 * earlier commit, with node_modules), its graph indexed by itself in a cache of its own.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { distState } from "../../bin/dist-state.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin", "fixpoint.js");

const { values: args } = parseArgs({
  options: {
    repo: { type: "string", default: "/tmp/flask-wt" },
    name: { type: "string", default: "url_for" },
    runs: { type: "string", default: "10" },
    "no-build": { type: "boolean", default: false },
    "no-tsx": { type: "boolean", default: false },
    before: { type: "string" },
  },
});
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: ${args.runs} is not a positive integer`);
if (!existsSync(join(args.repo, ".git"))) throw new Error(`--repo: ${args.repo} is not a git checkout`);

/** The environment of every run: none of the caller's fixpoint settings, no colours. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const k of Object.keys(out)) if (k.startsWith("FIXPOINT_")) delete out[k];
  return { ...out, ...extra };
}

interface Case {
  label: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** The exit code a correct run ends with. */
  code: number;
  target?: number;
}

function runOnce(c: Case): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, c.argv, { env: c.env, encoding: "utf8", cwd: tmpdir() });
  const ms = performance.now() - t0;
  if (r.status !== c.code) {
    throw new Error(`${c.label}: exit ${r.status ?? r.signal} (expected ${c.code})\n${r.stderr}${r.stdout}`);
  }
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// 1. dist/ as a user gets it: the build of these sources.
let state = distState(ROOT);
if (!state.fresh && !args["no-build"]) {
  console.log(`dist/ is stale (${state.reason}): npm run build`);
  const b = spawnSync(process.execPath, [join(ROOT, "bin", "build.js")], { cwd: ROOT, stdio: "inherit" });
  if (b.status !== 0) console.log("the build failed; measuring the dist/ it emitted (marked STALE)");
  state = distState(ROOT);
}
const stale = !state.fresh;
if (!state.fresh)
  console.log(`dist/ is not the build of the current sources (${state.reason}): measuring it anyway`);
const distEnv = env({ FIXPOINT_RUN_FROM: "dist" });

// 2. An indexed copy of the repository.
const work = mkdtempSync(join(tmpdir(), "fp-bench-cli-"));
const repo = join(work, "repo");
const cache = join(work, "cache");
try {
  cpSync(args.repo, repo, { recursive: true });
  const t0 = performance.now();
  const built = spawnSync(process.execPath, [BIN, "graph", "build", "--repo", repo, "--cache-dir", cache], {
    env: distEnv,
    encoding: "utf8",
  });
  if (built.status !== 0) throw new Error(`graph build failed:\n${built.stderr}`);
  console.log(
    `${args.repo} copied and indexed in ${Math.round(performance.now() - t0)} ms: ${built.stdout.trim()}`,
  );
  const find = ["graph", "find", args.name, "--repo", repo, "--cache-dir", cache];

  const cases: Case[] = [
    { label: "node -e 0", argv: ["-e", "0"], env: env(), code: 0 },
    { label: "fixpoint --help", argv: [BIN, "--help"], env: distEnv, code: 0, target: 3 },
    { label: "fixpoint solve --help", argv: [BIN, "solve", "--help"], env: distEnv, code: 0, target: 3 },
    { label: `fixpoint graph find ${args.name}`, argv: [BIN, ...find], env: distEnv, code: 0, target: 5 },
  ];
  if (!args["no-tsx"]) {
    const tsxEnv = env({ FIXPOINT_RUN_FROM: "src" });
    cases.push(
      { label: "  through tsx: --help", argv: [BIN, "--help"], env: tsxEnv, code: 0 },
      { label: "  through tsx: solve --help", argv: [BIN, "solve", "--help"], env: tsxEnv, code: 0 },
      { label: `  through tsx: graph find`, argv: [BIN, ...find], env: tsxEnv, code: 0 },
    );
  }
  if (args.before) {
    const other = args.before;
    const otherCache = join(work, "cache-before");
    const b = spawnSync(
      process.execPath,
      [other, "graph", "build", "--repo", repo, "--cache-dir", otherCache],
      {
        env: env(),
        encoding: "utf8",
      },
    );
    if (b.status !== 0) throw new Error(`--before: graph build failed:\n${b.stderr}`);
    const otherFind = ["graph", "find", args.name, "--repo", repo, "--cache-dir", otherCache];
    cases.push(
      { label: "  before: --help", argv: [other, "--help"], env: env(), code: 0 },
      { label: "  before: solve --help", argv: [other, "solve", "--help"], env: env(), code: 0 },
      { label: "  before: graph find", argv: [other, ...otherFind], env: env(), code: 0 },
    );
  }

  // 3. One warm-up round (file cache, tsx's cache), then interleaved rounds.
  for (const c of cases) runOnce(c);
  const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (let i = 0; i < runs; i++) for (const c of cases) times.get(c)!.push(runOnce(c));

  const base = median(times.get(cases[0]!)!);
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `\nnode ${process.version}, ${availableParallelism()} cores (${cpu}), load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; ${runs} runs each, interleaved; dist/ ${stale ? "STALE" : "fresh"}\n`,
  );
  console.log(
    `${"command".padEnd(36)}${"median ms".padStart(10)}${"min ms".padStart(9)}${"x node".padStart(9)}  target`,
  );
  for (const c of cases) {
    const xs = times.get(c)!;
    const m = median(xs);
    const ratio = m / base;
    const target = c.target ? `${c.target}x: ${ratio <= c.target ? "met" : "NOT met"}` : "";
    console.log(
      `${c.label.padEnd(36)}${m.toFixed(0).padStart(10)}${Math.min(...xs)
        .toFixed(0)
        .padStart(9)}${ratio.toFixed(2).padStart(9)}  ${target}`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
