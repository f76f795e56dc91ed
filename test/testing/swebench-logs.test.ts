/**
 * SWE-bench's log parsers on logs captured from the real tools (testdata/swebench/README.md),
 * asserting the whole test id → status map, and on the edge cases SWE-bench's own tests pin
 * down. The expected maps are what SWE-bench's Python parsers (commit 7a21e05) return on the
 * same files, cuts and quirks included: they are what datasets' test ids were made with.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  SWEBENCH_LOG_PARSERS,
  type SweStatus,
  sweLogParserByName,
  sweLogParserForRepo,
} from "../../src/testing/index.js";

const DATA = join(import.meta.dirname, "testdata", "swebench");
const read = (p: string) => readFileSync(join(DATA, p), "utf8");
const parse = (parser: string, log: string): Record<string, SweStatus> => {
  const fn = SWEBENCH_LOG_PARSERS[parser];
  if (!fn) throw new Error(`no parser ${parser}`);
  return Object.fromEntries(fn(log));
};

const T = "tests/test_ids.py::";

/** parse_log_pytest on every plain pytest log: the id is the first word after the status. */
const PYTEST: Record<string, SweStatus> = {
  [`${T}test_pass`]: "PASSED",
  [`${T}test_fail`]: "FAILED",
  // `test_words[hello world]` and `test_words[a b - c]` are cut at their first space.
  [`${T}test_words[hello`]: "PASSED",
  [`${T}test_words[x]`]: "PASSED",
  [`${T}test_words[a`]: "FAILED",
  // The shape of SWE-bench's truncated ids (its issue 290).
  [`${T}test_unit[log(photon`]: "PASSED",
  [`${T}test_unit[m**2]`]: "PASSED",
  [`${T}test_path[/usr/lib/python3/dist-packages/pkg/mod.py]`]: "PASSED",
  [`${T}test_path[//server/share/f.py]`]: "PASSED",
  [`${T}test_path[/tmp/*.txt]`]: "FAILED",
  [`${T}test_path[rel/dir/f.py]`]: "PASSED",
  [`${T}test_nested_brackets[[1,`]: "PASSED",
  [`${T}test_nested_brackets[a[0]]`]: "PASSED",
  [`${T}test_button[MouseButton.LEFT]`]: "PASSED",
  [`${T}test_button[MouseButton.RIGHT]`]: "FAILED",
  [`${T}test_xfail`]: "XFAIL",
  [`${T}test_uses_broken`]: "ERROR",
  // PASSED, then ERROR for its teardown: the later line wins.
  [`${T}test_bad_teardown`]: "ERROR",
  [`${T}TestGroup::test_ok`]: "PASSED",
  [`${T}TestGroup::test_fail`]: "FAILED",
  [`${T}TestGroup::test_param[1]`]: "PASSED",
  [`${T}TestGroup::test_param[2]`]: "FAILED",
  // Absent: test_skipped (only `SKIPPED [1] file:line: reason`) and test_xpass (XPASS is no status).
};

const without = (map: Record<string, SweStatus>, ...names: string[]) =>
  Object.fromEntries(Object.entries(map).filter(([k]) => !names.includes(k)));

/** parse_log_pytest_v2 on the summary: the rest of the line is the id. */
const PYTEST_V2_SUMMARY: Record<string, SweStatus> = {
  [`${T}test_pass`]: "PASSED",
  [`${T}test_fail`]: "FAILED",
  [`${T}test_words[hello world]`]: "PASSED",
  [`${T}test_words[x]`]: "PASSED",
  // A FAILED line is cut at its first " - ", here inside the id.
  [`${T}test_words[a b`]: "FAILED",
  [`${T}test_unit[log(photon / m**2 s)]`]: "PASSED",
  [`${T}test_unit[m**2]`]: "PASSED",
  [`${T}test_path[/usr/lib/python3/dist-packages/pkg/mod.py]`]: "PASSED",
  [`${T}test_path[//server/share/f.py]`]: "PASSED",
  [`${T}test_path[/tmp/*.txt]`]: "FAILED",
  [`${T}test_path[rel/dir/f.py]`]: "PASSED",
  [`${T}test_nested_brackets[[1, 2]]`]: "PASSED",
  [`${T}test_nested_brackets[a[0]]`]: "PASSED",
  [`${T}test_button[MouseButton.LEFT]`]: "PASSED",
  [`${T}test_button[MouseButton.RIGHT]`]: "FAILED",
  // ERROR and XFAIL lines keep their " - message" in the id.
  [`${T}test_xfail - known bug`]: "XFAIL",
  [`${T}test_uses_broken - RuntimeError: database connection refused`]: "ERROR",
  [`${T}test_bad_teardown`]: "PASSED",
  [`${T}test_bad_teardown - ValueError: teardown exploded`]: "ERROR",
  [`${T}TestGroup::test_ok`]: "PASSED",
  [`${T}TestGroup::test_fail`]: "FAILED",
  [`${T}TestGroup::test_param[1]`]: "PASSED",
  [`${T}TestGroup::test_param[2]`]: "FAILED",
};

