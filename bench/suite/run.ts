/**
 * bench/suite — suite throughput with the scripted model over the fixture suite at 1 and 2
 * workers (the baseline is the 1-worker run of the same process), and the harness overhead per
 * task when grading (container start + patch application, up to the test command's start)
 * beside the tests' own time. Docker when it answers, else the local sandbox (said in the
 * output). Images are built in a warm-up pass that is not measured. Never fails on time.
 *
 *   npx tsx bench/suite/run.ts [--sandbox docker|local] [--rounds 1]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeFixtureSuite } from "../../evals/suite/make-fixture-suite.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import { dockerAvailable } from "../../src/sandbox/index.js";
import { evaluatePredictions, loadPredictions, renderModelSpec, runSuite } from "../../src/suite/index.js";
import { loadTaskFile } from "../../src/task/swebench.js";

const argOf = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `fp-bench-suite-${p}-`));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : Number.NaN;
};

const wanted = argOf("sandbox");
const sandbox: "docker" | "local" =
  wanted === "local" ? "local" : (await dockerAvailable()) ? "docker" : "local";
const baseImage = process.env.FIXPOINT_BASE_IMAGE ?? "fixpoint/debian:bookworm";
const suite = await makeFixtureSuite(tmp("fixtures"));
const { tasks } = loadTaskFile(suite.tasksPath);
const common = {
  tasks,
  modelName: "scripted",
  makeModel: (t: (typeof tasks)[number]) => createModel(renderModelSpec("scripted:{script}", t), {}),
  sandbox,
  mirror: suite.mirror,
  cacheDir: tmp("cache"),
  imageTemplate: null,
  baseImage,
  budget: { maxSteps: 30 },
  commandTimeoutMs: 120_000,
  log: silentLogger,
};

console.log(`bench/suite: ${tasks.length} fixture tasks, sandbox ${sandbox}, scripted model`);
// Warm-up: builds (or finds) every environment image; not measured.
let t = performance.now();
await runSuite({ ...common, outDir: tmp("warm"), workers: 2 });
console.log(`  warm-up (image builds/reuse): ${((performance.now() - t) / 1000).toFixed(1)} s`);

const rounds = Number(argOf("rounds") ?? 1);
const perWorkers: Record<number, number[]> = { 1: [], 2: [] };
let lastRunDir = "";
for (let r = 0; r < rounds; r++) {
  for (const workers of [1, 2]) {
    lastRunDir = tmp(`w${workers}`);
    t = performance.now();
    const res = await runSuite({ ...common, outDir: lastRunDir, workers });
    const s = (performance.now() - t) / 1000;
    if (res.done.length !== tasks.length) console.log(`  warning: ${res.done.length}/${tasks.length} done`);
    perWorkers[workers]!.push(s);
  }
}
const w1 = median(perWorkers[1]!);
const w2 = median(perWorkers[2]!);
console.log("\nsuite run throughput (median of rounds)");
console.log(
  `  1 worker : ${w1.toFixed(1)} s for ${tasks.length} tasks = ${((60 * tasks.length) / w1).toFixed(1)} tasks/min  (baseline)`,
);
console.log(
  `  2 workers: ${w2.toFixed(1)} s for ${tasks.length} tasks = ${((60 * tasks.length) / w2).toFixed(1)} tasks/min`,
);
console.log(`  speed-up 2 vs 1 workers: ${(w1 / w2).toFixed(2)}x`);

// Grading overhead, one task at a time so the figures are not shared between tasks.
const preds = loadPredictions(join(lastRunDir, "predictions.jsonl")).predictions;
t = performance.now();
const ev = await evaluatePredictions({
  tasks,
  predictions: preds,
  outDir: tmp("eval"),
  workers: 1,
  sandbox,
  mirror: suite.mirror,
  cacheDir: common.cacheDir,
  timeoutMs: 300_000,
  imageTemplate: null,
  baseImage,
  log: silentLogger,
});
const evalS = (performance.now() - t) / 1000;
console.log(
  `\nsuite eval: ${ev.reports.filter((r) => r.resolved).length}/${ev.reports.length} resolved in ${evalS.toFixed(1)} s (1 worker)`,
);
console.log("  task                              harness ms (sandbox + patch)   tests ms   harness share");
for (const r of [...ev.reports].sort((a, b) => a.instance_id.localeCompare(b.instance_id))) {
  const h = r.timing_ms.sandbox + r.timing_ms.patch;
  console.log(
    `  ${r.instance_id.padEnd(34)}${String(h).padStart(8)} (${r.timing_ms.sandbox} + ${r.timing_ms.patch})`.padEnd(
      70,
    ) + `${String(r.timing_ms.tests).padStart(8)}   ${((100 * h) / (h + r.timing_ms.tests)).toFixed(0)}%`,
  );
}
const hs = ev.reports.map((r) => r.timing_ms.sandbox + r.timing_ms.patch);
const ts = ev.reports.map((r) => r.timing_ms.tests);
console.log(
  `  median harness overhead ${median(hs).toFixed(0)} ms beside median test time ${median(ts).toFixed(0)} ms`,
);
