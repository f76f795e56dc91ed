/**
 * Suites in Docker: the fixture suite through `suite run` (scripted) and `suite eval` — gold
 * patches all resolved, empty patches none, the scripted agent's patches resolved; SIGINT in the
 * middle of a suite (exit 130, predictions.jsonl intact, containers gone, a rerun resumes); a
 * task whose container is killed from outside mid-run is retried once.
 * Skipped when Docker does not answer; under CI=true that is a failure.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type FixtureSuite, makeFixtureSuite } from "../../evals/suite/make-fixture-suite.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import { type Sandbox, sandboxOwner } from "../../src/sandbox/index.js";
import { evaluatePredictions, readStatus, runSuite } from "../../src/suite/index.js";
import { loadTaskFile } from "../../src/task/index.js";
import { BASE_IMAGE, dockerUp, mustHaveDocker, skipReason } from "../sandbox/docker-env.js";
import { cleanEnv, runCliAsync } from "../support/cli.js";
import { tempDir, writeScript } from "../support/fixtures.js";

const BIN = fileURLToPath(new URL("../../bin/fixpoint.js", import.meta.url));
const env = () => cleanEnv({ FIXPOINT_BASE_IMAGE: BASE_IMAGE });

/** Runs the CLI without blocking the worker (vitest's RPC needs the event loop). */
const cli = (args: string[]) => runCliAsync(args, { env: env() });

