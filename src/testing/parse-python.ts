import type { TestCaseResult, TestStatus } from "./types.js";
import { normalizeText, ResultSet, trimMessage } from "./util.js";

/** pytest's outcome words; XFAIL counts as passed and XPASS as passed, as SWE-bench grades them. */
const PYTEST_STATUS: Record<string, TestStatus> = {
  PASSED: "passed",
  FAILED: "failed",
  ERROR: "error",
  SKIPPED: "skipped",
  XFAIL: "passed",
  XPASS: "passed",
};

const VERBOSE_LINE = /^(.+?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)(?: \((.*)\))?(?:\s+\[\s*\d+%\])?\s*$/;
const XDIST_LINE = /^\[gw\d+\] \[\s*\d+%\] (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (.+?)(?: - (.*))?\s*$/;
const SUMMARY_LINE = /^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (.+)$/;
const SECTION_RULE = /^=+ (.+?) =+$/;

/**
 * pytest text output, best with `-rA -v`: the verbose per-test lines name every test (including
 * skipped ones, which `-rA` alone folds into `SKIPPED [n] file:line`), the short summary gives
 * the final status, and the FAILURES/ERRORS sections give the messages (the `E` lines plus the
 * location). Names are pytest node ids, e.g. `tests/test_x.py::TestC::test_y[param]`; a
 * collection error is reported as an `error` named by the file.
 */
export function parsePytest(output: string): TestCaseResult[] {
  const lines = normalizeText(output).split("\n");
  const results = new ResultSet();
  let section = "";
  const summaryMessages = new Map<string, string>();

  for (const line of lines) {
    const rule = SECTION_RULE.exec(line);
    if (rule) {
      section = rule[1]!.toLowerCase();
      continue;
    }
    if (section === "short test summary info") {
      const m = SUMMARY_LINE.exec(line);
      if (!m) continue;
      const status = PYTEST_STATUS[m[1]!]!;
      if (m[1] === "SKIPPED" && /^\[\d+\] /.test(m[2]!)) continue; // folded skips name no test
      const { id, message } = splitSummary(m[2]!, results);
      if (!looksLikeNodeId(id)) continue;
      results.add({ name: id, status });
      if (message) summaryMessages.set(id, message);
      continue;
    }
    if (section === "" || section === "test session starts") {
      const x = XDIST_LINE.exec(line);
      if (x) {
        results.add({ name: x[2]!, status: PYTEST_STATUS[x[1]!]! });
        continue;
      }
      const v = VERBOSE_LINE.exec(line);
      if (v && v[1]!.includes("::") && !/\s/.test(v[1]!.split("[")[0]!)) {
        const status = PYTEST_STATUS[v[2]!]!;
        const r = results.add({ name: v[1]!, status });
        if (status === "skipped" && v[3] && !r.message) r.message = v[3];
      }
    }
  }

  attachSectionMessages(lines, results);
  for (const [id, message] of summaryMessages) {
    const r = results.get(id);
    if (r && !r.message && r.status !== "passed") r.message = message;
  }
  return results.list();
}

function looksLikeNodeId(id: string): boolean {
  return id.includes("::") || /\.py$/.test(id) || /^[\w./-]+$/.test(id);
}

/** `nodeid - message`; node ids may hold " - " inside [params], so prefer ids already seen. */
function splitSummary(rest: string, known: ResultSet): { id: string; message?: string } {
  let best = "";
  for (const name of known.names()) {
    if (name.length > best.length && (rest === name || rest.startsWith(`${name} - `))) best = name;
  }
  if (best) {
    const message = rest.slice(best.length + 3);
    return message ? { id: best, message } : { id: best };
  }
  const m = /^([^\s[]+(?:\[[^\]]*\])?)(?: - (.*))?$/.exec(rest);
  if (m) return m[2] ? { id: m[1]!, message: m[2] } : { id: m[1]! };
  return { id: rest };
}

const FAILURE_HEADER = /^_+ (.+?) _+$/;

/** Reads the FAILURES / ERRORS sections and gives each failing test its message. */
function attachSectionMessages(lines: string[], results: ResultSet): void {
  let inSection = false;
  let current: { title: string; body: string[] } | undefined;
  const blocks: { title: string; body: string[] }[] = [];
  for (const line of lines) {
    const rule = SECTION_RULE.exec(line);
    if (rule) {
      if (current) blocks.push(current);
      current = undefined;
      inSection = /^(failures|errors)$/i.test(rule[1]!);
      continue;
    }
    if (!inSection) continue;
    const header = FAILURE_HEADER.exec(line);
    if (header && !/^(_ )+_?$/.test(line)) {
      if (current) blocks.push(current);
      current = { title: header[1]!, body: [] };
      continue;
    }
    current?.body.push(line);
  }
  if (current) blocks.push(current);

  for (const block of blocks) {
    let title = block.title;
    let collecting = false;
    const phase = /^ERROR at (setup|teardown) of (.+)$/.exec(title);
    if (phase) title = phase[2]!;
    const coll = /^ERROR collecting (.+)$/.exec(title);
    if (coll) {
      title = coll[1]!;
      collecting = true;
    }
    const message = blockMessage(block.body, phase?.[1]);
    if (collecting) {
      results.add({ name: title, status: "error", ...(message ? { message } : {}) });
      continue;
    }
    const target = findByDomain(title, block.body, results);
    if (!target) continue;
    // A teardown error belongs to the error entry; the failure block to the failed one.
    if (
      message &&
      (!target.message || (phase && target.status === "error" && !target.message.includes(message)))
    )
      target.message = target.message && phase ? `${target.message}\n${message}` : message;
  }
}

/** The block's title is the node id without the file, with `::` as `.` (TestC.test_y[p]). */
function findByDomain(title: string, body: string[], results: ResultSet): TestCaseResult | undefined {
  const candidates = results.list().filter((r) => {
    const i = r.name.indexOf("::");
    return i >= 0 && r.name.slice(i + 2).replaceAll("::", ".") === title;
  });
  if (candidates.length <= 1) return candidates[0];
  const files = new Set(body.map((l) => /^([^\s:]+\.py):\d+:/.exec(l)?.[1]).filter(Boolean));
  return (
    candidates.find((c) => files.has(c.name.split("::")[0]!) && c.status !== "passed" && !c.message) ??
    candidates.find((c) => c.status !== "passed" && !c.message) ??
    candidates[0]
  );
}

function blockMessage(body: string[], phase: string | undefined): string | undefined {
  const eLines = body.filter((l) => /^E(\s|$)/.test(l)).map((l) => l.replace(/^E {0,7}/, ""));
  const location = [...body].reverse().find((l) => /^[^\s:][^:]*:\d+: /.test(l));
  let text: string;
  if (eLines.length) text = [...eLines, ...(location ? [location] : [])].join("\n");
  else text = body.slice(-12).join("\n");
  if (phase) text = `(at ${phase}) ${text}`;
  return trimMessage(text);
}

// ---------------------------------------------------------------------------------------------

const UNITTEST_STATUS: [RegExp, TestStatus][] = [
  [/^ok$/, "passed"],
  [/^FAIL$/, "failed"],
  [/^ERROR$/, "error"],
  [/^skipped(?: .*)?$/, "skipped"],
  [/^expected failure$/, "passed"],
  [/^unexpected success$/, "failed"],
];

function unittestStatus(text: string): TestStatus | undefined {
  const t = text.trim();
  for (const [re, status] of UNITTEST_STATUS) if (re.test(t)) return status;
  return undefined;
}

/** `test_x (mod.Class)`, `test_x (mod.Class.test_x)` (3.11+) and subtests `... (i=1)`. */
const UT_TEST = /(\w+) \(([\w.]+)\)(?: \(([^)]*)\))?/g;
const UT_LINE_START = /^\s*(\w+) \(([\w.]+)\)(?: \(([^)]*)\))?/;