const PLAIN_PYTEST_LOGS = [
  "pytest/rA.txt",
  "pytest/rA-tbno.txt",
  "pytest/rA-v-tbno.txt",
  "pytest/rA-vv-classic.txt",
  "pytest/pytest9-rA-tbno.txt",
];

describe("pytest-family parsers on real pytest logs", () => {
  it.each(PLAIN_PYTEST_LOGS)("pytest (flask, xarray, astroid, …) on %s", (file) => {
    expect(parse("pytest", read(file))).toStrictEqual(PYTEST);
  });

  it.each(PLAIN_PYTEST_LOGS)(
    "pytest_options (requests, pylint, pydicom) on %s: paths in brackets",
    (file) => {
      const { [`${T}test_path[/usr/lib/python3/dist-packages/pkg/mod.py]`]: _, ...rest } = PYTEST;
      // An absolute path option keeps its last component; `//…` and paths with `*` stay whole.
      expect(parse("pytest_options", read(file))).toStrictEqual({
        ...rest,
        [`${T}test_path[/mod.py]`]: "PASSED",
      });
    },
  );

  it.each(PLAIN_PYTEST_LOGS)("matplotlib on %s: MouseButton ids as numbers", (file) => {
    const rest = without(PYTEST, `${T}test_button[MouseButton.LEFT]`, `${T}test_button[MouseButton.RIGHT]`);
    expect(parse("matplotlib", read(file))).toStrictEqual({
      ...rest,
      [`${T}test_button[1]`]: "PASSED",
      [`${T}test_button[3]`]: "FAILED",
    });
  });

  it.each(PLAIN_PYTEST_LOGS)("seaborn on %s: only PASSED and FAILED", (file) => {
    const rest = without(PYTEST, `${T}test_xfail`, `${T}test_uses_broken`, `${T}test_bad_teardown`);
    // The teardown ERROR is not recorded, so the test stays PASSED.
    expect(parse("seaborn", read(file))).toStrictEqual({ ...rest, [`${T}test_bad_teardown`]: "PASSED" });
  });

  it("seaborn's progress-line path (`id PASSED [ n%]`) on a run cut off before its summary", () => {
    const log = read("pytest/rA-v-tbno.txt");
    const progress = log.slice(0, log.indexOf("short test summary info"));
    // Ids with spaces fail the `words[1] == PASSED` check; failures show only in the summary.
    expect(parse("seaborn", progress)).toStrictEqual({
      [`${T}test_pass`]: "PASSED",
      [`${T}test_words[x]`]: "PASSED",
      [`${T}test_unit[m**2]`]: "PASSED",
      [`${T}test_path[/usr/lib/python3/dist-packages/pkg/mod.py]`]: "PASSED",
      [`${T}test_path[//server/share/f.py]`]: "PASSED",
      [`${T}test_path[rel/dir/f.py]`]: "PASSED",
      [`${T}test_nested_brackets[a[0]]`]: "PASSED",
      [`${T}test_button[MouseButton.LEFT]`]: "PASSED",
      [`${T}test_bad_teardown`]: "PASSED",
      [`${T}TestGroup::test_ok`]: "PASSED",
      [`${T}TestGroup::test_param[1]`]: "PASSED",
    });
  });

  it.each(["pytest/rA.txt", "pytest/rA-tbno.txt", "pytest/rA-v-tbno.txt", "pytest/pytest9-rA-tbno.txt"])(
    "pytest_v2 (astropy, scikit-learn, sphinx) on %s: whole ids",
    (file) => {
      expect(parse("pytest_v2", read(file))).toStrictEqual(PYTEST_V2_SUMMARY);
    },
  );

  it("pytest_v2 on astropy's classic -vv output: `id STATUS` progress lines too", () => {
    expect(parse("pytest_v2", read("pytest/rA-vv-classic.txt"))).toStrictEqual({
      ...PYTEST_V2_SUMMARY,
      // Only the progress lines name these two whole.
      [`${T}test_words[a b - c]`]: "FAILED",
      [`${T}test_uses_broken`]: "ERROR",
    });
  });

  it("pytest_v2 strips the colour codes of --color=yes; pytest's parser then finds nothing", () => {
    const summary = read("pytest/rA-color.txt");
    const classic = read("pytest/rA-vv-classic-color.txt");
    expect(summary).toContain("\u001b[32mPASSED\u001b[0m tests/test_ids.py::\u001b[1mtest_pass\u001b[0m");
    expect(parse("pytest_v2", summary)).toStrictEqual(PYTEST_V2_SUMMARY);
    expect(parse("pytest_v2", classic)).toStrictEqual(parse("pytest_v2", read("pytest/rA-vv-classic.txt")));
    for (const name of ["pytest", "pytest_options", "matplotlib", "seaborn"]) {
      expect(parse(name, summary), name).toStrictEqual({});
      expect(parse(name, classic), name).toStrictEqual({});
    }
  });
});

