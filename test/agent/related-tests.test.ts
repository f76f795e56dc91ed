/** run_tests with related_only: the test files related to the changed files, else the whole suite. */
import { afterEach, describe, expect, it } from "vitest";
import { runSelectedTests } from "../../src/agent/solve.js";
import { createLocalSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { fixtureRepo } from "../support/fixtures.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
});

describe("runSelectedTests", () => {
  it("runs only the related test file after a change, and says when nothing is related", async () => {
    const { dir } = await fixtureRepo("py-median");
    sandbox = await createLocalSandbox({ repoPath: dir });
    const cmd = "python3 -m pytest -rA -p no:cacheprovider";

    const none = await runSelectedTests(sandbox, cmd, { relatedOnly: true });
    expect(none.command).toBe(cmd);
    expect(none.output).toMatch(/No test files related/);
    expect(none.counts).toMatchObject({ passed: 4, failed: 1 });

    await sandbox.writeFile("statkit/stats.py", `${await sandbox.readFile("statkit/stats.py")}\n# touched\n`);
    const related = await runSelectedTests(sandbox, cmd, { relatedOnly: true });
    expect(related.command).toBe(`${cmd} tests/test_stats.py`);
    expect(related.counts).toMatchObject({ passed: 4, failed: 1 });

    const named = await runSelectedTests(sandbox, cmd, { tests: ["tests/test_stats.py::test_mean"] });
    expect(named.counts).toMatchObject({ passed: 1, failed: 0 });
  });
});
