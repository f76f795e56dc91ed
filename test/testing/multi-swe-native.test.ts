/**
 * The ctest and automake parsers on logs captured here from the real builds of Multi-SWE-bench's
 * C/C++ repositories (testdata/multi-swe-bench/{jq,fmt}, made by evals/multi-swe-bench/
 * check-native.ts in the cpp images), compared with the official records of the same commits:
 * the test names must be the dataset's, and the statuses its statuses.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  frameworkFromCommand,
  frameworkFromOutput,
  parseTestOutput,
  resolveFramework,
} from "../../src/testing/index.js";
import { compactGoogleTestOutput, parseAutomake, parseCTest } from "../../src/testing/parse-native.js";
import { multiSweRecord } from "../support/multi-swe-records.js";

const DATA = join(import.meta.dirname, "testdata", "multi-swe-bench");
const read = (p: string) => readFileSync(join(DATA, p), "utf8");

const record = multiSweRecord;
const names = (rs: { name: string; status: string }[], status: string) =>
  rs
    .filter((r) => r.status === status)
    .map((r) => r.name)
    .sort();

describe("automake's make check (jq)", () => {
  it("names jq's and its bundled oniguruma's tests as Multi-SWE-bench does (base run of jq-3238)", () => {
    const log = read("jq/make-check-31dac287.txt");
    const results = parseAutomake(log);
    const official = record("jqlang__jq.jsonl", "jqlang__jq-3238").run_result;
    expect(names(results, "passed")).toEqual([...official.passed_tests].sort());
    expect(names(results, "failed")).toEqual([]);
    expect(frameworkFromOutput(log)).toBe("automake");
  });

  it("reads the failing run with jq-3238's test patch as the official test-patch run has it", () => {
    const results = parseAutomake(read("jq/make-check-test-patch-3238.txt"));
    const official = record("jqlang__jq.jsonl", "jqlang__jq-3238").test_patch_result;
    expect(names(results, "failed")).toEqual(["tests/onigtest"]);
    expect(names(results, "failed")).toEqual([...official.failed_tests].sort());
    expect(names(results, "passed")).toEqual([...official.passed_tests].sort());
  });

  it("reads coloured lines and automake's other results", () => {
    const log = [
      "\u001b[0;32mPASS\u001b[m: tests/a",
      "\u001b[0;31mFAIL\u001b[m: tests/b",
      "XFAIL: tests/c",
      "XPASS: tests/d",
      "SKIP: tests/e",
      "ERROR: tests/f",
      "PASS: t/tap.test 1 - adds",
      "# PASS:  2",
      "make[2]: *** [Makefile:1: check-TESTS] Error 1",
    ].join("\n");
    expect(parseAutomake(log)).toEqual([
      { name: "tests/a", status: "passed" },
      { name: "tests/b", status: "failed" },
      { name: "tests/c", status: "passed" },
      { name: "tests/d", status: "failed", message: "unexpected pass (XPASS)" },
      { name: "tests/e", status: "skipped" },
      { name: "tests/f", status: "error" },
      { name: "t/tap.test 1 - adds", status: "passed" },
    ]);
  });
});

describe("ctest (fmt)", () => {
  it("names fmt's tests as Multi-SWE-bench does (gold run of fmt-4310)", () => {
    const log = read("fmt/ctest-gold-4310.txt");
    const results = parseCTest(log);
    const official = record("fmtlib__fmt.jsonl", "fmtlib__fmt-4310").fix_patch_result;
    expect(results).toHaveLength(21);
    expect(names(results, "passed")).toEqual([...official.passed_tests].sort());
    expect(frameworkFromOutput(log)).toBe("ctest");
  });

  it("finds no test in a build that failed before ctest ran, as the official test-patch run has none", () => {
    const log = read("fmt/build-fails-test-patch-4310.txt");
    expect(log).toContain("error:");
    expect(parseCTest(log)).toEqual([]);
    expect(record("fmtlib__fmt.jsonl", "fmtlib__fmt-4310").test_patch_result.passed_tests).toEqual([]);
  });

  it("reads the result lines, a crash, a test never built, a disabled one, and failing output", () => {
    const log = [
      "Test project /opt/build",
      "      Start  1: assert-test",
      " 1/5 Test  #1: assert-test ......................   Passed    0.01 sec",
      "      Start  2: format-test",
      " 2/5 Test  #2: format-test ......................***Failed    0.12 sec",
      "[  FAILED  ] format_test.width",
      "      Start  3: os-test",
      " 3/5 Test  #3: os-test ..........................***Exception: SegFault  0.20 sec",
      "      Start  4: ranges-test",
      "Could not find executable /opt/build/bin/ranges-test",
      " 4/5 Test  #4: ranges-test ......................***Not Run   0.00 sec",
      " 5/5 Test  #5: module-test ......................***Not Run (Disabled)   0.00 sec",
      "",
      "40% tests passed, 3 tests failed out of 5",
    ].join("\n");
    const rs = parseCTest(log);
    expect(rs.map((r) => [r.name, r.status])).toEqual([
      ["assert-test", "passed"],
      ["format-test", "failed"],
      ["os-test", "failed"],
      ["ranges-test", "error"],
      ["module-test", "skipped"],
    ]);
    expect(rs[1]?.message).toContain("[  FAILED  ] format_test.width");
    expect(rs[2]?.message).toContain("Exception: SegFault");
    expect(rs[1]?.durationMs).toBe(120);
    expect(frameworkFromOutput(log)).toBe("ctest");
  });

  it("keeps GoogleTest's failing case in the message, not its hundred passing ones (fmt-3248, fix alone)", () => {
    const log = read("fmt/ctest-fix-only-3248.txt");
    expect(log.split("\n").length).toBeGreaterThan(250);
    const [formatTest] = parseCTest(log);
    expect(formatTest?.name).toBe("format-test");
    expect(formatTest?.status).toBe("failed");
    const message = formatTest?.message ?? "";
    const lines = message.split("\n");
    // What the agent's summary and the gate show first: the status, then the failing assertion.
    expect(lines.slice(0, 8).join("\n")).toContain("/testbed/test/format-test.cc:836: Failure");
    expect(message).toContain('Which is: "     0"');
    expect(message).toContain("[  FAILED  ] format_test.width (0 ms)");
    expect(message).toContain("[  PASSED  ] 115 tests.");
    expect(message).not.toContain("format_test.runtime_width");
    expect(message).not.toContain("[----------]");
    expect(lines.length).toBeLessThan(20);
  });

  it("leaves a crashed GoogleTest case's output and output that is not GoogleTest's as they are", () => {
    expect(
      compactGoogleTestOutput([
        "[ RUN      ] a.ok",
        "noise of a passing case",
        "[       OK ] a.ok (0 ms)",
        "[ RUN      ] a.crashes",
        "about to crash",
      ]),
    ).toEqual(["[ RUN      ] a.crashes", "about to crash"]);
    const plain = ["Segmentation fault", "  at x.c:3"];
    expect(compactGoogleTestOutput(plain)).toEqual(plain);
  });

  it("is chosen by name and by command", () => {
    expect(resolveFramework("cmake")).toBe("ctest");
    expect(resolveFramework("autotools")).toBe("automake");
    expect(frameworkFromCommand("cd build && ctest --output-on-failure")).toBe("ctest");
    expect(frameworkFromCommand("make -j2 && make check")).toBe("automake");
    expect(parseTestOutput("ctest", " 1/1 Test #1: x-test ...   Passed    0.00 sec")).toEqual([
      { name: "x-test", status: "passed", durationMs: 0 },
    ]);
  });
});