describe("django on Django's runner at --verbosity 2", () => {
  // `C` is how the runner names the class: `shop.tests.C` on 3.9, `shop.tests.C.test_x` on 3.11.
  const expected = (C: (cls: string, test: string) => string): Record<string, SweStatus> => ({
    [`test_database (${C("OrderTests", "test_database")})`]: "PASSED",
    [`test_empty (${C("TotalTests", "test_empty")})`]: "PASSED",
    // Output between name and status: the bare "ok" line passes the last named test.
    [`test_noisy (${C("TotalTests", "test_noisy")})`]: "PASSED",
    // ... but a bare "FAIL" line records nothing; only the FAIL: header, by method name.
    test_noisy_failure: "FAILED",
    [`test_raises (${C("TotalTests", "test_raises")})`]: "ERROR",
    test_raises: "ERROR",
    [`test_skipped (${C("TotalTests", "test_skipped")})`]: "SKIPPED",
    // A docstring's first line stands in for the test's name.
    "Totals include the tax rate.": "PASSED",
    [`test_wrong_total (${C("TotalTests", "test_wrong_total")})`]: "FAILED",
    test_wrong_total: "FAILED",
    "A failing test with a docstring.": "FAILED",
    test_wrong_with_docstring: "FAILED",
    // Absent: test_known_bug (expected failure), test_fixed_bug (unexpected success).
  });

  it("Python 3.9's `test_x (app.tests.Class)` names", () => {
    expect(parse("django", read("django/py39-v2.txt"))).toStrictEqual(expected((cls) => `shop.tests.${cls}`));
  });

  it("Python 3.11's `test_x (app.tests.Class.test_x)` names", () => {
    expect(parse("django", read("django/py311-v2.txt"))).toStrictEqual(
      expected((cls, test) => `shop.tests.${cls}.${test}`),
    );
  });
});

describe("sympy on bin/test -C --verbose", () => {
  const passed = [
    "test_add_eval",
    "test_pow_eval",
    "test_mulpow_eval",
    "test_evalpow_bug",
    "test_symbol_expand",
    "test_scalars",
    "test_matrix",
    "test_dagger_mul",
    "test_eval_adjoint",
    "test_cupy_print",
    "test_not_cupy_print",
    "test_cupy_known_funcs_consts",
  ];
  const asPassed = (names: string[]) => Object.fromEntries(names.map((n) => [n, "PASSED" as const]));

  it("sympy 1.12's own runner: ok/F lines, `____ file.py:test ____` headers as FAILED", () => {
    expect(parse("sympy", read("sympy/bin-test-1.12.txt"))).toStrictEqual({
      ...asPassed(passed),
      test_addmul_eval: "FAILED",
      "sympy/core/tests/test_eval.py:test_addmul_eval": "FAILED",
      // `test_function E   [FAIL]` ends in [FAIL], not " E": only its header records it, as FAILED.
      "sympy/core/tests/test_eval.py:test_function": "FAILED",
      // Absent: each file's last test (`test_Point ok  [OK]`, `test_cupy_print_methods ok  [OK]`),
      // and the f (XFAIL), s (skipped) and w (slow) outcomes.
    });
  });

  it("a recent sympy's runner (--use-sympy-runner) names one header `file.py::test`", () => {
    expect(parse("sympy", read("sympy/bin-test-e950d313-sympy-runner.txt"))).toStrictEqual({
      ...asPassed([...passed, "test_unknown"]),
      test_addmul_eval: "FAILED",
      "sympy/core/tests/test_eval.py::test_addmul_eval": "FAILED",
      "sympy/core/tests/test_eval.py:test_function": "FAILED",
    });
  });

  it("a recent sympy's bin/test runs pytest: the sympy parser keeps only cut summary lines", () => {
    const log = read("sympy/bin-test-e950d313.txt");
    expect(parse("sympy", log)).toStrictEqual({
      "sympy/core/tests/test_eval.py::test_addmul_eval - assert ((a * 2) + a) == (4 *": "FAILED",
      "sympy/core/tests/test_eval.py::test_function - AttributeError: 'Symbol' object has no attribute":
        "FAILED",
    });
    // Without -rA no parser but seaborn's sees the passes.
    expect(parse("pytest", log)).toStrictEqual({
      "sympy/core/tests/test_eval.py::test_addmul_eval": "FAILED",
      "sympy/core/tests/test_eval.py::test_function": "FAILED",
    });
  });
});

