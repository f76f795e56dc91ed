/**
 * Multi-SWE-bench's readings of JavaScript/TypeScript logs (src/testing/multi-swe-js.ts) on logs
 * captured here by running the harness's commands in the built images (testdata/multi-swe-bench/
 * {dayjs,express,darkreader}, see the README there), compared with the official records of the
 * same tasks: names must be the dataset's, statuses its statuses.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTestOutput, resolveFramework, type TestStatus } from "../../src/testing/index.js";
import {
  multiSweStatus,
  parseJestVerbose,
  parseMochaJsonFullTitles,
  parseMochaSpecTitles,
} from "../../src/testing/multi-swe-js.js";
import { multiSweRecord } from "../support/multi-swe-records.js";

const DATA = join(import.meta.dirname, "testdata", "multi-swe-bench");
const read = (p: string) => readFileSync(join(DATA, p), "utf8");

const record = multiSweRecord;
const asMap = (rs: { name: string; status: TestStatus }[]) => new Map(rs.map((r) => [r.name, r.status]));
const statuses = (m: Map<string, TestStatus>, names: string[]) => names.map((n) => [n, multiSweStatus(m, n)]);

describe("jest-verbose (dayjs, darkreader)", () => {
  it("dayjs-2532, test patch alone: exactly the official run's names and statuses", () => {
    // The first of the four timezone runs fails and `&&` stops the script: 8 tests, as officially.
    const rec = record("iamkun__dayjs.jsonl", "iamkun__dayjs-2532");
    const got = parseJestVerbose(read("dayjs/2532-test-patch.txt"));
    const byStatus = (s: TestStatus) =>
      got
        .filter((r) => r.status === s)
        .map((r) => r.name)
        .sort();
    expect(byStatus("passed")).toEqual([...rec.test_patch_result.passed_tests].sort());
    expect(byStatus("failed")).toEqual([...rec.test_patch_result.failed_tests].sort());
    expect(got.find((r) => r.name === "test/timezone.test.js:TZ with Locale")?.status).toBe("failed");
  });

  it("dayjs-318: file-level names and statuses of both official runs; durations are not part of names", () => {
    const rec = record("iamkun__dayjs.jsonl", "iamkun__dayjs-318");
    for (const [file, result] of [
      ["dayjs/318-gold.txt", rec.fix_patch_result],
      ["dayjs/318-test-patch.txt", rec.test_patch_result],
    ] as const) {
      const m = asMap(parseJestVerbose(read(file)));
      for (const n of result.passed_tests) expect([n, multiSweStatus(m, n)]).toEqual([n, "PASS"]);
      for (const n of result.failed_tests) expect([n, multiSweStatus(m, n)]).toEqual([n, "FAIL"]);
      // Files are names of their own; every file the log reports is in the official run.
      const files = [...m.keys()].filter((n) => !n.includes(":")).sort();
      expect(files).toEqual(
        [...result.passed_tests, ...result.failed_tests].filter((n) => !n.includes(":")).sort(),
      );
    }
    const test = asMap(parseJestVerbose(read("dayjs/318-test-patch.txt")));
    expect(test.get("test/display.test.js:Format LTS LT L LL LLL LLLL")).toBe("failed");
    expect(test.get("test/display.test.js:Format no formatStr")).toBe("passed");
  });

  it("one name for a title ending in a space, whether jest printed its duration or not", () => {
    // The captured run printed this pass without a duration; another run prints `(11ms)` after it.
    const name = "test/display.test.js:Format Complex with other string - : /";
    const captured = read("dayjs/318-gold.txt");
    expect(asMap(parseJestVerbose(captured)).get(name)).toBe("passed");
    const timed = captured.replace(
      "✓ Format Complex with other string - : / \n",
      "✓ Format Complex with other string - : /  (11ms)\n",
    );
    expect(timed).not.toBe(captured);
    expect(asMap(parseJestVerbose(timed)).get(name)).toBe("passed");
    expect([...asMap(parseJestVerbose(timed)).keys()].filter((n) => n.endsWith(" "))).toEqual([]);
  });

  it("darkreader-7241 (jest 27, ts-jest, `(10.92 s)` durations): every listed test's official status in both runs", () => {
    const rec = record("darkreader__darkreader.jsonl", "darkreader__darkreader-7241");
    const listed = { ...rec.f2p_tests, ...rec.p2p_tests, ...rec.n2p_tests, ...rec.s2p_tests };
    const gold = asMap(parseTestOutput("jest-verbose", read("darkreader/7241-gold.txt")));
    const test = asMap(parseTestOutput("jest-verbose", read("darkreader/7241-test-patch.txt")));
    const names = Object.keys(listed);
    expect(names.length).toBe(47);
    expect(statuses(gold, names)).toEqual(names.map((n) => [n, listed[n]!.fix]));
    expect(statuses(test, names)).toEqual(names.map((n) => [n, listed[n]!.test]));
    expect(gold.size).toBe(rec.fix_patch_result.passed_tests.length);
  });
});

describe("mocha (express)", () => {
  it("express-3870 (istanbul over mocha --reporter json): full titles, the failure as FAIL", () => {
    const out = read("express/3870-app.render-test-patch.txt");
    const m = asMap(parseMochaJsonFullTitles(out));
    const f2p =
      'app .render(name, options, fn) caching when "cacheKey" option is given should render the template twice with different keys';
    expect(m.get(f2p)).toBe("failed");
    expect(m.get("app .render(name, fn) should support absolute paths")).toBe("passed");
    // The report's own counts: 22 tests, 21 passes, 1 failure; every passing name is a listed p2p test.
    expect(m.size).toBe(22);
    const rec = record("expressjs__express.jsonl", "expressjs__express-3870");
    for (const [n, s] of m) if (s === "passed") expect(rec.p2p_tests[n]?.test).toBe("PASS");
    expect(rec.f2p_tests[f2p]).toEqual({ run: "NONE", test: "FAIL", fix: "PASS" });
  });

  it("express-5555 (nyc, spec reporter): titles alone, read as mocha-json reads a log without a report", () => {
    const out = read("express/5555-res.location-test-patch.txt");
    const spec = asMap(parseMochaSpecTitles(out));
    expect(asMap(parseTestOutput("mocha-json", out))).toEqual(spec);
    expect(spec.get("should accept an instance of URL")).toBe("failed");
    expect(spec.get("should set the header")).toBe("passed");
    // The harness's reading also takes the failure summary's `1) res` as a failed name.
    expect(spec.get("res")).toBe("failed");
    const rec = record("expressjs__express.jsonl", "expressjs__express-5555");
    expect(rec.f2p_tests["should accept an instance of URL"]?.test).toBe("FAIL");
    expect(rec.p2p_tests["should set the header"]?.test).toBe("PASS");
  });

  it("registers the readings as frameworks a recipe can name", () => {
    expect(["jest-verbose", "mocha-json", "mocha-spec"].map((f) => resolveFramework(f))).toEqual([
      "jest-verbose",
      "mocha-json",
      "mocha-spec",
    ]);
  });
});
