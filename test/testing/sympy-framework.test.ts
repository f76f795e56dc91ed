/**
 * sympy's bin/test as a test framework of the agent's run_tests and gate (SWE-bench's spec runs
 * sympy with it): recognised from the command, its real output read as SWE-bench reads it, and a
 * selection of tests run as their files (bin/test takes paths, not node ids).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { frameworkFromCommand, parseTestOutput, selectionCommand } from "../../src/testing/index.js";

const log = readFileSync(join(import.meta.dirname, "testdata/swebench/sympy/bin-test-1.12.txt"), "utf8");

describe("the sympy framework", () => {
  it("is what bin/test means, alone or after the spec's set-up", () => {
    expect(frameworkFromCommand("bin/test -C --verbose")).toBe("sympy");
    expect(frameworkFromCommand("export A=1; bin/test -C --verbose")).toBe("sympy");
    expect(frameworkFromCommand("./bin/test")).toBe("sympy");
    expect(frameworkFromCommand("python3 -m pytest -rA")).toBe("pytest");
    expect(frameworkFromCommand("sbin/testing")).toBeUndefined();
  });

  it("reads a real bin/test log: passes, and failures under their headers", () => {
    const byName = Object.fromEntries(parseTestOutput("sympy", log).map((t) => [t.name, t.status]));
    expect(byName.test_add_eval).toBe("passed");
    expect(byName.test_matrix).toBe("passed");
    expect(byName.test_addmul_eval).toBe("failed");
    expect(byName["sympy/core/tests/test_eval.py:test_function"]).toBe("failed");
    expect(Object.values(byName).filter((s) => s === "passed")).toHaveLength(12);
  });

  it("runs a selection as the files of the selected tests", () => {
    expect(
      selectionCommand("sympy", "bin/test -C --verbose", [
        "sympy/core/tests/test_basic.py::test_immutable",
        "sympy/core/tests/test_basic.py::test_S",
        "sympy/core/tests/test_eval.py",
      ]),
    ).toBe("bin/test -C --verbose sympy/core/tests/test_basic.py sympy/core/tests/test_eval.py");
    // Bare names say no file: the command runs as configured.
    expect(selectionCommand("sympy", "bin/test -C --verbose", ["test_immutable"])).toBe(
      "bin/test -C --verbose",
    );
  });
});
