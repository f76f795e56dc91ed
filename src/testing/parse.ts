import { parseJestVerbose, parseMochaJsonFullTitles, parseMochaSpecTitles } from "./multi-swe-js.js";
import { parseJest, parseMocha, parseVitest } from "./parse-js.js";
import { parseAutomake, parseCargoTest, parseCTest, parseGoTestJson, parseJUnitXml } from "./parse-native.js";
import { parsePytest, parseUnittest } from "./parse-python.js";
import { parseNodeTest, parseTap } from "./parse-tap.js";
import { SWEBENCH_LOG_PARSERS, type SweStatus } from "./swebench-logs.js";
import type { TestCaseResult } from "./types.js";
import type { ParseOptions } from "./util.js";

export type Framework =
  | "pytest"
  | "unittest"
  | "jest"
  | "vitest"
  | "mocha"
  | "node:test"
  | "go"
  | "cargo"
  | "maven"
  | "gradle"
  | "junit"
  | "tap"
  /** CMake's ctest (one line per test), and automake's `make check` harness (PASS:/FAIL: lines). */
  | "ctest"
  | "automake"
  /** sympy's own runner (`bin/test`), read as SWE-bench reads it. */
  | "sympy"
  /** jest's console lines, named as Multi-SWE-bench names them (`file`, `file:title`). */
  | "jest-verbose"
  /** mocha's JSON reporter, named by full titles (Multi-SWE-bench's express). */
  | "mocha-json"
  /** mocha's spec reporter, named by titles alone (Multi-SWE-bench's newer express). */
  | "mocha-spec";

export type Parser = (output: string, options?: ParseOptions) => TestCaseResult[];

export const PARSERS: Record<Framework, Parser> = {
  pytest: (o) => parsePytest(o),
  unittest: (o) => parseUnittest(o),
  jest: parseJest,
  vitest: parseVitest,
  mocha: parseMocha,
  "node:test": parseNodeTest,
  go: (o) => parseGoTestJson(o),
  cargo: (o) => parseCargoTest(o),
  maven: (o) => parseJUnitXml(o),
  gradle: (o) => parseJUnitXml(o),
  junit: (o) => parseJUnitXml(o),
  tap: parseTap,
  ctest: (o) => parseCTest(o),
  automake: (o) => parseAutomake(o),
  sympy: (o) => fromStatusMap(SWEBENCH_LOG_PARSERS.sympy!(o)),
  "jest-verbose": parseJestVerbose,
  "mocha-json": parseMochaJsonFullTitles,
  "mocha-spec": parseMochaSpecTitles,
};

const FROM_SWE: Record<SweStatus, TestCaseResult["status"]> = {
  PASSED: "passed",
  XFAIL: "passed",
  FAILED: "failed",
  ERROR: "error",
  SKIPPED: "skipped",
};

/** A SWE-bench status map as test results (an expected failure counts as a pass, as in SWE-bench). */
function fromStatusMap(m: Map<string, SweStatus>): TestCaseResult[] {
  return [...m].map(([name, status]) => ({ name, status: FROM_SWE[status] }));
}

const ALIASES: Record<string, Framework> = {
  "node-test": "node:test",
  nodetest: "node:test",
  node: "node:test",
  "go test": "go",
  gotest: "go",
  golang: "go",
  "cargo test": "cargo",
  rust: "cargo",
  "junit-xml": "junit",
  junitxml: "junit",
  surefire: "maven",
  django: "unittest",
  cmake: "ctest",
  autotools: "automake",
  "make check": "automake",
};

/** The framework a user-given name means (`node-test`, `go test`, `rust`…), or undefined. */
export function resolveFramework(name: string): Framework | undefined {
  const n = name.trim().toLowerCase();
  if (n in PARSERS) return n as Framework;
  return ALIASES[n];
}

/** Guesses the framework from a test command line (`python -m pytest -x`, `npx jest`, …). */
export function frameworkFromCommand(command: string): Framework | undefined {
  const c = ` ${command} `;
  if (/[\s/]pytest\b|-m pytest\b|\bpy\.test\b/.test(c)) return "pytest";
  if (/-m unittest\b|runtests\.py|manage\.py test\b/.test(c)) return "unittest";
  if (/(^|[\s/;])bin\/test\b/.test(c)) return "sympy";
  if (/\bvitest\b/.test(c)) return "vitest";
  if (/\bjest\b/.test(c)) return "jest";
  if (/\bmocha\b/.test(c)) return "mocha";
  if (/\bnode\s+(?:\S+\s+)*--test\b/.test(c)) return "node:test";
  if (/\bgo test\b/.test(c)) return "go";
  if (/\bcargo (?:\+\S+ )?(test|nextest)\b/.test(c)) return "cargo";
  if (/\bmvnw?\b/.test(c)) return "maven";
  if (/\bgradlew?\b/.test(c)) return "gradle";
  if (/\bctest\b/.test(c)) return "ctest";
  if (/\bmake\b(?:\s+-\S+)*\s+check\b/.test(c)) return "automake";
  return undefined;
}

/** Guesses the framework from what its output looks like, for commands we do not recognise. */
export function frameworkFromOutput(output: string): Framework | undefined {
  if (/^\{"Time":".*"Action":"/m.test(output)) return "go";
  if (/^TAP version \d+/m.test(output)) return "tap";
  if (/"numTotalTests"\s*:/.test(output)) return "jest";
  if (/\{\s*"stats"\s*:\s*\{\s*"suites"/.test(output)) return "mocha";
  if (/<testsuites?\b/.test(output)) return "junit";
  if (/^=+ (short test summary info|test session starts) =+$/m.test(output)) return "pytest";
  if (/^test result: (ok|FAILED)\. \d+ passed/m.test(output)) return "cargo";
  if (/^Ran \d+ tests? in /m.test(output)) return "unittest";
  if (/^(not )?ok \d+ /m.test(output)) return "tap";
  if (/^\s*\d+\/\d+\s+Test\s+#\d+: /m.test(output)) return "ctest";
  if (/^(PASS|FAIL|XFAIL|SKIP|ERROR): \S/m.test(output) && /^# TOTAL: \d+/m.test(output)) return "automake";
  return undefined;
}

/** Parses a run's output with the named framework's parser (aliases accepted). */
export function parseTestOutput(
  framework: string,
  output: string,
  options: ParseOptions = {},
): TestCaseResult[] {
  const fw = resolveFramework(framework);
  if (!fw)
    throw new Error(`unknown test framework "${framework}" (known: ${Object.keys(PARSERS).join(", ")})`);
  return PARSERS[fw](output, options);
}
