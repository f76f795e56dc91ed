/**
 * Detection alone on real repositories that have no recipe here: what a user gets when pointing
 * fixpoint at a repository it has never seen. For each repository, at a commit of its mirror
 * (HEAD unless `OWNER/NAME@COMMIT`): the environment image from detection only (package manager,
 * lockfile, Node version; CMake, autotools or Make with the warm-up build), a Docker sandbox with
 * the network off, and the tests run as the agent's `run_tests` runs them (the detected command,
 * else detection inside the sandbox) and read by the detected parser. `.fixpoint/env.yaml`
 * would be honoured, as for a user; none of these repositories has one.
 *
 * Prints one line per repository and a Markdown table; writes `detect.json` and each run's log in
 * `--out`.
 *
 *   npx tsx evals/detect/run.ts --mirror /work/.mirror --out /tmp/detect \
 *     [--repos developit/mitt,unjs/defu@80c0146,...] [--timeout-min 20]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { git } from "../../src/common/index.js";
import { createLogger } from "../../src/log/index.js";
import { buildEnvironmentImage, createDockerSandbox } from "../../src/sandbox/index.js";
import { findInMirror } from "../../src/suite/index.js";
import { countResults, runTests } from "../../src/testing/index.js";

/** npm (no lockfile), yarn, pnpm; CMake, autotools-and-CMake, plain Make. */
const DEFAULT_REPOS = [
  "developit/mitt",
  "facebook/prop-types",
  "pillarjs/path-to-regexp",
  "unjs/defu",
  "DaveGamble/cJSON",
  "yaml/libyaml",
  "zserge/jsmn",
];

const { values } = parseArgs({
  options: {
    mirror: { type: "string", default: "/work/.mirror" },
    out: { type: "string", default: "/tmp/fixpoint-detect" },
    repos: { type: "string", default: DEFAULT_REPOS.join(",") },
    "timeout-min": { type: "string", default: "20" },
  },
});

interface Row {
  repo: string;
  commit: string;
  family?: string;
  /** Lockfile-derived package manager or build system, as the environment's Dockerfile says. */
  manager?: string;
  node?: string;
  envSeconds?: number;
  reused?: boolean;
  command?: string;
  exitCode?: number;
  runSeconds?: number;
  counts?: { passed: number; failed: number; skipped: number; error: number };
  log?: string;
  error?: string;
}

const log = createLogger({ level: "warn", pretty: false });

/** What the image installs with, read from the family's manifests at the commit. */
async function managerOf(repoPath: string, commit: string): Promise<string> {
  const r = await git(["ls-tree", "--name-only", commit], repoPath);
  const top = new Set(r.stdout.split("\n"));
  if (top.has("pnpm-lock.yaml")) return "pnpm";
  if (top.has("yarn.lock")) return "yarn";
  if (top.has("package-lock.json") || top.has("npm-shrinkwrap.json")) return "npm (lockfile)";
  if (top.has("package.json")) return "npm (no lockfile)";
  if (top.has("CMakeLists.txt")) return "CMake";
  if (top.has("configure.ac") || top.has("configure")) return "autotools";
  if (top.has("Makefile")) return "Make";
  return "?";
}

async function check(spec: string): Promise<Row> {
  const [repo, at] = spec.split("@") as [string, string | undefined];
  const repoPath = await findInMirror(values.mirror!, repo);
  if (!repoPath) return { repo, commit: "", error: `${repo} is not in ${values.mirror}` };
  const head = await git(["rev-parse", at ?? "HEAD"], repoPath);
  const commit = head.stdout.trim();
  const row: Row = { repo, commit: commit.slice(0, 12) };
  try {
    if (head.code !== 0) throw new Error(`no commit ${at ?? "HEAD"} in ${repoPath}`);
    row.manager = await managerOf(repoPath, commit);
    const t0 = Date.now();
    const env = await buildEnvironmentImage({ repoPath, baseCommit: commit, log });
    row.envSeconds = Math.round((Date.now() - t0) / 1000);
    row.reused = env.reused;
    row.family = env.family;
    if (env.node) row.node = `${env.node.installMajor ?? env.node.imageMajor ?? "?"}`;
    const sandbox = await createDockerSandbox({
      repoPath,
      baseCommit: commit,
      image: env.image,
      history: "base",
      log,
    });
    try {
      const report = await runTests(sandbox, {
        ...(env.testCommand ? { command: env.testCommand } : {}),
        timeoutMs: Number(values["timeout-min"]) * 60_000,
      });
      row.command = report.command;
      row.exitCode = report.exitCode;
      row.runSeconds = Math.round(report.durationMs / 1000);
      if (report.tests) row.counts = countResults(report.tests);
      row.log = join(values.out!, `${repo.replace("/", "__")}.log`);
      writeFileSync(row.log, `$ ${report.command}\n${report.output}`);
    } finally {
      await sandbox.close();
    }
  } catch (e) {
    row.error = e instanceof Error ? e.message.split("\n").slice(0, 3).join(" ") : String(e);
  }
  return row;
}

async function main(): Promise<void> {
  mkdirSync(values.out!, { recursive: true });
  const rows: Row[] = [];
  for (const spec of values.repos!.split(",").filter(Boolean)) {
    const row = await check(spec);
    rows.push(row);
    writeFileSync(join(values.out!, "detect.json"), JSON.stringify(rows, null, 2));
    const c = row.counts;
    console.log(
      row.error
        ? `${row.repo}@${row.commit}: ERROR ${row.error}`
        : `${row.repo}@${row.commit}: ${row.manager}, env ${row.envSeconds}s${row.reused ? " (reused)" : ""}, ` +
            `exit ${row.exitCode} in ${row.runSeconds}s, ` +
            (c
              ? `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped, ${c.error} errors`
              : "no test results"),
    );
  }
  console.log(
    "\n| repository (commit) | detected | Node | environment | test command | exit | tests: passed / failed / skipped |",
  );
  console.log("|---|---|---|---:|---|---:|---|");
  for (const r of rows) {
    const c = r.counts;
    console.log(
      `| ${r.repo} (${r.commit.slice(0, 7)}) | ${r.manager ?? ""} | ${r.node ?? ""} | ` +
        `${r.envSeconds ?? ""} s | \`${(r.command ?? r.error ?? "").replace(/\|/g, "\\|")}\` | ${r.exitCode ?? ""} | ` +
        `${c ? `${c.passed} / ${c.failed} / ${c.skipped}${c.error ? ` (+${c.error} errors)` : ""}` : "none parsed"} |`,
    );
  }
}

await main();
