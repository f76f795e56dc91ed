import { describe, expect, it } from "vitest";
import {
  compareWithBaseline,
  confirmSuspects,
  type Suspect,
  sameTest,
  testFileOf,
} from "../../src/testing/compare.js";
import type { TestCaseResult, TestStatus } from "../../src/testing/types.js";

const r = (name: string, status: TestStatus, message?: string): TestCaseResult => ({
  name,
  status,
  ...(message ? { message } : {}),
});
const base = (entries: Array<[string, TestStatus]>) => new Map(entries);

describe("compareWithBaseline", () => {
  it("tells regressions, pre-existing failures and fixed tests apart", () => {
    const cmp = compareWithBaseline({
      current: [
        r("t.py::ok", "passed"),
        r("t.py::broke", "failed", "assert 1 == 2"),
        r("t.py::still_broken", "failed"),
        r("t.py::fixed", "passed"),
        r("t.py::was_skipped", "error"),
      ],
      baseline: base([
        ["t.py::ok", "passed"],
        ["t.py::broke", "passed"],
        ["t.py::still_broken", "failed"],
        ["t.py::fixed", "error"],
        ["t.py::was_skipped", "skipped"],
      ]),
    });
    expect(cmp.suspects).toEqual([
      { name: "t.py::broke", kind: "worse", before: "passed", now: "failed", message: "assert 1 == 2" },
      { name: "t.py::was_skipped", kind: "worse", before: "skipped", now: "error" },
    ]);
    expect(cmp.preExisting.map((t) => t.name)).toEqual(["t.py::still_broken"]);
    expect(cmp.fixed).toEqual(["t.py::fixed"]);
  });

  it("judges named tests by their own rule, in any id form, and reports missing ones", () => {
    const cmp = compareWithBaseline({
      current: [r("tests/test_a.py::test_x[1-2]", "passed"), r("tests/test_a.py::test_y", "failed", "boom")],
      baseline: base([
        ["tests/test_a.py::test_x[1-2]", "failed"],
        ["tests/test_a.py::test_y", "failed"],
      ]),
      named: ["tests/test_a.py::test_x[1", "tests.test_a.test_y", "tests/test_a.py::test_gone"],
    });
    expect(cmp.named.passing).toEqual(["tests/test_a.py::test_x[1"]);
    expect(cmp.named.failing).toEqual([
      { name: "tests.test_a.test_y", status: "failed", message: "boom" },
      { name: "tests/test_a.py::test_gone", status: "missing" },
    ]);
    // Named tests are not pre-existing failures, whatever the baseline says.
    expect(cmp.preExisting).toEqual([]);
  });

  it("keeps the agent's tests apart: they must pass, whatever the baseline", () => {
    const cmp = compareWithBaseline({
      current: [r("tests/test_new.py::test_repro", "failed"), r("tests/test_new.py::test_other", "passed")],
      baseline: base([]),
      isAgentTest: (n) => n.startsWith("tests/test_new.py"),
    });
    expect(cmp.agentTests.map((t) => [t.name, t.status])).toEqual([
      ["tests/test_new.py::test_repro", "failed"],
      ["tests/test_new.py::test_other", "passed"],
    ]);
    expect(cmp.suspects).toEqual([]);
  });

  it("suspects a new failing test, but not in a file that failed to collect at baseline", () => {
    const cmp = compareWithBaseline({
      current: [r("a.py::t_new", "failed"), r("b.py::t_new", "failed")],
      baseline: base([
        ["a.py::t_old", "passed"],
        ["b.py", "error"],
      ]),
    });
    expect(cmp.suspects.map((s) => [s.name, s.kind])).toEqual([["a.py::t_new", "new"]]);
    expect(cmp.preExisting.map((t) => t.name)).toEqual(["b.py::t_new"]);
  });

  it("suspects a test that passed at baseline and vanished from what ran now", () => {
    const cmp = compareWithBaseline({
      current: [r("a.py", "error", "ImportError")],
      baseline: base([
        ["a.py::t1", "passed"],
        ["b.py::t2", "passed"],
      ]),
      ranNow: (n) => n.startsWith("a.py"),
    });
    expect(cmp.suspects.map((s) => [s.name, s.kind])).toEqual([
      ["a.py", "new"],
      ["a.py::t1", "missing"],
    ]);
  });
});

describe("confirmSuspects", () => {
  const worse = (name: string): Suspect => ({ name, kind: "worse", before: "passed", now: "failed" });
  const fresh = (name: string): Suspect => ({ name, kind: "new", now: "failed" });
  const missing = (name: string): Suspect => ({ name, kind: "missing", before: "passed" });
  /** The suspects judged on what each rerun reported: with the change, then at the base commit. */
  const confirm = (
    suspects: Suspect[],
    rerun: { withChange: Array<[string, TestStatus]>; atBase: Array<[string, TestStatus]> },
  ) => confirmSuspects(suspects, base(rerun.withChange), base(rerun.atBase));

  it("keeps what fails again as a regression and calls a flip on the same code flaky", () => {
    const out = confirm([worse("a"), worse("b"), worse("c"), missing("d")], {
      withChange: [
        ["a", "failed"],
        ["b", "passed"],
        ["c", "failed"],
      ],
      atBase: [
        ["a", "passed"],
        ["c", "failed"],
      ],
    });
    expect(out.regressions.map((s) => s.name)).toEqual(["a", "d"]);
    expect(out.flaky.map((s) => [s.name, s.why])).toEqual([
      ["b", "failed then passed on the same code"],
      ["c", "passed then failed at the base commit"],
    ]);
    expect(out.preExisting).toEqual([]);
  });

  it("a failing test the first baseline did not report is the base commit's when it fails there too", () => {
    // dayjs-569: the whole-suite baseline was killed after 4 tests; a test failing at the base
    // commit then looked new. Run again at the base commit it fails: not the change's regression.
    const out = confirm([fresh("display:diff"), fresh("new:test")], {
      withChange: [
        ["display:diff", "failed"],
        ["new:test", "failed"],
      ],
      atBase: [["display:diff", "failed"]],
    });
    expect(out.preExisting.map((s) => s.name)).toEqual(["display:diff"]);
    expect(out.regressions.map((s) => s.name)).toEqual(["new:test"]);
    expect(out.flaky).toEqual([]);
  });
});

describe("test ids", () => {
  it("finds the file of a test and matches ids across forms", () => {
    expect(testFileOf("tests/t.py::C::m[1]")).toBe("tests/t.py");
    expect(testFileOf("test/a.test.js > suite > works")).toBe("test/a.test.js");
    expect(sameTest("tests/t.py::C::m", "tests.t.C.m")).toBe(true);
    expect(sameTest("tests/t.py::m[a b]", "tests/t.py::m[a")).toBe(true);
    expect(sameTest("tests/t.py::m2", "tests/t.py::m")).toBe(false);
  });
});
