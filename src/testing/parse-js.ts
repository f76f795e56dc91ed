import type { TestCaseResult, TestStatus } from "./types.js";
import {
  extractJsonObject,
  isRecord,
  normalizeText,
  type ParseOptions,
  ResultSet,
  relativize,
  trimMessage,
} from "./util.js";

/** Separator between file, describe blocks and test title in JS test names (vitest's own). */
export const JS_NAME_SEPARATOR = " > ";

function jsName(file: string | undefined, titles: string[], root: string | undefined): string {
  const parts = titles.filter((t) => t !== "");
  return (file ? [relativize(file, root), ...parts] : parts).join(JS_NAME_SEPARATOR);
}

/**
 * A JS error/stack as a message: the error text without the runner's and node's own stack
 * frames, keeping the first frame in the project (where the assertion is).
 */
export function cleanJsError(raw: string, root: string | undefined): string | undefined {
  const lines = relativize(normalizeText(raw), root).split("\n");
  const kept: string[] = [];
  let frameKept = false;
  for (const line of lines) {
    if (/^\s+at /.test(line) || /^\s+❯ /.test(line)) {
      if (!frameKept && !/node_modules|node:|\(<anonymous>\)|internal\//.test(line)) {
        kept.push(line);
        frameKept = true;
      }
      continue;
    }
    kept.push(line);
  }
  return trimMessage(kept.join("\n"));
}

const JEST_STATUS: Record<string, TestStatus> = {
  passed: "passed",
  failed: "failed",
  pending: "skipped",
  skipped: "skipped",
  todo: "skipped",
  disabled: "skipped",
  focused: "passed",
};

/**
 * The JSON report of jest (`--json`) or vitest (`--reporter=json`), which share a format. Names:
 * `file > describe > … > title` (file relative to `root`). A test file that failed without any
 * failing test (it could not be loaded, a hook outside tests threw) becomes an `error` named by
 * the file. Returns undefined when the output holds no such report.
 */
