/**
 * End to end: the scripted model of each fixture solves it through the real loop, the real tools
 * and a real local sandbox; the resulting patch, applied to a fresh copy, makes the tests pass.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { solveTask } from "../../src/agent/index.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import { listFixtures } from "../../src/task/index.js";
import { fixtureRepo, repoState, tempDir, testsPassWithPatch } from "../support/fixtures.js";

describe.each(listFixtures())("fixture %s", (name) => {
  it("is solved by its scripted model through the real loop (local sandbox)", async () => {
    const { fixture, task, dir } = await fixtureRepo(name);
    const untouched = repoState(dir);
    const runDir = tempDir("run");
    const outcome = await solveTask({
      runId: `e2e-${name}`,
      task,
      repoPath: dir,
      model: await createModel(`scripted:${fixture.scriptPath}`, {}),
      sandbox: "local",
      runDir,
      budget: { maxSteps: 20 },
      testGate: true,
      commandTimeoutMs: 120_000,
      log: silentLogger,
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe("submitted");
    expect(outcome.patch).toContain("diff --git");
    expect(outcome.trajectoryPath).toBe(join(runDir, "trajectory.json"));

    // The user's repository is untouched: the work happened in the sandbox.
    expect(repoState(dir)).toBe(untouched);
    const before = await testsPassWithPatch(name, "");
    expect(before.exitCode).not.toBe(0);
    const after = await testsPassWithPatch(name, outcome.patch);
    expect(after.exitCode, after.output).toBe(0);
  });
});

describe.each(listFixtures())("fixture %s in Docker", async (name) => {
  const { dockerUp, mustHaveDocker, skipReason } = await import("../sandbox/docker-env.js");
  process.env.FIXPOINT_BASE_IMAGE ??= "fixpoint/debian:bookworm";

  it.skipIf(!dockerUp && !mustHaveDocker)(
    `is solved with --sandbox docker ${dockerUp ? "" : `(${skipReason})`}`,
    async () => {
      const { fixture, task, dir } = await fixtureRepo(name);
      const untouched = repoState(dir);
      const outcome = await solveTask({
        runId: `e2e-docker-${name}`,
        task,
        repoPath: dir,
        model: await createModel(`scripted:${fixture.scriptPath}`, {}),
        sandbox: "docker",
        runDir: tempDir("run"),
        budget: { maxSteps: 20 },
        testGate: true,
        commandTimeoutMs: 120_000,
        log: silentLogger,
      });
      expect(outcome.error).toBeUndefined();
      expect(outcome.sandboxKind).toBe("docker");
      expect(outcome.status).toBe("submitted");
      expect(repoState(dir)).toBe(untouched);
      const after = await testsPassWithPatch(name, outcome.patch);
      expect(after.exitCode, after.output).toBe(0);
    },
    600_000,
  );
});
