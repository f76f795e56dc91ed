/**
 * SWE-bench's Python log parsers, for grading runs the way SWE-bench grades them.
 *
 * SWE-bench turns a test log into a map test id → status with a parser chosen per repository
 * (swebench/harness/log_parsers/python.py; statuses from TestStatus in
 * swebench/harness/constants). Its FAIL_TO_PASS / PASS_TO_PASS ids were produced by these same
 * parsers, so a grader must reproduce their cuts and quirks rather than parse the logs well:
 * `parse_log_pytest` keeps only the first word of an id (`test_x[a b]` becomes `test_x[a`),
 * Django's parser records a docstring's first line as the test name, sympy's misses the last
 * test of each file, and so on. The functions below follow SWE-bench at commit 7a21e05
 * (after its skip-summary fix), written in our own code; `parsePytest` and `parseUnittest`
 * are the readable parsers the agent uses, these are only for grading.
 *
 * Python's string semantics are kept where they change results: `split()`/`strip()` use
 * Python's whitespace set, `.` in a pattern stops only at `\n`, `\d` is any Unicode digit.
 * One deliberate difference: SWE-bench stores whatever word stood in the status position
 * (e.g. `ERROR:` from pytest's `ERROR: file or directory not found: x`, which grades as
 * neither passed nor failed); here a line whose status word is not one of the five statuses
 * is ignored, so the map's values are always a `SweStatus`. Likewise a Django line that starts
 * with `FAIL:` or `ERROR:` but has no second word (`ERROR:root:message` from Python's logging),
 * on which SWE-bench's parser raises IndexError, is skipped.
 */

export type SweStatus = "PASSED" | "FAILED" | "SKIPPED" | "ERROR" | "XFAIL";
export type SweLogParser = (log: string) => Map<string, SweStatus>;

const STATUSES: readonly SweStatus[] = ["FAILED", "PASSED", "SKIPPED", "ERROR", "XFAIL"];

const isStatus = (word: string | undefined): word is SweStatus =>
  word !== undefined && (STATUSES as readonly string[]).includes(word);
const startsWithStatus = (line: string) => STATUSES.some((s) => line.startsWith(s));
const endsWithStatus = (line: string) => STATUSES.some((s) => line.endsWith(s));

// Python's str.isspace() set, which split()/strip() and re's \s use. JavaScript's \s differs:
// it adds U+FEFF and lacks U+001C–U+001F and U+0085.
const PY_SPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_SPACE_RUN = new RegExp(`[${PY_SPACE}]+`);
const PY_SPACE_CHAR = new RegExp(`^[${PY_SPACE}]$`);
const isPySpace = (s: string, i: number) => PY_SPACE_CHAR.test(s.charAt(i));

// Scanned by hand: a regex for trailing whitespace backtracks over every inner run.
function pyStrip(s: string): string {
  let end = s.length;
  while (end > 0 && isPySpace(s, end - 1)) end--;
  return pyLstrip(s.slice(0, end));
}
function pyLstrip(s: string): string {
  let start = 0;
  while (start < s.length && isPySpace(s, start)) start++;
  return s.slice(start);
}

/** Python's `s.split()`: words between whitespace runs, none empty. */
function pySplit(s: string): string[] {
  const t = pyStrip(s);
  return t === "" ? [] : t.split(PY_SPACE_RUN);
}

/** Python's `s.rsplit(sep, 1)[0]`. */
function beforeLast(s: string, sep: string): string {
  const at = s.lastIndexOf(sep);
  return at < 0 ? s : s.slice(0, at);
}

/** Python's `s.split(sep, 1)[-1]`. */
function afterFirst(s: string, sep: string): string {
  const at = s.indexOf(sep);
  return at < 0 ? s : s.slice(at + sep.length);
}

function record(map: Map<string, SweStatus>, name: string, status: string | undefined): void {
  if (isStatus(status)) map.set(name, status);
}

// pytest's `SKIPPED [N] path:line: reason` folds N skips into one line; [N] names no test.
// Only SKIPPED: SWE-bench keeps `PASSED [100%]` (a wrapped progress line) because two
// pytest-dev instances list `[100%]` in PASS_TO_PASS.
const SKIP_COUNT = /^\[\p{Nd}+\]$/u;
const isSkipSummary = (status: string, name: string) => status === "SKIPPED" && SKIP_COUNT.test(name);

