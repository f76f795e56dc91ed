/** Budgets end runs: a model that never submits stops at max steps with its partial diff saved; a cost cap stops at the cap. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { solveTask } from "../../src/agent/index.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import { fixtureRepo, tempDir, writeScript } from "../support/fixtures.js";

async function run(script: string, budget: { maxSteps: number; maxCostUsd?: number }) {
  const { task, dir } = await fixtureRepo("py-median");
  return solveTask({
    runId: "budget",
    task,
    repoPath: dir,
    model: await createModel(`scripted:${writeScript(script)}`, {}),
    sandbox: "local",
    runDir: tempDir("run"),
    budget,
    testGate: true,
    commandTimeoutMs: 30_000,
    log: silentLogger,
  });
}

describe("budget", () => {
  it("a model that never submits stops at max steps with exit_steps and its partial diff", async () => {
    const out = await run(
      `loop: true\nturns:\n  - tool_calls:\n      - name: bash\n        input: { command: "echo working >> NOTES.txt" }\n`,
      { maxSteps: 3 },
    );
    expect(out.status).toBe("exit_steps");
    expect(out.steps).toBe(3);
    expect(out.patch).toContain("NOTES.txt");
    expect(readFileSync(out.patchPath, "utf8")).toBe(out.patch);
    const traj = JSON.parse(readFileSync(out.trajectoryPath, "utf8"));
    expect(traj.status).toBe("exit_steps");
    expect(traj.steps).toHaveLength(3);
    expect(traj.patch).toContain("+working");
  });

  it("a cost cap stops the run at the cap", async () => {
    const out = await run(
      `loop: true\nturns:\n  - cost_usd: 0.4\n    tool_calls:\n      - name: bash\n        input: { command: "true" }\n`,
      { maxSteps: 50, maxCostUsd: 1 },
    );
    expect(out.status).toBe("exit_cost");
    expect(out.steps).toBe(3);
    expect(out.costUsd).toBeCloseTo(1.2, 5);
  });
});