function jsonl(path: string): Array<Record<string, string>> {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  if (text) expect(text.endsWith("\n")).toBe(true);
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function containersOf(owner: string): string[] {
  const out = execFileSync("docker", ["ps", "-aq", "--filter", `label=fixpoint.owner=${owner}`], {
    encoding: "utf8",
  });
  return out.split("\n").filter(Boolean);
}

if (!dockerUp && mustHaveDocker) throw new Error("CI=true but the Docker engine does not answer");

describe.skipIf(!dockerUp)(`suites in Docker${skipReason ? ` (${skipReason})` : ""}`, () => {
  let suite: FixtureSuite;
  beforeAll(async () => {
    suite = await makeFixtureSuite(tempDir("dsuite"));
  });
  /** Every suite command here: the fixture mirror, Docker, two workers, no per-task images. */
  const dockerFlags = () => [
    "--mirror",
    suite.mirror,
    "--sandbox",
    "docker",
    "--workers",
    "2",
    "--image-template",
    "none",
  ];

  it("fixture suite: scripted run then eval — gold 100%, empty 0%, the agent's patches resolved", {
    timeout: 900_000,
  }, async () => {
    expect(suite.ids.length).toBeGreaterThanOrEqual(6);
    const runs = tempDir("druns");
    const common = [...dockerFlags(), "--json"];
    const run = await cli([
      "suite",
      "run",
      suite.tasksPath,
      "--model",
      "scripted:{script}",
      "--out",
      runs,
      ...common,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ done: suite.ids.length, failed: [] });

    const grade = async (preds: string, extra: string[] = []) => {
      const out = tempDir("deval");
      const r = await cli([
        "suite",
        "eval",
        preds,
        "--tasks",
        suite.tasksPath,
        "--out",
        out,
        ...common,
        ...extra,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(out, "report.html"), "utf8")).toContain("<svg");
      return JSON.parse(r.stdout);
    };
    const agent = await grade(join(runs, "predictions.jsonl"));
    expect(agent.resolved_ids).toEqual([...suite.ids].sort());
    const gold = await grade(suite.goldPath);
    expect(gold.resolved_instances).toBe(suite.ids.length);
    // Empty patches graded by running the tests: FAIL_TO_PASS must really fail at the base commit.
    const empty = await grade(suite.emptyPath, ["--grade-empty"]);
    expect(empty.resolved_instances).toBe(0);
    expect(empty.empty_patch_instances).toBe(suite.ids.length);
    expect(empty.error_instances).toBe(0);
  });

  it("SIGINT mid-suite: exit 130, predictions.jsonl intact, containers removed, a rerun resumes", {
    timeout: 600_000,
  }, async () => {
    const slow = writeScript(
      [
        "turns:",
        "  - tool_calls:",
        "      - { name: bash, input: { command: 'sleep 60' } }",
        "  - tool_calls:",
        "      - { name: submit, input: {} }",
      ].join("\n"),
    );
    const out = tempDir("dsigint");
    const args = ["suite", "run", suite.tasksPath, ...dockerFlags(), "--out", out, "--no-test-gate"];
    const child = spawn(process.execPath, [BIN, ...args, "--model", `scripted:${slow}`], { env: env() });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
    const owner = sandboxOwner(child.pid ?? -1);
    const t0 = Date.now();
    while (containersOf(owner).length < 2 && Date.now() - t0 < 240_000)
      await new Promise((r) => setTimeout(r, 500));
    expect(containersOf(owner).length).toBe(2);
    child.kill("SIGINT");
    const code = await exited;
    expect(code, stderr).toBe(130);
    expect(containersOf(owner)).toEqual([]);
    const preds = jsonl(join(out, "predictions.jsonl"));
    expect(preds).toEqual([]);
    const states = suite.ids.map((id) => readStatus(join(out, id))?.state ?? "none");
    expect(states.filter((s) => s === "interrupted")).toHaveLength(2);

    // The rerun (a quick model now) runs every task: none had a final status.
    const rerun = await cli([...args, "--model", "scripted:{script}", "--json"]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ done: suite.ids.length, skipped_already_done: 0 });
    expect(
      jsonl(join(out, "predictions.jsonl"))
        .map((p) => p.instance_id)
        .sort(),
    ).toEqual([...suite.ids].sort());
  });

  it("a task whose container is killed mid-run is retried once and then succeeds", {
    timeout: 600_000,
  }, async () => {
    const { tasks } = loadTaskFile(suite.tasksPath);
    const target = tasks.find((t) => t.instanceId.endsWith("py-median"))!;
    const script = writeScript(
      [
        "turns:",
        "  - tool_calls:",
        "      - { name: bash, input: { command: 'sleep 8; echo slept' } }",
        "  - tool_calls:",
        "      - { name: submit, input: {} }",
      ].join("\n"),
    );
    let killed = 0;
    const out = tempDir("dkill");
    const r = await runSuite({
      tasks: [target],
      outDir: out,
      workers: 1,
      modelName: "scripted",
      makeModel: () => createModel(`scripted:${script}`, {}),
      sandbox: "docker",
      mirror: suite.mirror,
      cacheDir: tempDir("cache"),
      imageTemplate: null,
      baseImage: BASE_IMAGE,
      budget: { maxSteps: 10 },
      commandTimeoutMs: 60_000,
      testGate: false,
      log: silentLogger,
      onSandbox: (_t, sb: Sandbox) => {
        if (killed++ > 0) return;
        const id = (sb as Sandbox & { containerId: string }).containerId;
        setTimeout(() => spawnSync("docker", ["kill", id], { stdio: "ignore" }), 2000);
      },
    });
    expect(killed).toBe(2);
    expect(r.retried).toEqual([target.instanceId]);
    expect(r.done).toEqual([target.instanceId]);
    expect(readStatus(join(out, target.instanceId))).toMatchObject({
      attempts: 2,
      state: "done",
      final: true,
    });
    expect(jsonl(join(out, "predictions.jsonl"))).toHaveLength(1);
  });

  it("grading faults in Docker: patch_failed (unresolved) and a test run past its limit (error timeout)", {
    timeout: 600_000,
  }, async () => {
    const line = readFileSync(suite.tasksPath, "utf8")
      .split("\n")
      .find((l) => l.includes("py-median"))!;
    const rec = JSON.parse(line);
    const file = join(tempDir("dfault"), "tasks.jsonl");
    writeFileSync(
      file,
      `${line}\n${JSON.stringify({ ...rec, instance_id: "hang", test_command: "sleep 120", FAIL_TO_PASS: "[]", PASS_TO_PASS: "[]" })}\n`,
    );
    const { tasks } = loadTaskFile(file);
    const r = await evaluatePredictions({
      tasks,
      predictions: [
        {
          instance_id: rec.instance_id,
          model_name_or_path: "m",
          model_patch: "--- a/statkit/stats.py\n+++ b/statkit/stats.py\n@@ -1 +1 @@\n-no such line\n+x\n",
        },
        { instance_id: "hang", model_name_or_path: "m", model_patch: rec.patch },
      ],
      outDir: tempDir("dfault-out"),
      workers: 2,
      sandbox: "docker",
      mirror: suite.mirror,
      cacheDir: tempDir("cache"),
      timeoutMs: 3000,
      imageTemplate: null,
      baseImage: BASE_IMAGE,
      log: silentLogger,
    });
    const by = Object.fromEntries(r.reports.map((x) => [x.instance_id, x]));
    expect(by[rec.instance_id]).toMatchObject({
      status: "patch_failed",
      reason: "patch_failed",
      environment: { source: "detected" },
    });
    expect(by.hang).toMatchObject({ status: "error", reason: "timeout" });
  });
});
