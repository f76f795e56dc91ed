/**
 * The C/C++ repositories of Multi-SWE-bench (jq, fmt) run here test by test: for each task, at its
 * base commit in the environment suites use (recipe or detection, `resolveEnvironment`), network
 * off, the test command's per-test statuses
 * - with test patch + fix patch, compared with the record's official gold run (`fix`) for every
 *   test the record lists (f2p, p2p, s2p, n2p);
 * - with the test patch alone (`--test-only` too): no f2p/s2p/n2p test may pass.
 * Prints one line per task and a table per repository; writes `check-native.json` and each run's
 * log in the output folder. Tasks already checked there are read back, not run again.
 *
 *   npx tsx evals/multi-swe-bench/check-native.ts --mirror /work/.mirror --out /tmp/mswe-native \
 *     [--repos jqlang/jq,fmtlib/fmt] [--instances REGEX] [--spread N] [--test-only | --gold-only]
 *     [--timeout-min 40]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createLogger } from "../../src/log/index.js";
import { createDockerSandbox } from "../../src/sandbox/index.js";
import { resolveEnvironment } from "../../src/suite/index.js";
import { loadTaskFile, type SuiteTask } from "../../src/task/index.js";
import { frameworkFromCommand, parseTestOutput } from "../../src/testing/index.js";
import type { TestCaseResult } from "../../src/testing/types.js";

const ROOT = resolve(import.meta.dirname, "../..");
const { values } = parseArgs({
  options: {
    mirror: { type: "string", default: "/work/.mirror" },
    out: { type: "string", default: "/tmp/mswe-native" },
    data: { type: "string", default: resolve(ROOT, "../shared/datasets/multi-swe-bench") },
    repos: { type: "string", default: "jqlang/jq,fmtlib/fmt" },
    instances: { type: "string" },
    spread: { type: "string" },
    "test-only": { type: "boolean", default: false },
    /** Gold runs only (a C++ header change rebuilds every test: each run costs a full build). */
    "gold-only": { type: "boolean", default: false },
    "timeout-min": { type: "string", default: "40" },
  },
});

type Status = "PASS" | "FAIL" | "SKIP" | "NONE";
/** Our statuses as Multi-SWE-bench names them (an error — a test that could not run — is a failure). */
const STATUS: Record<TestCaseResult["status"], Status> = {
  passed: "PASS",
  failed: "FAIL",
  error: "FAIL",
  skipped: "SKIP",
};

interface RunSummary {
  /** Finding (or building) the environment image. */
  envSeconds: number;
  exitCode: number;
  seconds: number;
  statuses: Record<string, Status>;
  log: string;
}

interface Checked {
  instance: string;
  repo: string;
  image: string;
  gold?: RunSummary & { matches: number; listed: number; mismatches: string[] };
  testOnly?: RunSummary & { passingFixed: string[] };
  error?: string;
}

const log = createLogger({ level: "warn", pretty: false });
const timeoutMs = Number(values["timeout-min"]) * 60_000;

async function runOnce(t: SuiteTask, repoPath: string, patches: string[], tag: string): Promise<RunSummary> {
  const t0 = Date.now();
  const plan = await resolveEnvironment(t, {
    repoPath,
    sandbox: "docker",
    imageTemplate: null,
    specsDir: null,
    log,
  });
  if (!plan.image || !plan.testCommand) throw new Error(`no image or test command for ${t.instanceId}`);
  const envSeconds = Math.round((Date.now() - t0) / 1000);
  const sandbox = await createDockerSandbox({
    repoPath,
    baseCommit: t.baseCommit,
    image: plan.image,
    history: "base",
    log,
  });
  try {
    for (const [i, patch] of patches.entries()) {
      if (!patch.trim()) continue;
      await sandbox.writeFile(`/tmp/p${i}.diff`, patch);
      const r = await sandbox.exec(`git apply --whitespace=nowarn /tmp/p${i}.diff`, { timeoutMs: 60_000 });
      if (r.exitCode !== 0)
        throw new Error(`patch ${i} does not apply: ${r.stdout}${r.stderr}`.slice(0, 400));
    }
    const commands = [...(plan.install ?? []), plan.testCommand];
    const started = Date.now();
    const r = await sandbox.exec(commands.join(" && "), { timeoutMs });
    const seconds = Math.round((Date.now() - started) / 1000);
    const output = `${r.stdout}\n${r.stderr}`;
    const file = join(values.out!, `${t.instanceId}.${tag}.log`);
    writeFileSync(file, `$ ${commands.join(" && ")}\n${output}`);
    const framework = plan.framework ?? frameworkFromCommand(plan.testCommand) ?? "ctest";
    const results = parseTestOutput(framework, output);
    const statuses = Object.fromEntries(results.map((x) => [x.name, STATUS[x.status]]));
    return { envSeconds, exitCode: r.exitCode, seconds, statuses, log: file };
  } finally {
    await sandbox.close();
  }
}

