import type { TestCaseResult, TestStatus } from "./types.js";
import { isRecord, normalizeText, ResultSet, secondsToMs, trimMessage } from "./util.js";

/**
 * `go test -json` events (test2json). Names are Go's: `TestName`, `TestName/sub`. A package
 * that failed without a failing test (a build error, a panic outside tests, `[setup failed]`)
 * becomes an `error` named by the package; the plain-text `FAIL pkg [build failed]` lines that
 * older Go versions print among the JSON are read too.
 */
export function parseGoTestJson(output: string): TestCaseResult[] {
  const results = new ResultSet();
  const outputs = new Map<string, string[]>();
  const pkgOutput = new Map<string, string[]>();
  const pkgHasFailedTest = new Set<string>();
  const pkgFailed = new Map<string, string | undefined>();
  const buildOutput: string[] = [];
  const text = normalizeText(output);
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) {
      const plain = /^FAIL\s+(\S+)\s+\[(build failed|setup failed)\]/.exec(line);
      if (plain) pkgFailed.set(plain[1]!, plain[2]);
      else if (line.trim() && !/^(ok|FAIL|PASS)\b/.test(line)) buildOutput.push(line);
      continue;
    }
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isRecord(ev)) continue;
    const action = String(ev.Action ?? "");
    const pkg = String(ev.Package ?? ev.ImportPath ?? "");
    const test = typeof ev.Test === "string" ? ev.Test : undefined;
    if (action === "build-output" && typeof ev.Output === "string") {
      buildOutput.push(ev.Output.replace(/\n$/, ""));
      continue;
    }
    if (!test) {
      if (action === "output" && typeof ev.Output === "string")
        pkgOutput.set(pkg, [...(pkgOutput.get(pkg) ?? []), ev.Output]);
      if (action === "fail")
        pkgFailed.set(pkg, typeof ev.FailedBuild === "string" ? "build failed" : undefined);
      continue;
    }
    const key = `${pkg}\u0000${test}`;
    if (action === "output" && typeof ev.Output === "string") {
      outputs.set(key, [...(outputs.get(key) ?? []), ev.Output]);
      continue;
    }
    const status: TestStatus | undefined =
      action === "pass" ? "passed" : action === "fail" ? "failed" : action === "skip" ? "skipped" : undefined;
    if (!status) continue;
    if (status === "failed") pkgHasFailedTest.add(pkg);
    const durationMs = secondsToMs(ev.Elapsed);
    const message = status === "passed" ? undefined : goMessage(outputs.get(key) ?? [], status);
    results.add({
      name: test,
      status,
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(message ? { message } : {}),
    });
  }
  for (const [pkg, why] of pkgFailed) {
    if (pkgHasFailedTest.has(pkg)) continue;
    const own = (pkgOutput.get(pkg) ?? []).join("").split("\n");
    const related = buildOutput.filter((l) => !l.startsWith("{"));
    const detail = why === "build failed" || why === "setup failed" ? related : own.slice(-20);
    const message = trimMessage([`${why ?? "package failed"}`, ...detail].join("\n"));
    results.add({ name: pkg, status: "error", ...(message ? { message } : {}) });
  }
  return results.list();
}

function goMessage(lines: string[], status: TestStatus): string | undefined {
  const kept = lines
    .join("")
    .split("\n")
    .filter((l) => !/^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (FAIL|PASS|SKIP):)/.test(l));
  // A panic's goroutine dump is long; the panic line and the test's own frame say enough.
  const dump = kept.findIndex((l) => /^goroutine \d+ \[/.test(l));
  const body = dump >= 0 ? kept.slice(0, dump) : kept;
  if (dump >= 0) {
    const frame = kept.slice(dump).findIndex((l) => /_test\.go:\d+/.test(l));
    if (frame >= 0) body.push(`at ${kept[dump + frame]!.trim()}`);
  }
  const msg = trimMessage(body.join("\n"));
  return msg ?? (status === "skipped" ? undefined : "failed");
}

/**
 * cargo test / libtest text: `test path::name ... ok|FAILED|ignored[, reason]`, messages from
 * the `---- name stdout ----` blocks (backtraces dropped). Names are libtest's
 * (`module::test_name`). A compile error with no test run becomes one `error` per target.
 */