describe("edge cases from SWE-bench's tests and code", () => {
  const SKIP_LOG =
    "SKIPPED [1] tests/test_a.py:12: needs network\nPASSED tests/test_a.py::test_real\nSKIPPED [23] tests/test_b.py:4: unsupported platform\n";

  it.each(["pytest", "pytest_options", "pytest_v2", "matplotlib"])(
    "%s drops `SKIPPED [N] file:line: reason`, keeps `SKIPPED id` and `PASSED [100%]`",
    (name) => {
      expect(parse(name, SKIP_LOG)).toStrictEqual({ "tests/test_a.py::test_real": "PASSED" });
      expect(parse(name, "SKIPPED tests/test_a.py::test_flaky")).toStrictEqual({
        "tests/test_a.py::test_flaky": "SKIPPED",
      });
      // pytest-dev instances list the wrapped-progress artefact `[100%]` in PASS_TO_PASS.
      expect(parse(name, "PASSED [100%]")).toStrictEqual({ "[100%]": "PASSED" });
    },
  );

  it("pytest: a FAILED line loses every ' - ', and only the first word is the id", () => {
    expect(parse("pytest", "FAILED - t.py::test_x - boom\nERROR\nPASSED")).toStrictEqual({
      "t.py::test_x": "FAILED",
    });
  });

  it("pytest_options: option from the first `[` to the last `]`, the rest dropped", () => {
    const log = [
      "PASSED t.py::test_a[/home/u/proj/data/in.csv]-extra",
      "PASSED t.py::test_b[//net/share/x.py]",
      "PASSED t.py::test_c[/srv/*/x.py]",
      "PASSED t.py::test_d[x[/a/b.py]]",
      "FAILED t.py::test_e[/a/b/c.py] - AssertionError",
    ].join("\n");
    expect(parse("pytest_options", log)).toStrictEqual({
      "t.py::test_a[/in.csv]": "PASSED",
      "t.py::test_b[//net/share/x.py]": "PASSED",
      "t.py::test_c[/srv/*/x.py]": "PASSED",
      "t.py::test_d[x[/a/b.py]]": "PASSED",
      "t.py::test_e[/c.py]": "FAILED",
    });
  });

  it("pytest_v2: ids with spaces, trailing statuses, bare status words, colour codes", () => {
    expect(
      parse("pytest_v2", "PASSED astropy/units/tests/test_format.py::test_unicode[m⁻\u00b9-unit3 extra]"),
    ).toStrictEqual({ "astropy/units/tests/test_format.py::test_unicode[m⁻\u00b9-unit3 extra]": "PASSED" });
    expect(parse("pytest_v2", "tests/test_a.py::test_x[a b] PASSED")).toStrictEqual({
      "tests/test_a.py::test_x[a b]": "PASSED",
    });
    expect(
      parse("pytest_v2", "FAILED tests/test_a.py::test_x[a b] - AssertionError: expected 1"),
    ).toStrictEqual({ "tests/test_a.py::test_x[a b]": "FAILED" });
    expect(parse("pytest_v2", "PASSED\nFAILED\ntests/test_a.py::test_y PASSED")).toStrictEqual({
      "tests/test_a.py::test_y": "PASSED",
    });
    expect(
      parse("pytest_v2", "\u001b[32mPASSED\u001b[0m tests/test_a.py::\u001b[1mtest_z\u001b[0m"),
    ).toStrictEqual({ "tests/test_a.py::test_z": "PASSED" });
    // Runs of whitespace (a tab is removed outright, as a control character) become one space.
    expect(parse("pytest_v2", "PASSED t.py::test[a  b\tc]")).toStrictEqual({ "t.py::test[a bc]": "PASSED" });
  });

  it("seaborn: the three line shapes; bare status words are ignored", () => {
    const log =
      "test_a.py::test_one PASSED [ 50%]\nPASSED test_b.py::test_two\nFAILED test_c.py::test_three\n";
    expect(parse("seaborn", log)).toStrictEqual({
      "test_a.py::test_one": "PASSED",
      "test_b.py::test_two": "PASSED",
      "test_c.py::test_three": "FAILED",
    });
    const bare =
      "test_a.py::test_one PASSED [ 50%]\nPASSED\nFAILED\n PASSED\ntest_b.py::test_two PASSED [100%]\n";
    expect(parse("seaborn", bare)).toStrictEqual({
      "test_a.py::test_one": "PASSED",
      "test_b.py::test_two": "PASSED",
    });
  });

  it("sympy: indented lines count, other outcome letters do not", () => {
    expect(
      parse("sympy", "  test_a ok\ntest_b F\ntest_c E\ntest_d f\ntest_e s\ntest_f X\nnot_a_test ok"),
    ).toStrictEqual({
      test_a: "PASSED",
      test_b: "FAILED",
      test_c: "ERROR",
    });
  });

  it("django: OK suffixes, the --version test, django__django-7188's run-in line", () => {
    const log = [
      "test_a (m.T) ... OK",
      "test_b (m.T) ...  OK",
      "--version is equivalent to version",
      "Applying sites.0002_alter_domain_unique...test_no_migrations (migrations.test_x.T) ... ok",
      "test_c (m.T) ... skipped 'no db'",
      "test_d (m.T) ... FAIL",
      "test_e (m.T) ... ERROR",
    ].join("\n");
    expect(parse("django", log)).toStrictEqual({
      "test_a (m.T)": "PASSED",
      "test_b (m.T)": "PASSED",
      "--version is equivalent to version": "PASSED",
      "test_no_migrations (migrations.test_x.T)": "PASSED",
      "test_c (m.T)": "SKIPPED",
      "test_d (m.T)": "FAILED",
      "test_e (m.T)": "ERROR",
    });
  });

  it("django: any line starting with 'ok' passes the last test named on a ' ... ' line", () => {
    // Even a failing one, when its output has such a line: SWE-bench's parser does the same.
    const log = "test_f (m.T) ... computing\nokay, computed\nFAIL\n  ok-ish\ntest_g (m.T) ... waiting\nok";
    expect(parse("django", log)).toStrictEqual({ "test_f (m.T)": "PASSED", "test_g (m.T)": "PASSED" });
  });

  it("django: the three interrupted-line patterns, and only as SWE-bench wrote them", () => {
    // Tabs keep " ... " out of the line, so only the multi-line patterns can name these tests.
    const log = [
      "test_a (m.T)\t...\tTesting against Django installed in '/django' with up to 8 processes",
      "System check identified no issues (0 silenced).",
      "ok",
      "test_b (m.T)\t...\tInternal Server Error: /view/",
      "ok",
      "test_d (m.T)\t...\tSystem check identified no issues (0 silenced).",
      "ok",
      "test_c (m.T)\t...\tSystem check identified no issues (0 silenced)",
      "ok",
    ].join("\n");
    // test_d: Django prints a period after "(0 silenced)", SWE-bench's third pattern has none.
    expect(parse("django", log)).toStrictEqual({
      "test_a (m.T)": "PASSED",
      "test_b (m.T)": "PASSED",
      "test_c (m.T)": "PASSED",
    });
    // Python's multi-line `$` matches only before "\n": an "ok" followed by "\r" ends no match.
    expect(parse("django", "test_b (m.T)\t...\tInternal Server Error: /view/\nok\r\n")).toStrictEqual({});
  });

  it("Python's whitespace, not JavaScript's: U+0085 and U+001C split, U+FEFF does not", () => {
    expect(parse("pytest", "PASSED\u0085t.py::a\nPASSED\u001ct.py::b\nPASSED t.py::c\ufeff")).toStrictEqual({
      "t.py::a": "PASSED",
      "t.py::b": "PASSED",
      "t.py::c\ufeff": "PASSED",
    });
    // Python's \d takes any Unicode digit: `[١m` is a colour code to pytest_v2, `[١٢]` a skip count.
    expect(parse("pytest_v2", "PASSED t.py::x[\u0661m]")).toStrictEqual({ "t.py::x]": "PASSED" });
    expect(parse("pytest", "SKIPPED [\u0661\u0662] t.py:3: no\nSKIPPED [x] t.py:4: no")).toStrictEqual({
      "[x]": "SKIPPED",
    });
  });

  it("a status word that is not a status (pytest's `ERROR: file not found`) records nothing", () => {
    // SWE-bench would store {"file": "ERROR:"}, which grades as neither passed nor failed.
    expect(parse("pytest", "ERROR: file or directory not found: tests/x.py\nPASSED t.py::a")).toStrictEqual({
      "t.py::a": "PASSED",
    });
    expect(parse("django", "FAIL:\nERROR:root:boom\ntest_a (m.T) ... ok")).toStrictEqual({
      "test_a (m.T)": "PASSED",
    });
  });
});