async function check(t: SuiteTask, repoPath: string): Promise<Checked> {
  const m = t.multiSwe!;
  const fixed = [...m.f2p, ...m.s2p, ...m.n2p];
  const listed = [...fixed, ...m.p2p];
  const out: Checked = { instance: t.instanceId, repo: t.repoName, image: "" };
  try {
    if (!values["test-only"]) {
      const gold = await runOnce(t, repoPath, [t.testPatch, t.goldPatch], "gold");
      const expected = new Map<string, Status>();
      for (const name of m.fixPatchResult.passed_tests) expected.set(name, "PASS");
      for (const name of m.fixPatchResult.failed_tests) expected.set(name, "FAIL");
      for (const name of m.fixPatchResult.skipped_tests) expected.set(name, "SKIP");
      const mismatches = listed
        .filter((n) => (gold.statuses[n] ?? "NONE") !== (expected.get(n) ?? "NONE"))
        .map((n) => `${n}: official ${expected.get(n) ?? "NONE"}, here ${gold.statuses[n] ?? "NONE"}`);
      out.gold = { ...gold, listed: listed.length, matches: listed.length - mismatches.length, mismatches };
    }
    if (!values["gold-only"]) {
      const testOnly = await runOnce(t, repoPath, [t.testPatch], "test");
      out.testOnly = { ...testOnly, passingFixed: fixed.filter((n) => testOnly.statuses[n] === "PASS") };
    }
  } catch (e) {
    out.error = e instanceof Error ? e.message.split("\n").slice(0, 3).join(" ") : String(e);
  }
  return out;
}

/** `n` tasks spread evenly over the list (it is ordered newest first). */
function spread<T>(list: T[], n: number): T[] {
  if (n >= list.length) return list;
  return Array.from({ length: n }, (_, i) => list[Math.round((i * (list.length - 1)) / Math.max(1, n - 1))]!);
}

async function main(): Promise<void> {
  mkdirSync(values.out!, { recursive: true });
  const resultsFile = join(values.out!, "check-native.json");
  const done: Record<string, Checked> = existsSync(resultsFile)
    ? JSON.parse(readFileSync(resultsFile, "utf8"))
    : {};
  const re = values.instances ? new RegExp(values.instances) : null;
  for (const repo of values.repos!.split(",")) {
    const { tasks } = loadTaskFile(join(values.data!, `${repo.replace("/", "__")}.jsonl`));
    let chosen = tasks.filter((t) => !re || re.test(t.instanceId));
    if (values.spread) chosen = spread(chosen, Number(values.spread));
    const repoPath = join(values.mirror!, repo.replace("/", "+"), "repo");
    for (const t of chosen) {
      const prev = done[t.instanceId];
      const goldDone = Boolean(prev?.gold) || values["test-only"];
      const testDone = Boolean(prev?.testOnly) || values["gold-only"];
      if (prev && !prev.error && goldDone && testDone) {
        console.log(`${t.instanceId}: already checked`);
        continue;
      }
      // A run of one kind keeps what an earlier run of the other kind found.
      const c = { ...prev, ...(await check(t, repoPath)) };
      if (!c.gold && prev?.gold) c.gold = prev.gold;
      if (!c.testOnly && prev?.testOnly) c.testOnly = prev.testOnly;
      done[t.instanceId] = c;
      writeFileSync(resultsFile, JSON.stringify(done, null, 2));
      const g = c.gold
        ? `gold ${c.gold.matches}/${c.gold.listed} (env ${c.gold.envSeconds}s, run ${c.gold.seconds}s)`
        : "gold -";
      const o = c.testOnly
        ? `test-only fixed passing ${c.testOnly.passingFixed.length} (${c.testOnly.seconds}s)`
        : "";
      console.log(`${t.instanceId}: ${c.error ? `ERROR ${c.error}` : `${g}; ${o}`}`);
      for (const mm of c.gold?.mismatches ?? []) console.log(`    ${mm}`);
    }
  }
  console.log(
    "\n| repository | tasks | all listed tests match | test patch alone: fixed tests not passing | exceptions |",
  );
  console.log("|---|---|---|---|---|");
  for (const repo of values.repos!.split(",")) {
    const rows = Object.values(done).filter((c) => c.repo === repo);
    const full = rows.filter((c) => c.gold && c.gold.mismatches.length === 0).length;
    const fine = rows.filter((c) => c.testOnly && c.testOnly.passingFixed.length === 0).length;
    const exc = rows
      .filter((c) => c.error || c.gold?.mismatches.length || c.testOnly?.passingFixed.length)
      .map((c) => c.instance);
    console.log(`| ${repo} | ${rows.length} | ${full} | ${fine} | ${exc.join(", ") || "none"} |`);
  }
}

await main();
