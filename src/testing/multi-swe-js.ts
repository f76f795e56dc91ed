/**
 * JavaScript/TypeScript test logs read the way Multi-SWE-bench's harness reads them, so that test
 * identities and statuses equal the dataset's (facts from multi-swe-bench/multi-swe-bench,
 * multi_swe_bench/harness/repos/javascript/iamkun/dayjs.py and expressjs/express.py, commit
 * 01968974eda6835d69d9092dfe15a91e534333c2, and typescript/darkreader/darkreader.py, commit
 * 6d9ef2df392a69133e404fed465b2da86d80ba2c):
 * - `jest-verbose` (dayjs, darkreader): jest's console lines. `PASS <file>` / `FAIL <file>` name a
 *   test file (an identity of its own) and open it; `✓ <title>` / `✕ <title>` under it are
 *   `<file>:<title>` (the title alone, without its describe blocks); a trailing duration such as
 *   ` (5 ms)` is not part of a name. Skipped tests are not read.
 * - `mocha-json` (express): mocha's JSON reporter; a test is its `fullTitle`; failures win over
 *   passes and pending tests, pending over passes. Without a report in the log it reads as
 *   `mocha-spec`: the harness reads express's PRs 4212, 4852, 5555 and 5841 that way, the ones
 *   whose test-ci (nyc over `npm test`) never hands `--reporter json` to mocha.
 * - `mocha-spec`: the spec reporter's `✔ <title>` and `<n>) <title>` lines, titles alone.
 * Every status is one of Multi-SWE-bench's: PASS, FAIL, SKIP (a test absent from the log is NONE).
 */
import type { TestCaseResult, TestStatus } from "./types.js";
import { extractJsonObject, isRecord, normalizeText } from "./util.js";

export type MultiSweStatus = "PASS" | "FAIL" | "SKIP" | "NONE";

/** Names seen as passed, failed, skipped; a later FAIL (or SKIP over PASS) wins, as below. */
class Outcomes {
  private readonly map = new Map<string, Exclude<MultiSweStatus, "NONE">>();
  private static readonly rank = { PASS: 0, SKIP: 1, FAIL: 2 } as const;

  add(name: string, status: Exclude<MultiSweStatus, "NONE">): void {
    const old = this.map.get(name);
    // The same name may be reported more than once (dayjs runs its timezone file four times);
    // the harness would refuse a name both passed and failed, so the failure is what counts.
    if (!old || Outcomes.rank[status] > Outcomes.rank[old]) this.map.set(name, status);
  }

  results(): TestCaseResult[] {
    return [...this.map].map(([name, s]) => ({ name, status: FROM_MULTI_SWE[s] }));
  }
}

const FROM_MULTI_SWE: Record<Exclude<MultiSweStatus, "NONE">, TestStatus> = {
  PASS: "passed",
  FAIL: "failed",
  SKIP: "skipped",
};

/** Multi-SWE-bench's status of `name` in parsed results (errors count as failures). */
export function multiSweStatus(results: Map<string, TestStatus>, name: string): MultiSweStatus {
  const s = results.get(name);
  if (s === undefined) return "NONE";
  return s === "passed" ? "PASS" : s === "skipped" ? "SKIP" : "FAIL";
}

// Terminal colour codes, which a run on a TTY adds and the harness's logs do not have.
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * The log's lines, trimmed as the harness reads them (no name of the dataset ends in a space). A
 * title's own trailing space goes too, with or without the duration jest prints after some
 * passes and not others: one test has one name from run to run.
 */
function lines(output: string): string[] {
  return normalizeText(output)
    .replace(ANSI, "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

const JEST_FILE = /^(PASS|FAIL) (.+?)(?:\s+\(\d*\.?\d+\s*\w+\))?$/;
const JEST_TEST = /^([✓✕]) (.+?)(?:\s+\(\d*\.?\d+\s*\w+\))?$/;

/** jest's console output read as Multi-SWE-bench reads dayjs's and darkreader's logs. */
export function parseJestVerbose(output: string): TestCaseResult[] {
  const out = new Outcomes();
  let file: string | null = null;
  for (const line of lines(output)) {
    const f = JEST_FILE.exec(line);
    if (f?.[2]) {
      file = f[2];
      out.add(file, f[1] === "PASS" ? "PASS" : "FAIL");
      continue;
    }
    const t = JEST_TEST.exec(line);
    if (t?.[2] && file !== null) out.add(`${file}:${t[2]}`, t[1] === "✓" ? "PASS" : "FAIL");
  }
  return out.results();
}

const MOCHA_PASS = /^✔ (.+?)(?:\s+\(\d*\.?\d*\s*\w+\))?$/;
const MOCHA_FAIL = /^\d+\) (.+?)(?:\s+\(\d*\.?\d*\s*\w+\))?$/;

/** mocha's spec reporter read as Multi-SWE-bench reads express's newer logs (titles alone). */
export function parseMochaSpecTitles(output: string): TestCaseResult[] {
  const out = new Outcomes();
  for (const line of lines(output)) {
    const p = MOCHA_PASS.exec(line);
    if (p?.[1]) out.add(p[1], "PASS");
    const f = MOCHA_FAIL.exec(line);
    if (f?.[1]) out.add(f[1], "FAIL");
  }
  return out.results();
}

/** mocha's JSON reporter read as Multi-SWE-bench reads express's logs (full titles). */
export function parseMochaJsonFullTitles(output: string): TestCaseResult[] {
  // Coverage tools print `=====` rules and `Writing …` lines around the report; the harness drops them.
  const text = normalizeText(output).replace(/^(=+|Writing .*)$/gm, "");
  const report = extractJsonObject(text, /\{\s*"stats"\s*:/);
  // No report: the option went elsewhere (express 5's nyc) and mocha printed its spec reporter.
  if (!isRecord(report)) return parseMochaSpecTitles(output);
  const out = new Outcomes();
  const titles = (key: string) =>
    (Array.isArray(report[key]) ? report[key] : [])
      .map((t) => (isRecord(t) && typeof t.fullTitle === "string" ? t.fullTitle : null))
      .filter((t): t is string => t !== null);
  for (const t of titles("passes")) out.add(t, "PASS");
  for (const t of titles("pending")) out.add(t, "SKIP");
  for (const t of titles("failures")) out.add(t, "FAIL");
  return out.results();
}
