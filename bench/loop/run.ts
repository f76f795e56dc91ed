/**
 * bench/loop — the agent loop's own overhead per step (model time and command time excluded),
 * and the persistent shell's round trip against spawning a new `bash -c` per command, measured in
 * the same run. Prints figures; never fails on time.
 *
 *   npx tsx bench/loop/run.ts [--steps 200] [--commands 300]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { solveTask } from "../../src/agent/index.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import { createLocalSandbox } from "../../src/sandbox/index.js";
import { loadFixture, materializeFixture } from "../../src/task/index.js";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

async function loopOverhead(steps: number) {
  const fixture = loadFixture("py-median");
  const dir = mkdtempSync(join(tmpdir(), "fp-bench-loop-"));
  const task = await materializeFixture(fixture, dir);
  const script = join(dir, "..", `${Date.now()}-script.yaml`);
  writeFileSync(
    script,
    'loop: true\nturns:\n  - text: working\n    tool_calls:\n      - name: bash\n        input: { command: "true" }\n',
  );
  const runDir = mkdtempSync(join(tmpdir(), "fp-bench-run-"));
  const t0 = performance.now();
  const out = await solveTask({
    runId: "bench-loop",
    task,
    repoPath: dir,
    model: await createModel(`scripted:${script}`, {}),
    sandbox: "local",
    runDir,
    budget: { maxSteps: steps },
    testGate: false,
    // The graph's build is a setup cost of its own (bench/graph); this measures the loop.
    graph: false,
    commandTimeoutMs: 30_000,
    log: silentLogger,
  });
  const wall = performance.now() - t0;
  const traj = JSON.parse(readFileSync(out.trajectoryPath, "utf8")) as {
    steps: Array<{ modelMs: number; toolsMs: number }>;
  };
  const modelMs = traj.steps.reduce((a, s) => a + s.modelMs, 0);
  const toolsMs = traj.steps.reduce((a, s) => a + s.toolsMs, 0);
  // Setup (sandbox clone, shell start) is measured separately so it does not count as per-step overhead.
  const s0 = performance.now();
  const sb = await createLocalSandbox({ repoPath: dir });
  await sb.exec("true");
  await sb.close();
  const setupMs = performance.now() - s0;
  const overhead = Math.max(0, wall - modelMs - toolsMs - setupMs);
  return { steps: traj.steps.length, wall, modelMs, toolsMs, setupMs, perStep: overhead / traj.steps.length };
}

function spawnBash(cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn("bash", ["-c", "true"], { cwd, stdio: "ignore" });
    p.on("error", reject);
    p.on("close", () => resolve());
  });
}

async function shellRoundTrip(n: number) {
  const fixture = loadFixture("py-median");
  const dir = mkdtempSync(join(tmpdir(), "fp-bench-shell-"));
  await materializeFixture(fixture, dir);
  const sb = await createLocalSandbox({ repoPath: dir });
  const persistent: number[] = [];
  const spawned: number[] = [];
  try {
    for (let i = 0; i < 20; i++) await sb.exec("true"); // warm up
    // Interleave the two so machine noise hits both alike.
    for (let i = 0; i < n; i++) {
      let t = performance.now();
      await sb.exec("true");
      persistent.push(performance.now() - t);
      t = performance.now();
      await spawnBash(sb.root);
      spawned.push(performance.now() - t);
    }
  } finally {
    await sb.close();
  }
  return { persistent, spawned };
}

const steps = arg("steps", 200);
const commands = arg("commands", 300);
const loop = await loopOverhead(steps);
const shell = await shellRoundTrip(commands);
const p50p = quantile(shell.persistent, 0.5);
const p50s = quantile(shell.spawned, 0.5);

console.log("bench/loop");
console.log(
  `  loop: ${loop.steps} steps (scripted model, bash \`true\`, local sandbox, test gate and code graph off)`,
);
console.log(
  `    wall ${loop.wall.toFixed(0)} ms = model ${loop.modelMs.toFixed(0)} ms + tools ${loop.toolsMs.toFixed(0)} ms + sandbox setup ${loop.setupMs.toFixed(0)} ms + loop overhead`,
);
console.log(
  `    loop overhead per step: ${loop.perStep.toFixed(2)} ms (prompt rendering, history, validation, trajectory write)`,
);
console.log(`  command round trip, ${commands} commands each, interleaved:`);
console.log(
  `    persistent shell   p50 ${p50p.toFixed(3)} ms   p95 ${quantile(shell.persistent, 0.95).toFixed(3)} ms`,
);
console.log(
  `    bash -c per command p50 ${p50s.toFixed(3)} ms   p95 ${quantile(shell.spawned, 0.95).toFixed(3)} ms   (baseline)`,
);
console.log(`    ratio (baseline / persistent, medians): ${(p50s / p50p).toFixed(1)}×`);
