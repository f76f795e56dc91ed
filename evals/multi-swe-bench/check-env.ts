/**
 * Do the environments reproduce Multi-SWE-bench's official results? For each task of the named
 * repositories: the task's environment is built at its base commit (the suite's own resolution:
 * the recipe in environments/recipes/, else detection; images are shared where the manifests are
 * equal), then, network off, two runs each in a fresh sandbox:
 * - `fix`: test patch + gold fix applied; every test the dataset lists (f2p, p2p, s2p, n2p) must
 *   have the dataset's `fix` status;
 * - `test`: the test patch alone; no fail-to-pass test (f2p, s2p, n2p) may pass.
 * Prints a table per repository and every exception with its reason; writes `results.jsonl`
 * (one line per task) and, with --logs, the raw logs.
 *
 *   npx tsx evals/multi-swe-bench/check-env.ts --repos iamkun__dayjs,expressjs__express \
 *     [--instances REGEX] [--sample N] [--out /tmp/msb-check] [--logs] [--timeout 20m]
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { errorMessage, parseDuration } from "../../src/common/index.js";
import { createLogger } from "../../src/log/index.js";
import { openSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { resolveEnvironment } from "../../src/suite/index.js";
import { parseTaskRecord, type SuiteTask } from "../../src/task/index.js";
import { parseTestOutput, type TestStatus } from "../../src/testing/index.js";
import { type MultiSweStatus, multiSweStatus } from "../../src/testing/multi-swe-js.js";

const ROOT = resolve(import.meta.dirname, "../..");
const DATA = resolve(ROOT, "../shared/datasets/multi-swe-bench");
const MIRRORS = process.env.FIXPOINT_MIRRORS ?? "/work/.mirror";

const { values } = parseArgs({
  options: {
    repos: { type: "string", default: "iamkun__dayjs,expressjs__express,darkreader__darkreader" },
    instances: { type: "string" },
    sample: { type: "string" },
    out: { type: "string", default: "/tmp/msb-check" },
    logs: { type: "boolean", default: false },
    timeout: { type: "string", default: "20m" },
  },
});
const OUT = resolve(values.out!);
mkdirSync(OUT, { recursive: true });
const timeoutMs = parseDuration(values.timeout!);
const log = createLogger({ level: "warn" });

type Expected = Record<string, { run: MultiSweStatus; test: MultiSweStatus; fix: MultiSweStatus }>;
interface Row {
  id: string;
  repo: string;
  image?: string;
  envMs?: number;
  envReused?: boolean;
  fixMs?: number;
  /** Opening the sandbox from the built image and applying the patches, before the fix run. */
  startMs?: number;
  testMs?: number;
  listed: number;
  /** Listed tests whose gold-run status differs from the dataset's `fix` status. */
  mismatches: string[];
  /** Fail-to-pass tests that pass with the test patch alone. */
  passWithoutFix: string[];
  error?: string;
}

/** The tests a record lists (its four transition maps), and those that must fail without the fix. */
function expected(raw: Record<string, unknown>): { all: Expected; failToPass: string[] } {
  const pick = (k: string) => (raw[k] ?? {}) as Expected;
  const f2p = { ...pick("f2p_tests"), ...pick("s2p_tests"), ...pick("n2p_tests") };
  return { all: { ...pick("p2p_tests"), ...f2p }, failToPass: Object.keys(f2p) };
}

/** Picks `n` tasks spread over the file's order (newest to oldest commit in these files). */
function spread<T>(items: T[], n: number): T[] {
  if (n >= items.length) return items;
  return Array.from(
    { length: n },
    (_, i) => items[Math.round((i * (items.length - 1)) / Math.max(1, n - 1))]!,
  );
}

async function runOnce(
  t: SuiteTask,
  image: string,
  repoPath: string,
  patches: string[],
  command: string,
  install: string[],
): Promise<{ output: string; ms: number; startMs: number }> {
  let sb: Sandbox | undefined;
  const opened = Date.now();
  try {
    sb = await openSandbox({
      kind: "docker",
      repoPath,
      baseCommit: t.baseCommit,
      image,
      network: false,
      history: "base",
      log,
    });
    for (const [i, p] of patches.entries()) {
      await sb.writeFile(`${sb.scratch}/p${i}.patch`, p);
      const r = await sb.exec(`git apply --whitespace=nowarn ${sb.scratch}/p${i}.patch`, {
        timeoutMs: 60_000,
      });
      if (r.exitCode !== 0)
        throw new Error(`git apply failed: ${(r.stderr || r.stdout).trim().split("\n")[0]}`);
    }
    for (const c of install) await sb.exec(c, { timeoutMs });
    const started = Date.now();
    const r = await sb.exec(`(${command}) 2>&1`, { timeoutMs });
    if (r.timedOut) throw new Error(`the tests timed out after ${values.timeout}`);
    return { output: r.stdout + r.stderr, ms: Date.now() - started, startMs: started - opened };
  } finally {
    await sb?.close();
  }
}