/** Django/SWE-bench style id: `test_x (mod.Class)`, dropping Python 3.11's repeated method name. */
export function unittestId(method: string, cls: string): string {
  const suffix = `.${method}`;
  const c = cls.endsWith(suffix) ? cls.slice(0, -suffix.length) : cls;
  return `${method} (${c})`;
}

/**
 * unittest verbose output (`python -m unittest -v`, Django's `runtests.py --verbosity 2`):
 * `test_x (mod.Class) ... ok|FAIL|ERROR|skipped 'why'|expected failure`, docstring lines, a
 * status delayed by the test's own prints, and the FAIL:/ERROR: sections for messages. Names use
 * the SWE-bench form `test_x (mod.Class)`; a failing subtest marks its test failed.
 */
export function parseUnittest(output: string): TestCaseResult[] {
  const lines = normalizeText(output).split("\n");
  const results = new ResultSet();
  const order: string[] = [];
  const seen = (id: string) => {
    if (!order.includes(id)) order.push(id);
  };
  let awaiting: string | undefined; // test whose status comes on a later line
  let docstringFor: string | undefined; // test whose description line follows
  let i = 0;
  for (; i < lines.length; i++) {
    // A test whose status comes later ends its line with " ... " (the trailing blank may be lost).
    const line = lines[i]!.endsWith(" ...") ? `${lines[i]!} ` : lines[i]!;
    if (/^={50,}$/.test(line) || /^-{50,}$/.test(line)) break;
    if (line.includes(" ... ")) {
      const tokens = [...line.matchAll(UT_TEST)].filter((m) =>
        line.slice(m.index! + m[0].length).startsWith(" ... "),
      );
      const statusText = line.slice(line.lastIndexOf(" ... ") + 5);
      let id: string | undefined;
      if (tokens.length) {
        for (const t of tokens) seen(unittestId(t[1]!, t[2]!));
        const last = tokens[tokens.length - 1]!;
        id = unittestId(last[1]!, last[2]!);
      } else if (docstringFor) id = docstringFor;
      docstringFor = undefined;
      if (!id) continue;
      const status = unittestStatus(statusText);
      if (status) {
        // A subtest line (`(i=2) ... FAIL`) reports on its parent test; never downgrade it.
        const reason = /^skipped '(.*)'$/.exec(statusText.trim())?.[1];
        results.add({ name: id, status, ...(reason ? { message: reason } : {}) });
        awaiting = undefined;
      } else awaiting = id;
      continue;
    }
    const start = UT_LINE_START.exec(line);
    if (start && start[0].trim() === line.trim()) {
      docstringFor = unittestId(start[1]!, start[2]!);
      seen(docstringFor);
      continue;
    }
    if (awaiting) {
      const status = unittestStatus(line);
      if (status) {
        results.add({ name: awaiting, status });
        awaiting = undefined;
      }
    }
  }

  // FAIL: / ERROR: sections.
  for (; i < lines.length; i++) {
    const head = /^(FAIL|ERROR|UNEXPECTED SUCCESS): (\w+) \(([\w.]+)\)(?: \(([^)]*)\))?/.exec(lines[i]!);
    if (!head || !/^={50,}$/.test(lines[i - 1] ?? "")) continue;
    const id = unittestId(head[2]!, head[3]!);
    seen(id);
    let j = i + 1;
    if (/^-{50,}$/.test(lines[j] ?? "")) j++;
    const body: string[] = [];
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (/^={50,}$/.test(l)) break;
      if (/^-{50,}$/.test(l) && /^Ran \d+ tests? in/.test(lines[j + 1] ?? "")) break;
      body.push(l);
    }
    const status: TestStatus = head[1] === "ERROR" ? "error" : "failed";
    let message = unittestMessage(body);
    if (head[4] && message) message = `(${head[4]}) ${message}`;
    const prev = results.get(id);
    const r = results.add({ name: id, status: prev && prev.status !== "passed" ? prev.status : status });
    if (message) r.message = r.message && head[4] ? `${r.message}\n${message}` : (r.message ?? message);
    i = j - 1;
  }
  const byName = new Map(results.list().map((r) => [r.name, r]));
  return order.map((id) => byName.get(id)).filter((r): r is TestCaseResult => r !== undefined);
}

/** The exception lines after the traceback's last frame. */
function unittestMessage(body: string[]): string | undefined {
  const tb = body.findIndex((l) => l.startsWith("Traceback"));
  if (tb < 0) return trimMessage(body.join("\n"));
  let last = tb;
  for (let k = tb + 1; k < body.length; k++) if (/^\s/.test(body[k]!) && body[k]!.trim()) last = k;
  const rest = body.slice(last + 1);
  const frame = [...body.slice(tb, last + 1)].reverse().find((l) => /^\s+File "/.test(l));
  const text = rest.join("\n").trim() ? rest.join("\n") : body.slice(tb).join("\n");
  return trimMessage(frame ? `${text.trim()}\n${frame.trim()}` : text);
}