function parseJestLikeJson(output: string, options: ParseOptions): TestCaseResult[] | undefined {
  const report = extractJsonObject(
    normalizeText(output),
    /\{\s*"num(?:FailedTestSuites|TotalTestSuites|FailedTests|TotalTests)"/,
  );
  if (!isRecord(report) || !Array.isArray(report.testResults)) return undefined;
  const results = new ResultSet();
  for (const file of report.testResults) {
    if (!isRecord(file)) continue;
    const fileName = typeof file.name === "string" ? file.name : undefined;
    const assertions = Array.isArray(file.assertionResults) ? file.assertionResults.filter(isRecord) : [];
    let anyFailed = false;
    for (const a of assertions) {
      const status = JEST_STATUS[String(a.status)] ?? "failed";
      if (status === "failed") anyFailed = true;
      const ancestors = Array.isArray(a.ancestorTitles) ? a.ancestorTitles.map(String) : [];
      const name = jsName(fileName, [...ancestors, String(a.title ?? a.fullName ?? "")], options.root);
      const failures = Array.isArray(a.failureMessages) ? a.failureMessages.map(String) : [];
      const message = failures.length ? cleanJsError(failures.join("\n"), options.root) : undefined;
      const durationMs = typeof a.duration === "number" ? a.duration : undefined;
      results.add({
        name,
        status,
        ...(durationMs !== undefined ? { durationMs } : {}),
        ...(message ? { message } : {}),
      });
    }
    if (file.status === "failed" && !anyFailed) {
      const message = typeof file.message === "string" ? cleanJsError(file.message, options.root) : undefined;
      results.add({
        name: jsName(fileName, [], options.root),
        status: "error",
        ...(message ? { message } : {}),
      });
    }
  }
  return results.list();
}

/** jest: `--json` report when present, else the `--verbose` text. */
export function parseJest(output: string, options: ParseOptions = {}): TestCaseResult[] {
  return parseJestLikeJson(output, options) ?? parseJestVerbose(output, options);
}

/** vitest: `--reporter=json` report when present, else the `--reporter=verbose` text. */
export function parseVitest(output: string, options: ParseOptions = {}): TestCaseResult[] {
  return parseJestLikeJson(output, options) ?? parseVitestVerbose(output, options);
}

/**
 * jest `--verbose` text: `PASS|FAIL file` headers, indented describe names, `✓ title (n ms)`,
 * `✕ title`, `○ skipped title`, `✎ todo title`; messages from the `● a › b` blocks.
 */
function parseJestVerbose(output: string, options: ParseOptions): TestCaseResult[] {
  const lines = normalizeText(output).split("\n");
  const results = new ResultSet();
  let file: string | undefined;
  let stack: { indent: number; title: string }[] = [];
  let inTests = false;
  const byBullet = new Map<string, TestCaseResult>();
  let bullet: { target: TestCaseResult | undefined; body: string[] } | undefined;
  const flush = () => {
    if (bullet?.target && !bullet.target.message) {
      const message = cleanJsError(
        bullet.body.filter((l) => !/^\s*(>?\s*\d+ \||\|)/.test(l)).join("\n"),
        options.root,
      );
      if (message) bullet.target.message = message;
    }
    bullet = undefined;
  };
  for (const line of lines) {
    const head = /^(PASS|FAIL) (\S+)/.exec(line);
    if (head) {
      flush();
      file = head[2];
      stack = [];
      inTests = true;
      continue;
    }
    if (!file) continue;
    const b = /^ {2}● (.+)$/.exec(line);
    if (b) {
      flush();
      inTests = false;
      if (b[1] === "Test suite failed to run") {
        const r = results.add({ name: jsName(file, [], options.root), status: "error" });
        bullet = { target: r, body: [] };
      } else bullet = { target: byBullet.get(`${file}\u0000${b[1]}`), body: [] };
      continue;
    }
    if (bullet) {
      if (/^(Tests|Test Suites|Snapshots|Time):/.test(line)) flush();
      else bullet.body.push(line);
      continue;
    }
    if (!inTests || !line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    const t = /^\s*(✓|✕|○|✎|√|×)\s+(?:(skipped|todo)\s+)?(.*?)(?:\s+\((\d+(?:\.\d+)?)\s*ms\))?$/.exec(line);
    stack = stack.filter((s) => s.indent < indent);
    if (!t) {
      stack.push({ indent, title: line.trim() });
      continue;
    }
    const status: TestStatus =
      t[1] === "✓" || t[1] === "√" ? "passed" : t[1] === "✕" || t[1] === "×" ? "failed" : "skipped";
    const titles = [...stack.map((s) => s.title), t[3]!];
    const r = results.add({
      name: jsName(file, titles, options.root),
      status,
      ...(t[4] ? { durationMs: Number(t[4]) } : {}),
    });
    byBullet.set(`${file}\u0000${titles.join(" › ")}`, r);
  }
  flush();
  return results.list();
}

/** vitest `--reporter=verbose`: `✓ file > a > b 4ms`, `× …` with `→ message`, `↓ …` skipped. */
function parseVitestVerbose(output: string, options: ParseOptions): TestCaseResult[] {
  const results = new ResultSet();
  let last: TestCaseResult | undefined;
  for (const line of normalizeText(output).split("\n")) {
    const t = /^\s*(✓|×|↓|✗|√)\s+(.+?)(?:\s+(\d+(?:\.\d+)?)ms)?(?:\s+\[.*\])?$/.exec(line);
    if (t && t[2]!.includes(JS_NAME_SEPARATOR)) {
      const status: TestStatus =
        t[1] === "✓" || t[1] === "√" ? "passed" : t[1] === "↓" ? "skipped" : "failed";
      last = results.add({
        name: relativize(t[2]!, options.root),
        status,
        ...(t[3] ? { durationMs: Number(t[3]) } : {}),
      });
      continue;
    }
    const arrow = /^\s+→ (.*)$/.exec(line);
    if (arrow && last && last.status === "failed") {
      last.message = last.message ? `${last.message}\n${arrow[1]}` : arrow[1]!;
      continue;
    }
    const suite = /^\s*FAIL\s+(\S+) \[ (\S+) \]$/.exec(line);
    if (suite) last = results.add({ name: relativize(suite[1]!, options.root), status: "error" });
  }
  return results.list();
}

/**
 * mocha `--reporter json`: every test with its file; a test is failed when it is in `failures`,
 * skipped when in `pending`. A failing hook (it is listed only in `failures`) becomes an `error`
 * for the test it ran before. Names: `file > fullTitle` (mocha joins describe titles with spaces).
 */
export function parseMocha(output: string, options: ParseOptions = {}): TestCaseResult[] {
  const report = extractJsonObject(normalizeText(output), /\{\s*"stats"\s*:/);
  if (!isRecord(report)) return [];
  const key = (t: Record<string, unknown>) =>
    `${String(t.file ?? "")}\u0000${String(t.fullTitle ?? t.title ?? "")}`;
  const list = (k: string) => (Array.isArray(report[k]) ? (report[k] as unknown[]).filter(isRecord) : []);
  const failed = new Map(list("failures").map((t) => [key(t), t]));
  const pending = new Set(list("pending").map(key));
  const results = new ResultSet();
  const nameOf = (t: Record<string, unknown>, title?: string) =>
    jsName(
      typeof t.file === "string" ? t.file : undefined,
      [title ?? String(t.fullTitle ?? t.title ?? "")],
      options.root,
    );
  const errorText = (t: Record<string, unknown>) => {
    const err = isRecord(t.err) ? t.err : {};
    const text =
      typeof err.stack === "string" ? err.stack : typeof err.message === "string" ? err.message : "";
    return text ? cleanJsError(text, options.root) : undefined;
  };
  for (const t of list("tests")) {
    const k = key(t);
    const f = failed.get(k);
    const status: TestStatus = f ? "failed" : pending.has(k) ? "skipped" : "passed";
    const message = f ? errorText(f) : undefined;
    const durationMs = typeof t.duration === "number" ? t.duration : undefined;
    results.add({
      name: nameOf(t),
      status,
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(message ? { message } : {}),
    });
    failed.delete(k);
  }
  for (const f of failed.values()) {
    // `"before each" hook for "x"`: report it against the test it prevented.
    const title = String(f.title ?? "");
    const full = String(f.fullTitle ?? title);
    const hook = /^"(.+?)" hook(?: for "(.+)")?/.exec(title);
    const prefix = full.endsWith(title) ? full.slice(0, full.length - title.length) : `${full} `;
    const name = hook?.[2] ? nameOf(f, `${prefix}${hook[2]}`) : nameOf(f);
    const message = errorText(f);
    results.add({
      name,
      status: "error",
      ...(message ? { message: hook ? `(in "${hook[1]}" hook) ${message}` : message } : {}),
    });
  }
  return results.list();
}

/**
 * node:test `spec` reporter text: `✔ name (1.2ms)`, `✖ name (…)`, `﹣ name (…) # reason`, nested
 * by two-space indentation under `▶ suite` lines. A `▶` group (describe, or a test with
 * subtests) is a prefix, not a test. A file that failed to load is an `error` named by the file.
 * The TAP reporter is more exact (it marks suites and todo tests); prefer it.
 */
export function parseNodeTestSpec(output: string, options: ParseOptions = {}): TestCaseResult[] {
  const results = new ResultSet();
  const groups: { indent: number; title: string }[] = [];
  let last: { r: TestCaseResult; indent: number; body: string[] } | undefined;
  const flush = () => {
    if (last && last.r.status !== "passed" && last.r.status !== "skipped" && !last.r.message) {
      const message = cleanJsError(last.body.join("\n"), options.root);
      if (message) last.r.message = message;
    }
    last = undefined;
  };
  for (const line of normalizeText(output).split("\n")) {
    if (/^✖ failing tests:/.test(line)) break;
    if (/^ℹ /.test(line)) {
      flush();
      continue;
    }
    const indent = line.length - line.trimStart().length;
    const group = /^\s*▶ (.+)$/.exec(line);
    if (group) {
      flush();
      while (groups.length && groups[groups.length - 1]!.indent >= indent) groups.pop();
      groups.push({ indent, title: group[1]! });
      continue;
    }
    const t = /^\s*(✔|✖|﹣)\s+(.+?)\s+\((\d+(?:\.\d+)?)ms\)(?:\s+#\s*(.*))?$/.exec(line);
    if (t) {
      flush();
      while (groups.length && groups[groups.length - 1]!.indent > indent) groups.pop();
      const top = groups[groups.length - 1];
      if (top && top.indent === indent && top.title === t[2]) {
        groups.pop(); // the group's own result line
        continue;
      }
      const title = relativize(t[2]!, options.root);
      const isFile = /\.(m|c)?[jt]sx?$/.test(t[2]!) && t[2]!.includes("/");
      const status: TestStatus =
        t[1] === "✔" ? "passed" : t[1] === "﹣" ? "skipped" : isFile ? "error" : "failed";
      const r = results.add({
        name: [...groups.map((g) => g.title), title].join(JS_NAME_SEPARATOR),
        status,
        durationMs: Number(t[3]),
        ...(status === "skipped" && t[4] ? { message: t[4] } : {}),
      });
      last = { r, indent, body: [] };
      continue;
    }
    if (last && (indent > last.indent || !line.trim())) last.body.push(line);
    else flush();
  }
  flush();
  return results.list();
}
