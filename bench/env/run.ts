/**
 * bench/env — what a suite's environments cost: per repository, the time to build its
 * environment image once (cold: the repository image removed first; the family image and the
 * base stay), to find it again when it is built (warm), and to start a task from the built image
 * (container, checkout, gold + test patch) beside the task's own test run, from `suite eval`'s
 * timings of a gold prediction. Each measurement runs in a fresh process, so nothing is
 * remembered between them but Docker's images. Prints figures, never fails on time.
 *
 *   npx tsx bench/env/run.ts --mirror /work/.mirror [--tasks FILE,FILE] [--per-repo 2] [--cold]
 *
 * Without `--cold` the first build is whatever state the machine is in (said in the output).
 * The default tasks are the Multi-SWE-bench records in ../shared/datasets/multi-swe-bench.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { silentLogger } from "../../src/log/index.js";
import { evaluatePredictions, resolveEnvironment, resolveTaskRepo } from "../../src/suite/index.js";
import { loadTaskFile, type SuiteTask } from "../../src/task/index.js";

const ROOT = resolve(import.meta.dirname, "../..");
const DATA = resolve(ROOT, "../shared/datasets/multi-swe-bench");
const { values } = parseArgs({
  options: {
    mirror: { type: "string" },
    tasks: { type: "string" },
    "per-repo": { type: "string", default: "2" },
    cold: { type: "boolean", default: false },
    // internal: one measurement in this process
    one: { type: "string" },
    what: { type: "string" },
  },
});
if (!values.mirror) {
  console.error("usage: bench/env/run.ts --mirror DIR [--tasks FILE,FILE] [--per-repo N] [--cold]");
  process.exit(2);
}
const mirror = resolve(values.mirror);
const files = values.tasks
  ? values.tasks.split(",")
  : readdirSync(DATA)
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => join(DATA, f));
const tasks = files.flatMap((f) => loadTaskFile(f).tasks);
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `fp-bench-env-${p}-`));

/** One measurement, in this process: prints one JSON line. */
async function measure(t: SuiteTask, what: string): Promise<void> {
  const cacheDir = tmp("cache");
  if (what === "env") {
    const repoPath = await resolveTaskRepo(t, { mirror, cacheDir, log: silentLogger });
    const t0 = performance.now();
    const env = await resolveEnvironment(t, {
      repoPath,
      sandbox: "docker",
      imageTemplate: null,
      log: silentLogger,
    });
    console.log(JSON.stringify({ ms: performance.now() - t0, image: env.image, source: env.source }));
    return;
  }
  const r = await evaluatePredictions({
    tasks: [t],
    predictions: [{ instance_id: t.instanceId, model_name_or_path: "gold", model_patch: t.goldPatch }],
    outDir: tmp("eval"),
    workers: 1,
    sandbox: "docker",
    mirror,
    cacheDir,
    timeoutMs: 30 * 60_000,
    imageTemplate: null,
    log: silentLogger,
  });
  const rep = r.reports[0]!;
  console.log(JSON.stringify({ status: rep.status, timing: rep.timing_ms }));
}

function child(id: string, what: string): Record<string, unknown> {
  const out = execFileSync(
    "npx",
    [
      "tsx",
      import.meta.filename,
      "--mirror",
      mirror,
      "--tasks",
      files.join(","),
      "--one",
      id,
      "--what",
      what,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 },
  );
  return JSON.parse(out.trim().split("\n").pop()!);
}

const imageExists = (image: string) => {
  try {
    execFileSync("docker", ["image", "inspect", image], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

if (values.one) {
  const t = tasks.find((x) => x.instanceId === values.one);
  if (!t) throw new Error(`no task ${values.one}`);
  await measure(t, values.what ?? "env");
} else {
  const perRepo = Number(values["per-repo"]);
  const byRepo = new Map<string, SuiteTask[]>();
  for (const t of tasks) byRepo.set(t.repoName, [...(byRepo.get(t.repoName) ?? []), t]);
  const s = (ms: unknown) => `${(Number(ms) / 1000).toFixed(1)} s`;
  const rows: string[] = [
    "| repository | task | first build | found again (warm) | task start (container + checkout + patches) | tests | gold |",
    "|---|---|---:|---:|---:|---:|---|",
  ];
  for (const [repo, list] of byRepo) {
    // Spread over the repository's history: the oldest and newest tasks, then evenly between.
    const sorted = [...list].sort((a, b) => a.baseCommit.localeCompare(b.baseCommit));
    const picks = [
      ...new Set(
        Array.from(
          { length: Math.min(perRepo, sorted.length) },
          (_, i) => sorted[Math.round((i * (sorted.length - 1)) / Math.max(1, perRepo - 1))]!,
        ),
      ),
    ];
    for (const t of picks) {
      let first = child(t.instanceId, "env");
      let state = "as found";
      if (values.cold && typeof first.image === "string" && imageExists(first.image)) {
        execFileSync("docker", ["rmi", "-f", first.image], { stdio: "ignore" });
        first = child(t.instanceId, "env");
        state = "cold";
      }
      const warm = child(t.instanceId, "env");
      const run = child(t.instanceId, "eval");
      const timing = run.timing as { sandbox: number; patch: number; tests: number };
      rows.push(
        `| ${repo} | ${t.instanceId} | ${s(first.ms)} (${state}) | ${s(warm.ms)} | ${s(timing.sandbox + timing.patch)} | ${s(timing.tests)} | ${run.status} |`,
      );
      console.error(rows.at(-1));
    }
  }
  console.log(rows.join("\n"));
}
