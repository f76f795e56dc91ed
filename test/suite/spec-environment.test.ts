/**
 * Which test command a suite task gets: the task's own, else SWE-bench's spec for its repository
 * and version (the same specs grade it), else the recipe's. The agent's run_tests and gate get
 * the spec as one command that sets up like SWE-bench's script and takes test arguments at its end.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log/index.js";
import { findSweTestSpec, resolveEnvironment, specTestCommand } from "../../src/suite/index.js";
import type { SuiteTask } from "../../src/task/index.js";
import { tempDir } from "../support/fixtures.js";

function task(repoName: string, version: string | undefined, extra: Partial<SuiteTask> = {}): SuiteTask {
  return {
    instanceId: `${repoName.replace("/", "__")}-1`,
    repoName,
    format: "swe-bench",
    task: { id: "x", repo: { kind: "local", path: "/nowhere" }, problemStatement: "p", origin: "t" },
    baseCommit: "0".repeat(40),
    goldPatch: "",
    testPatch: "",
    failToPass: [],
    passToPass: [],
    ...(version ? { version } : {}),
    ...extra,
  };
}

const plan = (t: SuiteTask, specsDir?: string | null) =>
  resolveEnvironment(t, {
    repoPath: "/nowhere",
    sandbox: "local",
    log: silentLogger,
    ...(specsDir !== undefined ? { specsDir } : {}),
  });

describe("the test command of a suite task", () => {
  it("django and sympy: the spec's command and parser family, not pytest", async () => {
    const dj = await plan(task("django/django", "3.0"));
    expect(dj.spec?.testCommand).toBe(
      "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1",
    );
    expect(dj.framework).toBe("unittest");
    expect(dj.testCommand).toMatch(
      /; \.\/tests\/runtests\.py --verbosity 2 --settings=test_sqlite --parallel 1$/,
    );
    const sy = await plan(task("sympy/sympy", "1.1"));
    expect(sy.framework).toBe("sympy");
    expect(sy.testCommand).toMatch(/export PYTHONWARNINGS='?ignore::UserWarning,ignore::SyntaxWarning'?;/);
    expect(sy.testCommand!.endsWith("; bin/test -C --verbose")).toBe(true);
  });

  it("the task's own command wins; specs can be turned off; other repositories have none", async () => {
    const own = await plan(task("sympy/sympy", "1.1", { testCommand: "make check" }));
    expect(own).toMatchObject({ testCommand: "make check" });
    expect(own.spec).toBeUndefined();
    expect((await plan(task("sympy/sympy", "1.1"), null)).spec).toBeUndefined();
    expect((await plan(task("someone/else", "1.0"))).spec).toBeUndefined();
  });

  it("the spec command sets up like SWE-bench's script and passes test arguments to the runner", () => {
    const spec = findSweTestSpec("sympy/sympy", "1.1")!;
    const dir = tempDir("spec-cmd");
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin/test"), '#!/bin/bash\necho "runner: $* warnings=$PYTHONWARNINGS"\n', {
      mode: 0o755,
    });
    const out = execFileSync("bash", ["-c", `${specTestCommand(spec)} sympy/core/tests/test_basic.py`], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(out.trim()).toBe(
      "runner: -C --verbose sympy/core/tests/test_basic.py warnings=ignore::UserWarning,ignore::SyntaxWarning",
    );
  });
});
