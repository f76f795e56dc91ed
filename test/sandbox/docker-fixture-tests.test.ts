/**
 * The Python, Node and Go fixture repositories run their tests inside containers, and the parsers
 * report the exact per-test results: the task's FAIL_TO_PASS tests fail, its PASS_TO_PASS pass.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { runTests } from "../../src/testing/index.js";
import { fixtureRepo } from "../support/fixtures.js";
import { dockerUp, mustHaveDocker } from "./docker-env.js";

process.env.FIXPOINT_BASE_IMAGE ??= "fixpoint/debian:bookworm";
let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe.skipIf(!dockerUp && !mustHaveDocker).each(["py-median", "js-duration", "go-wrap"])(
  "%s in a container",
  (name) => {
    it("runs the tests and reports every test's exact result", async () => {
      const { task, dir } = await fixtureRepo(name);
      sandbox = await openSandbox({ kind: "docker", repoPath: dir });
      expect(sandbox.kind).toBe("docker");
      const report = await runTests(sandbox, { command: task.tests!.command! });
      expect(report.exitCode).not.toBe(0);
      const results = Object.fromEntries((report.tests ?? []).map((t) => [t.name, t.status]));
      const expected = Object.fromEntries([
        ...task.tests!.failToPass.map((t) => [t, "failed"]),
        ...task.tests!.passToPass.map((t) => [t, "passed"]),
      ]);
      expect(results).toEqual(expected);
      const failing = report.tests!.find((t) => t.status === "failed");
      expect(failing?.message ?? "").not.toBe("");
    }, 600_000);
  },
);