export function parseCargoTest(output: string): TestCaseResult[] {
  const lines = normalizeText(output).split("\n");
  const results = new ResultSet();
  let awaiting: string | undefined;
  const blocks = new Map<string, string[]>();
  let block: string[] | undefined;
  for (const line of lines) {
    const t = /^test (\S+)(?: - should panic)?(?: - compile(?: fail)?)? \.\.\. (.*)$/.exec(line);
    if (t) {
      block = undefined;
      const status = cargoStatus(t[2]!);
      if (status) {
        const reason = /^ignored, (.*)$/.exec(t[2]!)?.[1];
        results.add({ name: t[1]!, status: status, ...(reason ? { message: reason } : {}) });
        awaiting = undefined;
      } else awaiting = t[1];
      continue;
    }
    if (awaiting) {
      const status = cargoStatus(line.trim());
      if (status) {
        results.add({ name: awaiting, status });
        awaiting = undefined;
        continue;
      }
    }
    const head = /^---- (\S+) std(?:out|err) ----$/.exec(line);
    if (head) {
      block = [];
      blocks.set(head[1]!, block);
      continue;
    }
    if (block) {
      if (/^(failures:|successes:)$/.test(line) || /^test result: /.test(line)) block = undefined;
      else block.push(line);
    }
  }
  for (const [name, body] of blocks) {
    const r = results.get(name);
    if (!r || r.status === "passed") continue;
    const message = cargoMessage(body);
    if (message) r.message = message;
  }
  // Compile errors: no test ran for that target.
  const text = lines.join("\n");
  for (const m of text.matchAll(/^error: could not compile `([^`]+)`(?: \(([^)]+)\))?.*$/gm)) {
    const errors = lines.filter(
      (l) => /^error(\[E\d+\])?: /.test(l) && !/could not compile|aborting due/.test(l),
    );
    const locations = lines.filter((l) => /^\s*--> /.test(l)).map((l) => l.trim());
    const detail = errors.map((e, i) => (locations[i] ? `${e}\n  ${locations[i]}` : e));
    const message = trimMessage([`build failed: ${m[0].replace(/^error: /, "")}`, ...detail].join("\n"));
    results.add({
      name: `build ${m[1]}${m[2] ? ` (${m[2]})` : ""}`,
      status: "error",
      ...(message ? { message } : {}),
    });
  }
  return results.list();
}

function cargoStatus(text: string): TestStatus | undefined {
  if (text === "ok") return "passed";
  if (text === "FAILED") return "failed";
  if (/^ignored\b/.test(text)) return "skipped";
  if (/^bench:/.test(text)) return "passed";
  return undefined;
}

function cargoMessage(body: string[]): string | undefined {
  const kept: string[] = [];
  let inBacktrace = false;
  for (const line of body) {
    if (/^stack backtrace:$/.test(line)) {
      inBacktrace = true;
      continue;
    }
    if (inBacktrace) {
      if (/^\s+(\d+:|at )/.test(line)) continue;
      inBacktrace = false;
    }
    if (/^note: (Some details are omitted|run with `RUST_BACKTRACE)/.test(line)) continue;
    kept.push(line);
  }
  return trimMessage(kept.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// JUnit XML: a small reader that is enough for test reports (no DTDs, no namespaces needed).

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

export function decodeXmlEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (all, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(Number.parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? all;
  });
}

/** Parses one or more XML documents (concatenated reports) into element trees. */
export function parseXml(input: string): XmlElement[] {
  const roots: XmlElement[] = [];
  const stack: XmlElement[] = [];
  const text = input.replace(/^\uFEFF/, "");
  let i = 0;
  const appendText = (t: string) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt < 0) {
      appendText(decodeXmlEntities(text.slice(i)));
      break;
    }
    if (lt > i) appendText(decodeXmlEntities(text.slice(i, lt)));
    if (text.startsWith("<![CDATA[", lt)) {
      const end = text.indexOf("]]>", lt + 9);
      const stop = end < 0 ? text.length : end;
      appendText(text.slice(lt + 9, stop));
      i = stop + 3;
      continue;
    }
    if (text.startsWith("<!--", lt)) {
      const end = text.indexOf("-->", lt + 4);
      i = end < 0 ? text.length : end + 3;
      continue;
    }
    if (text.startsWith("<?", lt) || text.startsWith("<!", lt)) {
      const end = text.indexOf(">", lt);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    const tagEnd = findTagEnd(text, lt);
    const raw = text.slice(lt + 1, tagEnd);
    i = tagEnd + 1;
    if (raw.startsWith("/")) {
      const name = raw.slice(1).trim();
      // Pop to the matching element; tolerate stray closing tags.
      const at = stack.map((e) => e.name).lastIndexOf(name);
      if (at >= 0) stack.length = at;
      continue;
    }
    const selfClosing = raw.endsWith("/");
    const body = selfClosing ? raw.slice(0, -1) : raw;
    const nameMatch = /^[^\s/>]+/.exec(body);
    if (!nameMatch) continue;
    const el: XmlElement = { name: nameMatch[0], attrs: {}, children: [], text: "" };
    for (const a of body.slice(nameMatch[0].length).matchAll(/([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
      el.attrs[a[1]!] = decodeXmlEntities(a[3] ?? a[4] ?? "");
    }
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else roots.push(el);
    if (!selfClosing) stack.push(el);
  }
  return roots;
}

/** The `>` that ends a tag, skipping quoted attribute values. */
function findTagEnd(text: string, start: number): number {
  let quote = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ">") return i;
  }
  return text.length;
}

