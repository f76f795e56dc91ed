/**
 * bench/queue — suite throughput through the Redis queue against the in-process runner with the
 * same total concurrency (the baseline, measured in the same run): tasks per minute with one
 * worker process running 3 jobs at once and with three worker processes running one each, and
 * the queue's own overhead per task — enqueue → a worker starts it, and the worker's result →
 * the prediction written by the coordinator — from jobs run one at a time on an idle worker.
 * A real redis-server on a free port, real `fixpoint worker` processes, the fixture suite with
 * its scripted models on the local sandbox. Prints figures and ratios; never fails on time.
 *
 *   npx tsx bench/queue/run.ts [--copies 4] [--rounds 3] [--latency 7]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeFixtureSuite } from "../../evals/suite/make-fixture-suite.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import { runSuiteOnQueue } from "../../src/queue/index.js";
import { renderModelSpec, runSuite } from "../../src/suite/index.js";
import { loadTaskFile } from "../../src/task/swebench.js";

const argOf = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const copies = argOf("copies", 4);
const rounds = argOf("rounds", 3);
const latencyRuns = argOf("latency", 7);
const CONCURRENCY = 3;
const BIN = fileURLToPath(new URL("../../bin/fixpoint.js", import.meta.url));
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `fp-bench-queue-${p}-`));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : Number.NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function waitForOutput(p: ChildProcess, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    const on = (d: Buffer) => {
      out += d;
      if (re.test(out)) resolve();
    };
    p.stdout?.on("data", on);
    p.once("exit", () => reject(new Error(`${p.spawnargs.join(" ")} exited: ${out}`)));
  });
}

// The fixture suite, each fixture `copies` times under its own id.
const suite = await makeFixtureSuite(tmp("fixtures"), ["py-median", "js-chunk", "py-slugify"]);
const records = readFileSync(suite.tasksPath, "utf8").split("\n").filter(Boolean);
const many = [];
for (let c = 1; c <= copies; c++)
  for (const l of records)
    many.push(JSON.stringify({ ...JSON.parse(l), instance_id: `${JSON.parse(l).instance_id}-${c}` }));
const tasksPath = join(tmp("tasks"), "tasks.jsonl");
writeFileSync(tasksPath, `${many.join("\n")}\n`);
const { tasks } = loadTaskFile(tasksPath);
// One task that submits at once: the queue's overhead, not the agent's work.
const quickScript = join(tmp("script"), "quick.yaml");
writeFileSync(quickScript, "turns:\n  - tool_calls:\n      - { name: submit, input: {} }\n");

const port = await freePort();
const redis = spawn(
  "redis-server",
  ["--port", String(port), "--bind", "127.0.0.1", "--dir", tmp("redis"), "--save", ""],
  {
    stdio: ["ignore", "pipe", "ignore"],
  },
);
await waitForOutput(redis, /Ready to accept connections/);
const url = `redis://127.0.0.1:${port}`;

const env = { ...process.env };
for (const k of ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]) delete env[k];
async function startWorkers(n: number, concurrency: number): Promise<ChildProcess[]> {
  const ws = Array.from({ length: n }, (_, i) =>
    spawn(
      process.execPath,
      [
        BIN,
        "worker",
        "--queue",
        url,
        "--name",
        `bench-${i + 1}`,
        "--concurrency",
        String(concurrency),
      ].concat(["--mirror", suite.mirror, "--cache-dir", tmp("wcache")]),
      { env, stdio: ["ignore", "pipe", "inherit"] },
    ),
  );
  await Promise.all(ws.map((w) => waitForOutput(w, /ready/)));
  return ws;
}
async function stopWorkers(ws: ChildProcess[]) {
  await Promise.all(
    ws.map(
      (w) =>
        new Promise<void>((resolve) => {
          w.once("exit", () => resolve());
          w.kill("SIGTERM");
        }),
    ),
  );
}

const base = {
  modelName: "scripted",
  log: silentLogger,
};
async function inProcess(): Promise<number> {
  const t0 = performance.now();
  const r = await runSuite({
    ...base,
    tasks,
    outDir: join(tmp("local"), "out"),
    workers: CONCURRENCY,
    makeModel: (t) => createModel(renderModelSpec("scripted:{script}", t), {}),
    sandbox: "local",
    mirror: suite.mirror,
    cacheDir: tmp("cache"),
    imageTemplate: null,
    budget: { maxSteps: 30 },
    commandTimeoutMs: 120_000,
  });
  if (r.done.length !== tasks.length)
    throw new Error(`in-process run: ${r.done.length}/${tasks.length} done`);
  return performance.now() - t0;
}
const settings = (model: string) => ({
  model,
  sandbox: "local" as const,
  image_template: null,
  budget: { maxSteps: 30 },
  command_timeout_ms: 120_000,
  test_gate: true,
  gate: {},
  with_hints: false,
  engine_wait_ms: 60_000,
});
async function onQueue(ts: typeof tasks, path: string, model: string, pollMs?: number) {
  const outDir = join(tmp("queue"), "out");
  const t0 = performance.now();
  const r = await runSuiteOnQueue({
    ...base,
    url,
    tasksPath: path,
    tasks: ts,
    outDir,
    settings: settings(model),
    ...(pollMs ? { pollMs } : {}),
  });
  if (r.done.length !== ts.length) throw new Error(`queue run: ${r.done.length}/${ts.length} done`);
  return { ms: performance.now() - t0, outDir };
}

const perMin = (ms: number) => (tasks.length / ms) * 60_000;
const results: Record<string, number[]> = { local: [], one: [], three: [] };
// Warm-up (compile caches, the fixtures' first test runs), not measured.
await inProcess();
const one = await startWorkers(1, CONCURRENCY);
for (let i = 0; i < rounds; i++) {
  results.local!.push(await inProcess());
  results.one!.push((await onQueue(tasks, tasksPath, "scripted:{script}")).ms);
}
await stopWorkers(one);
const three = await startWorkers(3, 1);
for (let i = 0; i < rounds; i++)
  results.three!.push((await onQueue(tasks, tasksPath, "scripted:{script}")).ms);

// Overhead: one quick task at a time on an idle worker.
const enqueueToStart: number[] = [];
const resultToPrediction: number[] = [];
const single = tasks.slice(0, 1);
for (let i = 0; i < latencyRuns; i++) {
  await sleep(200);
  const { outDir } = await onQueue(single, tasksPath, `scripted:${quickScript}`);
  const st = JSON.parse(readFileSync(join(outDir, single[0]!.instanceId, "status.json"), "utf8"));
  enqueueToStart.push(st.queue.started_at - st.queue.enqueued_at);
  resultToPrediction.push(st.queue.recorded_at - st.queue.finished_at);
}
await stopWorkers(three);
redis.kill("SIGTERM");

const l = perMin(median(results.local!));
const o = perMin(median(results.one!));
const t = perMin(median(results.three!));
const f = (x: number) => x.toFixed(1);
console.log(
  `bench/queue: ${tasks.length} fixture tasks (local sandbox, scripted models), total concurrency ${CONCURRENCY}, median of ${rounds} runs`,
);
console.log(
  `  in-process runner, --workers ${CONCURRENCY} (baseline): ${f(l)} tasks/min  (${(median(results.local!) / 1000).toFixed(2)} s)`,
);
console.log(
  `  queue, 1 worker × concurrency ${CONCURRENCY}:          ${f(o)} tasks/min  (${(median(results.one!) / 1000).toFixed(2)} s)  ratio ${(o / l).toFixed(2)}`,
);
console.log(
  `  queue, 3 workers × concurrency 1:          ${f(t)} tasks/min  (${(median(results.three!) / 1000).toFixed(2)} s)  ratio ${(t / l).toFixed(2)}`,
);
console.log(`  queue overhead per task (median of ${latencyRuns}, one task on an idle worker):`);
console.log(
  `    enqueue → worker starts it:           ${median(enqueueToStart).toFixed(0)} ms  (min ${Math.min(...enqueueToStart)}, max ${Math.max(...enqueueToStart)})`,
);
console.log(
  `    result → prediction written:          ${median(resultToPrediction).toFixed(0)} ms  (min ${Math.min(...resultToPrediction)}, max ${Math.max(...resultToPrediction)})`,
);
process.exit(0);
