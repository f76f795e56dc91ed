/**
 * `suite run` and `suite eval` on the local sandbox (fast, no Docker): resume and redo, the total
 * cost cap, a malformed task line through the CLI (skipped, reported, exit 2), and the grading
 * faults: patch_failed, timeout, no parsed results, PASSED lines that the exit code contradicts.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type FixtureSuite, makeFixtureSuite } from "../../evals/suite/make-fixture-suite.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import { evaluatePredictions, readStatus, renderModelSpec, runSuite } from "../../src/suite/index.js";
import { loadTaskFile } from "../../src/task/swebench.js";
import { cleanEnv } from "../support/cli.js";
import { tempDir, writeScript } from "../support/fixtures.js";

const BIN = fileURLToPath(new URL("../../bin/fixpoint.js", import.meta.url));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: cleanEnv(),
    encoding: "utf8",
    timeout: 180_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function predictionLines(path: string) {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { instance_id: string; model_patch: string });
}

let suite: FixtureSuite;
beforeAll(async () => {
  suite = await makeFixtureSuite(tempDir("fsuite"), ["py-median", "js-chunk", "py-slugify"]);
});

function baseOptions(outDir: string) {
  const { tasks } = loadTaskFile(suite.tasksPath);
  return {
    tasks,
    outDir,
    workers: 2,
    modelName: "scripted",
    makeModel: (t: (typeof tasks)[number]) => createModel(renderModelSpec("scripted:{script}", t), {}),
    sandbox: "local" as const,
    mirror: suite.mirror,
    cacheDir: tempDir("cache"),
    imageTemplate: null,
    budget: { maxSteps: 20 },
    commandTimeoutMs: 60_000,
    log: silentLogger,
  };
}

describe("suite run (local sandbox)", () => {
  it("runs every task, resumes without rerunning, and reruns with redo", async () => {
    const out = tempDir("run");
    const first = await runSuite(baseOptions(out));
    expect(first.done.sort()).toEqual([...suite.ids].sort());
    const preds = predictionLines(first.predictionsPath);
    expect(preds.map((p) => p.instance_id).sort()).toEqual([...suite.ids].sort());
    expect(preds.every((p) => p.model_patch.includes("diff --git"))).toBe(true);
    for (const id of suite.ids) {
      expect(readStatus(join(out, id))).toMatchObject({
        final: true,
        state: "done",
        exit_status: "submitted",
      });
      expect(readFileSync(join(out, id, "trajectory.json"), "utf8")).toContain('"submitted"');
    }

    const again = await runSuite(baseOptions(out));
    expect(again.skipped.sort()).toEqual([...suite.ids].sort());
    expect(again.done).toEqual([]);
    expect(predictionLines(first.predictionsPath)).toHaveLength(suite.ids.length);

    const redo = await runSuite({
      ...baseOptions(out),
      redo: true,
      tasks: baseOptions(out).tasks.slice(0, 1),
    });
    expect(redo.done).toEqual([suite.ids.find((id) => id.endsWith("py-median"))]);
    // The redone task's earlier line is replaced, not duplicated.
    expect(predictionLines(first.predictionsPath)).toHaveLength(suite.ids.length);
  });

  it("stops starting tasks once the total cost cap is reached", async () => {
    const script = writeScript(
      [
        "turns:",
        "  - cost_usd: 0.4",
        "    tool_calls:",
        "      - { name: bash, input: { command: 'echo looking' } }",
        "  - cost_usd: 0.4",
        "    tool_calls:",
        "      - { name: submit, input: {} }",
      ].join("\n"),
    );
    const out = tempDir("cap");
    const r = await runSuite({
      ...baseOptions(out),
      workers: 1,
      maxCostTotal: 1,
      testGate: false,
      makeModel: () => createModel(`scripted:${script}`, {}),
    });
    expect(r.done).toHaveLength(2);
    expect(r.notStarted).toHaveLength(1);
    expect(r.costUsd).toBeCloseTo(1.6, 5);
    expect(predictionLines(r.predictionsPath)).toHaveLength(2);
  });

  it("CLI: a malformed task line is skipped and reported, the rest run, exit code 2", () => {
    const dir = tempDir("malformed");
    const tasks = join(dir, "tasks.jsonl");
    const good = readFileSync(suite.tasksPath, "utf8").split("\n").filter(Boolean)[0]!;
    writeFileSync(tasks, `${good}\n{"repo": "x/y", "instance_id": "bad"\n`);
    const out = join(dir, "out");
    const r = cli([
      "suite",
      "run",
      tasks,
      "--mirror",
      suite.mirror,
      "--model",
      "scripted:{script}",
      "--out",
      out,
      "--sandbox",
      "local",
      "--image-template",
      "none",
      "--json",
    ]);
    expect(r.stderr).toMatch(/tasks\.jsonl: line 2: skipped: not valid JSON/);
    expect(r.code).toBe(2);
    const summary = JSON.parse(r.stdout);
    expect(summary.done).toBe(1);
    expect(summary.malformed_records).toEqual([
      { where: "line 2", message: expect.stringMatching(/not valid JSON/) },
    ]);
    expect(predictionLines(join(out, "predictions.jsonl"))).toHaveLength(1);
  });
});

describe("suite eval (local sandbox)", () => {
  it("grades patch_failed, timeout, no parsed results and forged passes, and writes the reports", async () => {
    const { tasks } = loadTaskFile(suite.tasksPath);
    const median = tasks.find((t) => t.instanceId.endsWith("py-median"))!;
    // Two more tasks on the same repository: one whose tests hang, one whose runner prints nothing parsable.
    const extra = join(tempDir("extra"), "tasks.jsonl");
    const rec = JSON.parse(
      readFileSync(suite.tasksPath, "utf8")
        .split("\n")
        .find((l) => l.includes("py-median"))!,
    );
    writeFileSync(
      extra,
      [
        JSON.stringify(rec),
        JSON.stringify({
          ...rec,
          instance_id: "hang",
          test_command: "sleep 60",
          FAIL_TO_PASS: "[]",
          PASS_TO_PASS: "[]",
        }),
        JSON.stringify({
          ...rec,
          instance_id: "mute",
          test_command: "echo nothing to see; exit 1",
          FAIL_TO_PASS: "[]",
          PASS_TO_PASS: "[]",
        }),
        JSON.stringify({ ...rec, instance_id: "gold" }),
        // A run that prints a passing summary and exits 1: the log does not describe the run.
        JSON.stringify({
          ...rec,
          instance_id: "forged",
          test_command: `printf '%s\\n' '== short test summary info ==' 'PASSED ${median.failToPass[0]}'; exit 1`,
          PASS_TO_PASS: "[]",
        }),
      ].join("\n"),
    );
    appendFileSync(extra, "\n");
    const loaded = loadTaskFile(extra);
    const out = tempDir("eval");
    const wrongPatch =
      "--- a/statkit/stats.py\n+++ b/statkit/stats.py\n@@ -1,2 +1,2 @@\n-nothing like this\n+at all\n";
    const r = await evaluatePredictions({
      tasks: loaded.tasks,
      predictions: [
        { instance_id: median.instanceId, model_name_or_path: "m", model_patch: wrongPatch },
        { instance_id: "hang", model_name_or_path: "m", model_patch: median.goldPatch },
        { instance_id: "mute", model_name_or_path: "m", model_patch: median.goldPatch },
        { instance_id: "gold", model_name_or_path: "m", model_patch: median.goldPatch },
        { instance_id: "forged", model_name_or_path: "m", model_patch: median.goldPatch },
        { instance_id: "nobody", model_name_or_path: "m", model_patch: "x" },
      ],
      outDir: out,
      workers: 2,
      sandbox: "local",
      mirror: suite.mirror,
      cacheDir: tempDir("cache"),
      timeoutMs: 15_000, // the hang task sleeps 60 s; the others must finish well within it, even on a busy machine
      imageTemplate: null,
      log: silentLogger,
    });
    const by = Object.fromEntries(r.reports.map((x) => [x.instance_id, x]));
    expect(by[median.instanceId]).toMatchObject({
      status: "patch_failed",
      resolved: false,
      reason: "patch_failed",
    });
    expect(by.hang).toMatchObject({ status: "error", reason: "timeout" });
    expect(by.mute).toMatchObject({ status: "error", reason: "no_test_results", test_exit_code: 1 });
    expect(by.forged).toMatchObject({ status: "error", reason: "exit_code_mismatch", test_exit_code: 1 });
    expect(by.gold).toMatchObject({ status: "resolved", resolution: "FULL" });
    expect(r.unknownPredictions).toEqual(["nobody"]);
    // fixpoint's own report for every task; SWE-bench's report.json where SWE-bench writes one.
    const saved = JSON.parse(readFileSync(join(out, "hang", "fixpoint-report.json"), "utf8"));
    expect(saved.reason).toBe("timeout");
    expect(existsSync(join(out, "hang", "report.json"))).toBe(false);
    expect(existsSync(join(out, median.instanceId, "report.json"))).toBe(false);
    const swe = (id: string) => JSON.parse(readFileSync(join(out, id, "report.json"), "utf8"));
    expect(swe("gold")).toEqual({
      gold: {
        patch_is_None: false,
        patch_exists: true,
        patch_successfully_applied: true,
        resolved: true,
        tests_status: {
          FAIL_TO_PASS: { success: median.failToPass, failure: [] },
          PASS_TO_PASS: { success: median.passToPass, failure: [] },
          FAIL_TO_FAIL: { success: [], failure: [] },
          PASS_TO_FAIL: { success: [], failure: [] },
        },
      },
    });
    for (const id of ["mute", "forged"])
      expect(swe(id)).toEqual({
        [id]: {
          patch_is_None: false,
          patch_exists: true,
          patch_successfully_applied: false,
          resolved: false,
        },
      });
    const log = readFileSync(join(out, "forged", "test_output.txt"), "utf8");
    expect(log).toMatch(
      />>>>> Start Test Output\n[\s\S]*PASSED [\s\S]*>>>>> End Test Output\n>>>>> Test Exit Code: 1\n$/,
    );
    expect(readFileSync(join(out, median.instanceId, "patch.log"), "utf8")).toContain("patch --batch");
  });

  it("an evaluation interrupted mid-grading keeps no verdict for the task it cut", async () => {
    const median = loadTaskFile(suite.tasksPath).tasks.find((t) => t.instanceId.includes("py-median"))!;
    const rec = JSON.parse(
      readFileSync(suite.tasksPath, "utf8")
        .split("\n")
        .find((l) => l.includes("py-median"))!,
    );
    const file = join(tempDir("cut"), "tasks.jsonl");
    writeFileSync(
      file,
      `${JSON.stringify({ ...rec, instance_id: "slow", test_command: "sleep 8", FAIL_TO_PASS: "[]", PASS_TO_PASS: "[]" })}\n${JSON.stringify({ ...rec, instance_id: "later" })}\n`,
    );
    const stop = new AbortController();
    const out = tempDir("cut-out");
    const graded = evaluatePredictions({
      tasks: loadTaskFile(file).tasks,
      predictions: ["slow", "later"].map((id) => ({
        instance_id: id,
        model_name_or_path: "m",
        model_patch: median.goldPatch,
      })),
      outDir: out,
      workers: 1,
      sandbox: "local",
      mirror: suite.mirror,
      cacheDir: tempDir("cache"),
      timeoutMs: 4_000,
      imageTemplate: null,
      log: silentLogger,
      signal: stop.signal,
      onTaskStart: () => setTimeout(() => stop.abort(new Error("SIGINT")), 500),
    });
    const r = await graded;
    expect(r.reports).toEqual([]);
    expect(r.interrupted.sort()).toEqual(["later", "slow"]);
    // The cut grading ended as a timeout; that is no verdict, and none is left for a rerun to take.
    expect(existsSync(join(out, "slow", "fixpoint-report.json"))).toBe(false);
    expect(existsSync(join(out, "slow", "report.json"))).toBe(false);
  }, 60_000);
});