function* walk(el: XmlElement): Generator<XmlElement> {
  yield el;
  for (const c of el.children) yield* walk(c);
}

/**
 * JUnit XML (`<testsuites>`/`<testsuite>`/`<testcase classname name time>` with `<failure>`,
 * `<error>`, `<skipped>`), as written by surefire, pytest `--junitxml`, jest-junit, go-junit-report
 * and others. Names are `classname.name` (just `name` without a classname). pytest's xfail
 * (`<skipped type="pytest.xfail">`) counts as passed, as in its text output.
 */
export function parseJUnitXml(output: string): TestCaseResult[] {
  const results = new ResultSet();
  // Reports may come wrapped in other output (e.g. `cat target/surefire-reports/*.xml`).
  const start = output.search(/<\?xml|<testsuites?\b/);
  if (start < 0) return [];
  for (const root of parseXml(output.slice(start))) {
    for (const el of walk(root)) {
      if (el.name !== "testcase") continue;
      const cls = el.attrs.classname ?? el.attrs.class ?? "";
      const base = el.attrs.name ?? "";
      const name = cls ? `${cls}.${base}` : base;
      let status: TestStatus = "passed";
      let message: string | undefined;
      for (const child of el.children) {
        if (child.name === "failure" || child.name === "error") {
          const s: TestStatus = child.name === "failure" ? "failed" : "error";
          if (status === "passed" || (s === "error" && status === "failed")) status = s;
          message = junitMessage(child, message);
        } else if ((child.name === "skipped" || child.name === "ignored") && status === "passed") {
          if (child.attrs.type === "pytest.xfail") message = `xfail: ${child.attrs.message ?? ""}`.trim();
          else {
            status = "skipped";
            message = child.attrs.message || child.text.trim() || undefined;
          }
        } else if (/^(rerunFailure|flakyFailure|rerunError|flakyError)$/.test(child.name)) {
          // surefire reruns: the final outcome is the testcase's own failure/error element.
        }
      }
      const durationMs = secondsToMs(el.attrs.time);
      results.add({
        name,
        status,
        ...(durationMs !== undefined ? { durationMs } : {}),
        ...(message ? { message } : {}),
      });
    }
  }
  return results.list();
}

function junitMessage(el: XmlElement, previous: string | undefined): string | undefined {
  const attr = el.attrs.message?.trim();
  const body = el.text.trim();
  // The body is usually a stack trace; keep its first lines after the message.
  const bodyHead = body
    .split("\n")
    .filter((l) => !/^\s+at (java|jdk|org\.junit|org\.apache|sun)\./.test(l))
    .slice(0, 12)
    .join("\n");
  let text: string;
  if (attr && bodyHead.includes(attr)) text = bodyHead;
  else if (attr) text = bodyHead ? `${attr}\n${bodyHead}` : attr;
  else text = bodyHead || el.attrs.type || el.name;
  const msg = trimMessage(text);
  return previous && msg ? `${previous}\n${msg}` : msg;
}

/**
 * GoogleTest prints every passing case as a `[ RUN      ]` / `[       OK ]` pair, so a test binary
 * of a hundred cases buries its one failure past any message budget (fmt's format-test: 116
 * cases). Keep what says what failed: each case that did not end OK (its lines, its FAILED line;
 * a case cut short by a crash keeps what it printed) and the summary; drop the passing cases and
 * the `[----------]` banners. Output that is not GoogleTest's comes back unchanged.
 */