/** The `-rA` summary line shared by pytest, pytest_options and matplotlib: [status, first word]. */
function summaryWords(line: string): [status: string, name: string] | undefined {
  if (!startsWithStatus(line)) return undefined;
  // SWE-bench drops every " - " of a FAILED line; the id is still only the second word.
  const words = pySplit(line.startsWith("FAILED") ? line.replaceAll(" - ", " ") : line);
  if (words.length <= 1) return undefined;
  const [status, name] = words as [string, string];
  return isSkipSummary(status, name) ? undefined : [status, name];
}

/** `parse_log_pytest`: `STATUS id` lines; the id is the first word after the status. */
function parseSwePytest(log: string): Map<string, SweStatus> {
  const map = new Map<string, SweStatus>();
  for (const line of log.split("\n")) {
    const hit = summaryWords(line);
    if (hit) record(map, hit[1], hit[0]);
  }
  return map;
}

// Python's search with `(.*?)\[(.*)\]`: before the first `[`, and up to the last `]`.
const OPTION = /(.*?)\[(.*)\]/;

/**
 * `parse_log_pytest_options`: as pytest, but a bracketed option that is an absolute path
 * (one leading `/`, no `*`) is shortened to its last component, and anything after the last
 * `]` is dropped: `t.py::test[/usr/lib/x/mod.py]` becomes `t.py::test[/mod.py]`.
 */
function parseSwePytestOptions(log: string): Map<string, SweStatus> {
  const map = new Map<string, SweStatus>();
  for (const line of log.split("\n")) {
    const hit = summaryWords(line);
    if (!hit) continue;
    const [status, word] = hit;
    const m = OPTION.exec(word);
    let name = word;
    if (m) {
      let option = m[2]!;
      if (option.startsWith("/") && !option.startsWith("//") && !option.includes("*")) {
        option = `/${option.split("/").at(-1)}`;
      }
      name = `${m[1]}[${option}]`;
    }
    record(map, name, status);
  }
  return map;
}

/** `parse_log_matplotlib`: pytest after writing MouseButton.LEFT/RIGHT as 1/3, as the ids have them. */
function parseSweMatplotlib(log: string): Map<string, SweStatus> {
  const map = new Map<string, SweStatus>();
  for (const raw of log.split("\n")) {
    const hit = summaryWords(raw.replaceAll("MouseButton.LEFT", "1").replaceAll("MouseButton.RIGHT", "3"));
    if (hit) record(map, hit[1], hit[0]);
  }
  return map;
}