const sec = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)}s`;
const rows: Row[] = [];
for (const repoFile of values.repos!.split(",")) {
  const lines = readFileSync(join(DATA, `${repoFile}.jsonl`), "utf8")
    .split("\n")
    .filter(Boolean);
  let records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  if (values.instances) {
    const re = new RegExp(values.instances);
    records = records.filter((r) => re.test(String(r.instance_id)));
  }
  if (values.sample) records = spread(records, Number(values.sample));
  const repoPath = join(MIRRORS, repoFile.replace("__", "+"), "repo");
  for (const raw of records) {
    const t = parseTaskRecord(raw, repoFile, DATA);
    const { all, failToPass } = expected(raw);
    const row: Row = {
      id: t.instanceId,
      repo: t.repoName,
      listed: Object.keys(all).length,
      mismatches: [],
      passWithoutFix: [],
    };
    rows.push(row);
    try {
      const envStart = Date.now();
      const plan = await resolveEnvironment(t, {
        repoPath,
        sandbox: "docker",
        imageTemplate: null,
        specsDir: null,
        log,
      });
      row.envMs = Date.now() - envStart;
      row.image = plan.image!;
      if (!plan.testCommand || !plan.framework)
        throw new Error("no test command or framework for this repository");
      const results = async (patches: string[], kind: "fix" | "test") => {
        const r = await runOnce(t, plan.image!, repoPath, patches, plan.testCommand!, plan.install ?? []);
        if (values.logs) writeFileSync(join(OUT, `${t.instanceId}.${kind}.log`), r.output);
        const parsed = parseTestOutput(plan.framework!, r.output);
        return {
          ms: r.ms,
          startMs: r.startMs,
          map: new Map<string, TestStatus>(parsed.map((x) => [x.name, x.status])),
        };
      };
      const fix = await results([t.testPatch, t.goldPatch], "fix");
      row.fixMs = fix.ms;
      row.startMs = fix.startMs;
      for (const [name, want] of Object.entries(all)) {
        const got = multiSweStatus(fix.map, name);
        if (got !== want.fix) row.mismatches.push(`${name}: ${got}, dataset ${want.fix}`);
      }
      const test = await results([t.testPatch], "test");
      row.testMs = test.ms;
      for (const name of failToPass) {
        if (multiSweStatus(test.map, name) === "PASS") row.passWithoutFix.push(name);
      }
    } catch (e) {
      row.error = errorMessage(e).split("\n").slice(0, 3).join(" | ");
    }
    appendFileSync(join(OUT, "results.jsonl"), `${JSON.stringify(row)}\n`);
    const ok = !row.error && row.mismatches.length === 0 && row.passWithoutFix.length === 0;
    console.log(
      `${ok ? "ok  " : "FAIL"} ${row.id} env ${sec(row.envMs)} start ${sec(row.startMs)} fix-run ${sec(row.fixMs)}` +
        (row.error ? ` error: ${row.error}` : "") +
        (row.mismatches.length
          ? ` mismatches ${row.mismatches.length}: ${row.mismatches.slice(0, 3).join("; ")}`
          : "") +
        (row.passWithoutFix.length ? ` pass without fix: ${row.passWithoutFix.join("; ")}` : ""),
    );
  }
}

const median = (xs: number[]) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : undefined;
console.log(
  "\n| repository | images | build of a new image (median) | task start from a built image (median) | gold run (median) |",
);
console.log("|---|---|---|---|---|");
for (const repo of [...new Set(rows.map((r) => r.repo))]) {
  const rs = rows.filter((r) => r.repo === repo && !r.error);
  // The first task of an image paid for its build; the others found it.
  const firsts = rs.filter((r, i) => rs.findIndex((x) => x.image === r.image) === i);
  const builds = firsts.map((r) => r.envMs ?? 0);
  console.log(
    `| ${repo} | ${firsts.length} | ${sec(median(builds))} | ${sec(median(rs.map((r) => r.startMs ?? 0)))} | ${sec(median(rs.map((r) => r.fixMs ?? 0)))} |`,
  );
}

console.log("\n| repository | tasks | gold matches the dataset | f2p fail without the fix | exceptions |");
console.log("|---|---|---|---|---|");
for (const repo of [...new Set(rows.map((r) => r.repo))]) {
  const rs = rows.filter((r) => r.repo === repo);
  const match = rs.filter((r) => !r.error && r.mismatches.length === 0).length;
  const neg = rs.filter((r) => !r.error && r.passWithoutFix.length === 0).length;
  const bad = rs.filter((r) => r.error || r.mismatches.length || r.passWithoutFix.length).map((r) => r.id);
  console.log(`| ${repo} | ${rs.length} | ${match} | ${neg} | ${bad.join(", ") || "—"} |`);
}