export function compactGoogleTestOutput(lines: string[]): string[] {
  const out: string[] = [];
  let open: string[] | null = null;
  for (const line of lines) {
    const t = line.trim();
    if (/^\[ +RUN +\]/.test(t)) {
      if (open) out.push(...open);
      open = [line];
    } else if (/^\[ +OK +\]/.test(t)) {
      open = null;
    } else if (/^\[-{10}\]/.test(t)) {
      // a suite's banner
    } else if (open) {
      open.push(line);
      if (/^\[ +FAILED +\]/.test(t)) {
        out.push(...open);
        open = null;
      }
    } else {
      out.push(line);
    }
  }
  if (open) out.push(...open);
  return out;
}

/**
 * CTest's progress lines, `  3/20 Test  #3: format-test ......   Passed    0.12 sec`, named as
 * Multi-SWE-bench names fmt's tests (the test's name: `format-test`). Passed is a pass; Failed,
 * an Exception (a crash: `***Exception: SegFault`) and a Timeout are failures; `Not Run` (its
 * executable was not built) is an error unless the test is Disabled; Skipped is skipped. With
 * `--output-on-failure` the output printed after a failing test becomes its message (GoogleTest's
 * passing cases left out).
 * Format: CMake's ctest (cmCTestRunTest::EndTest); the official harness reads the same lines
 * (multi-swe-bench/multi-swe-bench, multi_swe_bench/harness/repos/cpp/fmtlib/fmt.py, 06adf198).
 */
export function parseCTest(output: string): TestCaseResult[] {
  const results = new ResultSet();
  const line =
    /^\s*\d+\/\d+\s+Test\s+#\d+:\s+(.+?)\s+\.+\s*(?:\*{3})?(Passed|Failed|Not Run|Skipped|Exception|Timeout|[A-Z][\w ]*?)\b(.*?)\s+([\d.]+) sec\s*$/;
  let open: { name: string; status: TestStatus; durationMs?: number; lines: string[]; why: string } | null =
    null;
  const flush = () => {
    if (!open) return;
    const message =
      open.status === "passed"
        ? undefined
        : trimMessage([open.why, ...compactGoogleTestOutput(open.lines)].filter(Boolean).join("\n"));
    results.add({
      name: open.name,
      status: open.status,
      ...(open.durationMs !== undefined ? { durationMs: open.durationMs } : {}),
      ...(message ? { message } : {}),
    });
    open = null;
  };
  for (const raw of normalizeText(output).split("\n")) {
    const m = line.exec(raw);
    if (!m) {
      // Output of the test before (--output-on-failure), until the next test or the summary.
      if (open && open.status !== "passed") {
        if (/^\s*(Start\s+\d+:|\d+% tests passed|Total Test time|The following tests)/.test(raw)) flush();
        else open.lines.push(raw);
      }
      continue;
    }
    flush();
    const [, name, word, rest] = m;
    const detail = `${word}${rest ?? ""}`.trim();
    let status: TestStatus;
    if (word === "Passed") status = "passed";
    else if (word === "Skipped" || /Disabled/.test(detail)) status = "skipped";
    else if (word === "Not Run") status = "error";
    else status = "failed";
    const durationMs = secondsToMs(m[4]);
    open = {
      name: name!,
      status,
      ...(durationMs !== undefined ? { durationMs } : {}),
      lines: [],
      why: detail,
    };
  }
  flush();
  return results.list();
}

/**
 * Automake's test harness (`make check`): one `PASS: tests/jqtest` line per test, also from
 * subdirectories (jq's bundled oniguruma adds `PASS: test_utf8`…), coloured or not. XFAIL
 * counts as a pass and XPASS as a failure, as automake counts them; ERROR is an error. The name
 * is the rest of the line (a TAP-driven test adds its number and description).
 * Format: GNU Automake's test-driver / tap-driver; Multi-SWE-bench reads PASS/FAIL/SKIP lines
 * (multi-swe-bench/multi-swe-bench, multi_swe_bench/harness/repos/c/jqlang/jq.py, 06adf198).
 */
export function parseAutomake(output: string): TestCaseResult[] {
  const results = new ResultSet();
  const status: Record<string, TestStatus> = {
    PASS: "passed",
    XFAIL: "passed",
    FAIL: "failed",
    XPASS: "failed",
    SKIP: "skipped",
    ERROR: "error",
  };
  for (const raw of normalizeText(output).split("\n")) {
    const m = /^(PASS|FAIL|XFAIL|XPASS|SKIP|ERROR): (\S.*?)\s*$/.exec(raw.trim());
    if (!m) continue;
    const s = status[m[1]!]!;
    results.add({
      name: m[2]!,
      status: s,
      ...(m[1] === "XPASS" ? { message: "unexpected pass (XPASS)" } : {}),
    });
  }
  return results.list();
}