// `\[(\d+)m` (no escape byte: that goes with the control characters) and then \x01-\x1f.
const COLOUR_CODE = /\[\p{Nd}+m/gu;
const CONTROL = /[\x01-\x1f]/g;

/**
 * `parse_log_pytest_v2` (astropy, scikit-learn, sphinx): colour codes and control characters
 * removed, then `STATUS id…` lines keep the whole rest of the line as the id (after cutting a
 * FAILED line at its first " - ", but not an ERROR or XFAIL line), and lines ending in a status
 * (`-o console_output_style=classic` progress lines) give `id… STATUS`. Words are re-joined
 * with single spaces.
 */
function parseSwePytestV2(log: string): Map<string, SweStatus> {
  const map = new Map<string, SweStatus>();
  for (const raw of log.split("\n")) {
    let line = raw.replace(COLOUR_CODE, "").replace(CONTROL, "");
    if (startsWithStatus(line)) {
      if (line.startsWith("FAILED")) line = line.split(" - ")[0]!;
      const words = pySplit(line);
      if (words.length >= 2 && !isSkipSummary(words[0]!, words[1]!)) {
        record(map, words.slice(1).join(" "), words[0]);
      }
    } else if (endsWithStatus(line)) {
      const words = pySplit(line);
      if (words.length >= 2) record(map, words.slice(0, -1).join(" "), words.at(-1));
    }
  }
  return map;
}

/**
 * `parse_log_seaborn`: `FAILED id`, `PASSED id`, and `-v` progress lines `id PASSED [ n%]`;
 * ids are one word. No other status is recorded.
 */
function parseSweSeaborn(log: string): Map<string, SweStatus> {
  const map = new Map<string, SweStatus>();
  for (const line of log.split("\n")) {
    const words = pySplit(line);
    if (words.length < 2) continue;
    if (line.startsWith("FAILED")) map.set(words[1]!, "FAILED");
    else if (line.includes(" PASSED ")) {
      if (words[1] === "PASSED") map.set(words[0]!, "PASSED");
    } else if (line.startsWith("PASSED")) map.set(words[1]!, "PASSED");
  }
  return map;
}

// `(_*) (.*)\.py:(.*) (_*)`: the `____ path.py:test_name ____` headers above each failure.
const SYMPY_HEADER = /(_*) ([^\n]*)\.py:([^\n]*) (_*)/g;

/**
 * `parse_log_sympy`, for sympy's own runner (`bin/test -C --verbose`): `test_x ok|F|E` lines
 * (after stripping; other outcomes such as `f`, `s`, `w` are not recorded), and every
 * `____ file.py:test_x ____` header as FAILED under the id `file.py:test_x`. The last test of
 * each file is printed with `[OK]`/`[FAIL]` after its outcome, so only a header catches it.
 */
function parseSweSympy(log: string): Map<string, SweStatus> {
  const map = new Map<string, SweStatus>();
  const lines = log.split("\n");
  // A match never crosses a line, so only lines holding ".py:" need the (quadratic) pattern.
  for (const line of lines) {
    if (!line.includes(".py:")) continue;
    for (const m of line.matchAll(SYMPY_HEADER)) map.set(`${m[2]}.py:${m[3]}`, "FAILED");
  }
  for (const raw of lines) {
    const line = pyStrip(raw);
    if (!line.startsWith("test_")) continue;
    const name = pySplit(line)[0]!;
    if (line.endsWith(" E")) map.set(name, "ERROR");
    if (line.endsWith(" F")) map.set(name, "FAILED");
    if (line.endsWith(" ok")) map.set(name, "PASSED");
  }
  return map;
}

const DJANGO_PASS_SUFFIXES = [" ... ok", " ... OK", " ...  OK"];
// SWE-bench's one-off for django__django-7188, where a migration line runs into the test's.
const DJANGO_7188 = "Applying sites.0002_alter_domain_unique...test_no_migrations";
const S = `[${PY_SPACE}]`;
// Python's re.MULTILINE `^`/`$` look only at `\n` (JavaScript's `m` flag also at `\r`,
// U+2028 and U+2029), hence the explicit lookarounds.
const DJANGO_INTERRUPTED = [
  `(?:^|(?<=\\n))([^\\n]*?)${S}\\.\\.\\.${S}Testing against Django installed in ([\\s\\S]*?) silenced\\)\\.\\nok(?=\\n|$)`,
  `(?:^|(?<=\\n))([^\\n]*?)${S}\\.\\.\\.${S}Internal Server Error: \\/([^\\n]*)\\/\\nok(?=\\n|$)`,
  // Without the period Django prints after "(0 silenced)": SWE-bench's pattern, as it is.
  `(?:^|(?<=\\n))([^\\n]*?)${S}\\.\\.\\.${S}System check identified no issues \\(0 silenced\\)\\nok(?=\\n|$)`,
].map((p) => new RegExp(p, "g"));

/**
 * `parse_log_django`, for Django's runner at `--verbosity 2`: `name ... ok|OK|skipped …|FAIL|ERROR`
 * lines (the name is everything before ` ... `: `test_x (app.tests.Class)`, or a docstring's
 * first line when the test has one); a bare `ok` line passes the last test named on a
 * ` ... ` line (output between name and status); `FAIL: x (…)`/`ERROR: x (…)` headers record
 * the bare method name `x`. `expected failure` and `unexpected success` are not recorded.
 */
function parseSweDjango(log: string): Map<string, SweStatus> {
  const map = new Map<string, SweStatus>();
  let prevTest: string | undefined;
  for (const raw of log.split("\n")) {
    let line = pyStrip(raw);
    if (line.includes("--version is equivalent to version")) {
      map.set("--version is equivalent to version", "PASSED");
    }
    if (line.includes(" ... ")) prevTest = line.split(" ... ")[0]!;
    for (const suffix of DJANGO_PASS_SUFFIXES) {
      if (!line.endsWith(suffix)) continue;
      if (pyStrip(line).startsWith(DJANGO_7188)) line = pyStrip(afterFirst(line, "..."));
      map.set(beforeLast(line, suffix), "PASSED");
      break;
    }
    if (line.includes(" ... skipped")) map.set(line.split(" ... skipped")[0]!, "SKIPPED");
    if (line.endsWith(" ... FAIL")) map.set(line.split(" ... FAIL")[0]!, "FAILED");
    if (line.startsWith("FAIL:")) {
      const name = pySplit(line)[1];
      if (name !== undefined) map.set(name, "FAILED");
    }
    if (line.endsWith(" ... ERROR")) map.set(line.split(" ... ERROR")[0]!, "ERROR");
    if (line.startsWith("ERROR:")) {
      const name = pySplit(line)[1];
      if (name !== undefined) map.set(name, "ERROR");
    }
    if (pyLstrip(line).startsWith("ok") && prevTest !== undefined) map.set(prevTest, "PASSED");
  }
  for (const pattern of DJANGO_INTERRUPTED) {
    for (const m of log.matchAll(pattern)) map.set(m[1]!, "PASSED");
  }
  return map;
}

/**
 * SWE-bench's parsers by their `parse_log_*` name without the prefix, including its
 * per-repository aliases (`astropy` is `pytest_v2`, `requests` is `pytest_options`, …).
 */
export const SWEBENCH_LOG_PARSERS: Record<string, SweLogParser> = {
  pytest: parseSwePytest,
  pytest_options: parseSwePytestOptions,
  pytest_v2: parseSwePytestV2,
  django: parseSweDjango,
  sympy: parseSweSympy,
  seaborn: parseSweSeaborn,
  matplotlib: parseSweMatplotlib,
  astroid: parseSwePytest,
  flask: parseSwePytest,
  marshmallow: parseSwePytest,
  pvlib: parseSwePytest,
  pyvista: parseSwePytest,
  sqlfluff: parseSwePytest,
  xarray: parseSwePytest,
  pydicom: parseSwePytestOptions,
  requests: parseSwePytestOptions,
  pylint: parseSwePytestOptions,
  astropy: parseSwePytestV2,
  scikit: parseSwePytestV2,
  sphinx: parseSwePytestV2,
};

// SWE-bench's MAP_REPO_TO_PARSER_PY: the 12 SWE-bench repositories and the 6 of its dev split.
const REPO_PARSER: Record<string, string> = {
  "astropy/astropy": "astropy",
  "django/django": "django",
  "marshmallow-code/marshmallow": "marshmallow",
  "matplotlib/matplotlib": "matplotlib",
  "mwaskom/seaborn": "seaborn",
  "pallets/flask": "flask",
  "psf/requests": "requests",
  "pvlib/pvlib-python": "pvlib",
  "pydata/xarray": "xarray",
  "pydicom/pydicom": "pydicom",
  "pylint-dev/astroid": "astroid",
  "pylint-dev/pylint": "pylint",
  "pytest-dev/pytest": "pytest",
  "pyvista/pyvista": "pyvista",
  "scikit-learn/scikit-learn": "scikit",
  "sqlfluff/sqlfluff": "sqlfluff",
  "sphinx-doc/sphinx": "sphinx",
  "sympy/sympy": "sympy",
};

/** The `SWEBENCH_LOG_PARSERS` key SWE-bench uses for `owner/name` (case-insensitive), if any. */
export function sweLogParserForRepo(repo: string): string | undefined {
  return Object.hasOwn(REPO_PARSER, repo.toLowerCase()) ? REPO_PARSER[repo.toLowerCase()] : undefined;
}

/** A parser by SWE-bench's name, with or without the `parse_log_` prefix (a task record's `log_parser`). */
export function sweLogParserByName(name: string): SweLogParser | undefined {
  const key = name.startsWith("parse_log_") ? name.slice("parse_log_".length) : name;
  return Object.hasOwn(SWEBENCH_LOG_PARSERS, key) ? SWEBENCH_LOG_PARSERS[key] : undefined;
}