describe("the parser table", () => {
  it("has SWE-bench's parsers and its per-repository aliases", () => {
    const P = SWEBENCH_LOG_PARSERS;
    expect(Object.keys(P).sort()).toEqual(
      [
        "pytest",
        "pytest_options",
        "pytest_v2",
        "django",
        "sympy",
        "seaborn",
        "matplotlib",
        "astroid",
        "flask",
        "marshmallow",
        "pvlib",
        "pyvista",
        "sqlfluff",
        "xarray",
        "pydicom",
        "requests",
        "pylint",
        "astropy",
        "scikit",
        "sphinx",
      ].sort(),
    );
    for (const alias of ["astroid", "flask", "marshmallow", "pvlib", "pyvista", "sqlfluff", "xarray"]) {
      expect(P[alias], alias).toBe(P.pytest);
    }
    for (const alias of ["pydicom", "requests", "pylint"]) expect(P[alias], alias).toBe(P.pytest_options);
    for (const alias of ["astropy", "scikit", "sphinx"]) expect(P[alias], alias).toBe(P.pytest_v2);
    const distinct = new Set(
      ["pytest", "pytest_options", "pytest_v2", "django", "sympy", "seaborn", "matplotlib"].map((k) => P[k]),
    );
    expect(distinct.size).toBe(7);
  });

  it("maps SWE-bench's repositories to their parser", () => {
    const table: Record<string, string> = {
      "astropy/astropy": "astropy",
      "django/django": "django",
      "matplotlib/matplotlib": "matplotlib",
      "mwaskom/seaborn": "seaborn",
      "pallets/flask": "flask",
      "psf/requests": "requests",
      "pydata/xarray": "xarray",
      "pylint-dev/pylint": "pylint",
      "pytest-dev/pytest": "pytest",
      "scikit-learn/scikit-learn": "scikit",
      "sphinx-doc/sphinx": "sphinx",
      "sympy/sympy": "sympy",
      "marshmallow-code/marshmallow": "marshmallow",
      "pvlib/pvlib-python": "pvlib",
      "pydicom/pydicom": "pydicom",
      "pylint-dev/astroid": "astroid",
      "pyvista/pyvista": "pyvista",
      "sqlfluff/sqlfluff": "sqlfluff",
    };
    for (const [repo, parser] of Object.entries(table)) {
      expect(sweLogParserForRepo(repo), repo).toBe(parser);
      expect(SWEBENCH_LOG_PARSERS[parser], parser).toBeDefined();
    }
    expect(sweLogParserForRepo("Django/Django")).toBe("django");
    expect(sweLogParserForRepo("octo/unknown")).toBeUndefined();
    expect(sweLogParserForRepo("constructor")).toBeUndefined();
  });

  it("finds a parser by a task record's `log_parser` name", () => {
    expect(sweLogParserByName("parse_log_astropy")).toBe(SWEBENCH_LOG_PARSERS.pytest_v2);
    expect(sweLogParserByName("django")).toBe(SWEBENCH_LOG_PARSERS.django);
    expect(sweLogParserByName("parse_log_gotest")).toBeUndefined();
    expect(sweLogParserByName("toString")).toBeUndefined();
  });
});
