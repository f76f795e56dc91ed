/** The code graph inside the loop: the syntax guard refuses a broken edit; graph tools answer. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { solveTask } from "../../src/agent/index.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import { fixtureRepo, tempDir, writeScript } from "../support/fixtures.js";

type Observation = { output: string; isError: boolean };

/** The scripted turn that fixes the fixture's median (a YAML list item of `turns`). */
const FIX = `  - tool_calls:
      - name: editor
        input:
          command: str_replace
          path: statkit/stats.py
          old_str: "    mid = len(ordered) // 2\\n"
          new_str: "    mid = len(ordered) // 2\\n    if len(ordered) % 2 == 0:\\n        return (ordered[mid - 1] + ordered[mid]) / 2\\n"`;

/** Runs the py-median fixture with a scripted model; the first observation of each step. */
async function runScript(yaml: string, sandbox: "local" | "docker"): Promise<Observation[]> {
  const { task, dir } = await fixtureRepo("py-median");
  const out = await solveTask({
    runId: `graph-${sandbox}`,
    task,
    repoPath: dir,
    model: await createModel(`scripted:${writeScript(yaml)}`, {}),
    sandbox,
    runDir: tempDir("run"),
    budget: { maxSteps: 10 },
    testGate: true,
    commandTimeoutMs: 120_000,
    log: silentLogger,
  });
  expect(out.status, out.error).toBe("submitted");
  expect(out.sandboxKind).toBe(sandbox);
  const traj = JSON.parse(readFileSync(out.trajectoryPath, "utf8"));
  return traj.steps.map((step: { observations: Observation[] }) => step.observations[0]);
}

describe("code graph in the loop", () => {
  it("refuses an edit that breaks the syntax, answers graph queries, and still solves the task", async () => {
    const obs = await runScript(
      `
turns:
  - tool_calls:
      - name: find_symbol
        input: { name: median }
  - tool_calls:
      - name: editor
        input:
          command: str_replace
          path: statkit/stats.py
          old_str: "    mid = len(ordered) // 2\\n"
          new_str: "    mid = len(ordered) // 2\\n    if len(ordered) % 2 == 0\\n        return (ordered[mid - 1] + ordered[mid]) / 2\\n"
${FIX}
  - tool_calls:
      - name: references
        input: { name: median }
  - tool_calls:
      - name: submit
        input: {}
`,
      "local",
    );
    expect(obs[0]!.isError).toBe(false);
    expect(obs[0]!.output).toMatch(/median/);
    expect(obs[0]!.output).toMatch(/statkit\/stats\.py/);
    expect(obs[1]!.isError).toBe(true);
    expect(obs[1]!.output).toMatch(/syntax/i);
    expect(obs[1]!.output).toMatch(/\d+:\d+/);
    expect(obs[2]!.isError).toBe(false);
    expect(obs[3]!.output).toMatch(/tests\/test_stats\.py/);
  });

  describe("in Docker", async () => {
    const { dockerUp, mustHaveDocker, skipReason } = await import("../sandbox/docker-env.js");
    process.env.FIXPOINT_BASE_IMAGE ??= "fixpoint/debian:bookworm";
    it.skipIf(!dockerUp && !mustHaveDocker)(
      `impact reads the sandbox's changes (the graph's host copy has no .git) ${dockerUp ? "" : `(${skipReason})`}`,
      async () => {
        const obs = await runScript(
          `
turns:
${FIX}
  - tool_calls:
      - name: impact
        input: {}
  - tool_calls:
      - name: submit
        input: {}
`,
          "docker",
        );
        const impact = obs[1]!;
        expect(impact.isError, impact.output).toBe(false);
        expect(impact.output).toMatch(/function median {2}statkit\/stats\.py:\d+/);
      },
      600_000,
    );
  });
});
