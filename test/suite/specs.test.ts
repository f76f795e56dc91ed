/**
 * SWE-bench's test specs as data: the YAML files load, cover every (repo, version) of SWE-bench
 * Lite, give the directives SWE-bench's get_test_directives gives, and the eval script prints
 * its markers and exit code in SWE-bench's order.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/common/index.js";
import {
  BUILTIN_SPECS_DIR,
  evalScript,
  findSweTestSpec,
  loadSweSpecFile,
  SWEBENCH_MARKERS,
  type SweTestSpec,
  testDirectivesFor,
} from "../../src/suite/index.js";
import { tempDir } from "../support/fixtures.js";

const LITE = ["swe-bench-lite-test.json", "swe-bench-lite-dev.json"].map((f) => `/work/shared/datasets/${f}`);
const haveLite = LITE.every((f) => existsSync(f));

interface LiteRecord {
  instance_id: string;
  repo: string;
  version: string;
  test_patch: string;
}
function liteRecords(): LiteRecord[] {
  return LITE.flatMap((f) => JSON.parse(readFileSync(f, "utf8")) as LiteRecord[]);
}
function liteRecord(id: string): LiteRecord {
  const r = liteRecords().find((x) => x.instance_id === id);
  if (!r) throw new Error(`no ${id} in the Lite files`);
  return r;
}

const SWE_BENCH_REPOS = [
  "astropy/astropy",
  "django/django",
  "pallets/flask",
  "matplotlib/matplotlib",
  "pylint-dev/pylint",
  "pytest-dev/pytest",
  "psf/requests",
  "scikit-learn/scikit-learn",
  "mwaskom/seaborn",
  "sphinx-doc/sphinx",
  "sympy/sympy",
  "pydata/xarray",
];

/** Runs a script with bash in `cwd`; stdout and the exit status. */
function runBash(script: string, cwd: string): { out: string; status: number | null } {
  const path = join(cwd, "eval.sh");
  writeFileSync(path, script);
  const r = spawnSync("bash", [path], { cwd, encoding: "utf8" });
  return { out: r.stdout, status: r.status };
}

describe("SWE-bench test specs", () => {
  it("loads every YAML file, one per SWE-bench repository, each version of it", () => {
    const files = readdirSync(BUILTIN_SPECS_DIR).filter((f) => f.endsWith(".yaml"));
    const repos = files.map((f) => loadSweSpecFile(join(BUILTIN_SPECS_DIR, f)).repo);
    expect(repos).toEqual(expect.arrayContaining(SWE_BENCH_REPOS));
    for (const [i, f] of files.entries()) {
      expect(f).toBe(`${repos[i]!.replace("/", "__")}.yaml`);
      const file = loadSweSpecFile(join(BUILTIN_SPECS_DIR, f));
      for (const v of Object.keys(file.versions)) {
        const spec = findSweTestSpec(file.repo, v)!;
        expect(spec.versionKnown).toBe(true);
        expect(spec.timeoutS).toBeGreaterThan(0);
      }
    }
  });

  it("encodes the commands of SWE-bench's table", () => {
    const django19 = findSweTestSpec("django/django", "1.9")!;
    expect(django19.testCommand).toBe("./tests/runtests.py --verbosity 2");
    expect(django19.env).toMatchObject({ LANG: "en_US.UTF-8", PYTHONIOENCODING: "utf8" });
    const django32 = findSweTestSpec("django/django", "3.2")!;
    expect(django32).toMatchObject({
      testCommand: "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1",
      directiveStyle: "django",
      logParser: "django",
      timeoutS: 1800,
    });
    expect(django32.preTest).toEqual(["sed -i '/en_US.UTF-8/s/^# //g' /etc/locale.gen && locale-gen"]);
    expect(findSweTestSpec("django/django", "4.2")!.env).toEqual({});
    expect(findSweTestSpec("sympy/sympy", "1.10")).toMatchObject({
      testCommand: "bin/test -C --verbose",
      env: { PYTHONWARNINGS: "ignore::UserWarning,ignore::SyntaxWarning" },
      logParser: "sympy",
    });
    expect(findSweTestSpec("astropy/astropy", "1.3")!.testCommand).toBe(
      "pytest -rA -vv -o console_output_style=classic --tb=no",
    );
    expect(findSweTestSpec("astropy/astropy", "v5.3")).toMatchObject({
      testCommand: "pytest -rA",
      versionKnown: true,
    });
    expect(findSweTestSpec("mwaskom/seaborn", "0.12")!.testCommand).toBe("pytest --no-header -rA");
    expect(findSweTestSpec("psf/requests", "2.10")!.logParser).toBe("pytest_options");
    expect(findSweTestSpec("sphinx-doc/sphinx", "7.1")!.testCommand).toBe("tox --current-env -epy39 -v --");
  });

  it.skipIf(!haveLite)("has a spec for every (repo, version) of SWE-bench Lite, test and dev", () => {
    const pairs = new Set(liteRecords().map((r) => `${r.repo}@${r.version}`));
    expect(pairs.size).toBeGreaterThan(60);
    const missing = [...pairs].filter((p) => {
      const [repo, version] = p.split("@") as [string, string];
      return findSweTestSpec(repo, version)?.versionKnown !== true;
    });
    expect(missing).toEqual([]);
  });

  it("falls back to the defaults for a version SWE-bench does not know, and says so", () => {
    const s = findSweTestSpec("django/django", "9.9")!;
    expect(s).toMatchObject({ versionKnown: false, version: "9.9", env: {}, preTest: [] });
    expect(s.testCommand).toContain("--settings=test_sqlite");
    expect(findSweTestSpec("django/django", undefined)).toMatchObject({ versionKnown: false, version: "" });
    // Not an own key of the versions map, though every object has it.
    expect(findSweTestSpec("django/django", "constructor")?.versionKnown).toBe(false);
    expect(findSweTestSpec("no-such/repo", "1.0")).toBeNull();
    expect(findSweTestSpec("../etc", "1.0")).toBeNull();
  });
});

describe("testDirectivesFor", () => {
  const django = findSweTestSpec("django/django", "3.0")!;
  const sympy = findSweTestSpec("sympy/sympy", "1.12")!;
  const flask = findSweTestSpec("pallets/flask", "2.3")!;

  // Expected values worked out by hand from SWE-bench's rule: the b/ path of every `diff --git`
  // header, data extensions dropped; for django `.py` and a leading `tests/` dropped, / → .
  it.skipIf(!haveLite)("gives django labels for a django test patch (django__django-12915)", () => {
    const r = liteRecord("django__django-12915");
    // The patch adds tests/asgi/project/static/file.txt (data: dropped).
    expect(testDirectivesFor(django, r.test_patch)).toEqual([
      "asgi.tests",
      "staticfiles_tests.test_handlers",
    ]);
  });

  it.skipIf(!haveLite)(
    "turns every django file into a label, __init__ and migrations too (django__django-13448)",
    () => {
      const r = liteRecord("django__django-13448");
      expect(testDirectivesFor(django, r.test_patch)).toEqual([
        "backends.base.app_unmigrated.__init__",
        "backends.base.app_unmigrated.migrations.0001_initial",
        "backends.base.app_unmigrated.migrations.__init__",
        "backends.base.app_unmigrated.models",
        "backends.base.test_creation",
      ]);
    },
  );

  it.skipIf(!haveLite)("gives file paths for sympy (sympy__sympy-24102)", () => {
    const r = liteRecord("sympy__sympy-24102");
    expect(testDirectivesFor(sympy, r.test_patch)).toEqual([
      "sympy/parsing/tests/test_mathematica.py",
      "sympy/testing/quality_unicode.py",
    ]);
  });

  it.skipIf(!haveLite)("gives file paths for pytest, data files dropped (pallets__flask-4992)", () => {
    const r = liteRecord("pallets__flask-4992");
    // tests/static/config.toml is data.
    expect(testDirectivesFor(flask, r.test_patch)).toEqual(["tests/test_config.py"]);
  });

  it.skipIf(!haveLite)("keeps what SWE-bench keeps: .rst files, and a rename's new name only", () => {
    const sphinx = liteRecord("sphinx-doc__sphinx-10451");
    const sphinxSpec = findSweTestSpec(sphinx.repo, sphinx.version)!;
    expect(testDirectivesFor(sphinxSpec, sphinx.test_patch)).toEqual([
      "tests/roots/test-ext-autodoc/target/typehints.py",
      "tests/roots/test-ext-napoleon/conf.py",
      "tests/roots/test-ext-napoleon/index.rst",
      "tests/roots/test-ext-napoleon/mypackage/__init__.py",
      "tests/roots/test-ext-napoleon/mypackage/typehints.py",
      "tests/roots/test-ext-napoleon/typehints.rst",
      "tests/test_ext_autodoc_configs.py",
      "tests/test_ext_napoleon_docstring.py",
    ]);
    const sqlfluff = liteRecord("sqlfluff__sqlfluff-1733");
    const sqlfluffSpec = findSweTestSpec(sqlfluff.repo, sqlfluff.version)!;
    // `rename from test/rules/std_L016_L36_combo.py`: not a directive.
    expect(testDirectivesFor(sqlfluffSpec, sqlfluff.test_patch)).toEqual([
      "test/rules/std_L003_L036_L039_combo_test.py",
      "test/rules/std_L016_L36_combo_test.py",
    ]);
  });

  it("applies the rule to a patch of its own", () => {
    const patch = [
      "diff --git a/tests/forms/tests.py b/tests/forms/tests.py",
      "--- a/tests/forms/tests.py",
      "+++ b/tests/forms/tests.py",
      "@@ -1 +1 @@",
      "-a",
      "+b",
      "diff --git a/tests/forms/data.csv b/tests/forms/data.csv",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/tests/forms/data.csv",
      "@@ -0,0 +1 @@",
      "+x",
      "diff --git a/django/tests/helper.py b/django/tests/helper.py",
      "--- a/django/tests/helper.py",
      "+++ b/django/tests/helper.py",
      "@@ -1 +1 @@",
      "-a",
      "+b",
      "",
    ].join("\n");
    // Only a leading tests/ goes.
    expect(testDirectivesFor(django, patch)).toEqual(["forms.tests", "django.tests.helper"]);
    expect(testDirectivesFor(flask, patch)).toEqual(["tests/forms/tests.py", "django/tests/helper.py"]);
    expect(testDirectivesFor(flask, "not a diff")).toEqual([]);
  });
});

describe("evalScript", () => {
  function fakeSpec(over: Partial<SweTestSpec>): SweTestSpec {
    return {
      repo: "acme/widgets",
      version: "1.0",
      testCommand: "./fake-test --verbose",
      directiveStyle: "pytest",
      logParser: "pytest",
      env: { GREETING: "hello world", QUOTED: "it's" },
      preTest: ["echo pre-test ran", "false"],
      timeoutS: 1800,
      specPath: "/nowhere/acme__widgets.yaml",
      versionKnown: true,
      ...over,
    };
  }
  function checkout(exitCode: number): string {
    const dir = tempDir("specs-eval");
    writeFileSync(
      join(dir, "fake-test"),
      [
        "#!/bin/bash",
        `echo "env: $GREETING / $QUOTED"`,
        `for a in "$@"; do echo "arg: [$a]"; done`,
        "echo 'on stderr' >&2",
        `exit ${exitCode}`,
        "",
      ].join("\n"),
    );
    chmodSync(join(dir, "fake-test"), 0o755);
    return dir;
  }

  it("prints env, pre-test, markers, the test output and its exit code in order, and exits 0", () => {
    const dir = checkout(3);
    const { out, status } = runBash(evalScript(fakeSpec({}), ["tests/test a.py", "tests/b.py"]), dir);
    expect(status).toBe(0);
    const lines = out.split("\n").filter(Boolean);
    expect(lines).toEqual([
      "pre-test ran",
      SWEBENCH_MARKERS.start,
      "env: hello world / it's",
      "arg: [--verbose]",
      "arg: [tests/test a.py]",
      "arg: [tests/b.py]",
      "on stderr",
      SWEBENCH_MARKERS.end,
      `${SWEBENCH_MARKERS.exitCode}: 3`,
    ]);
  });

  it("runs a recipe's install commands after the pre-test steps, before the start marker", () => {
    const dir = checkout(0);
    const { out } = runBash(evalScript(fakeSpec({}), [], ["echo install ran"]), dir);
    const lines = out.split("\n").filter(Boolean);
    expect(lines.slice(0, 3)).toEqual(["pre-test ran", "install ran", SWEBENCH_MARKERS.start]);
  });

  it("records 0 when the tests pass, and 127 when the command is missing", () => {
    const dir = checkout(0);
    const ok = runBash(evalScript(fakeSpec({ preTest: [] }), []), dir);
    expect(ok.status).toBe(0);
    expect(ok.out.trimEnd().split("\n").at(-1)).toBe(`${SWEBENCH_MARKERS.exitCode}: 0`);
    const missing = runBash(evalScript(fakeSpec({ preTest: [], testCommand: "./no-such-runner" }), []), dir);
    expect(missing.status).toBe(0);
    expect(missing.out).toContain(`${SWEBENCH_MARKERS.exitCode}: 127`);
    expect(missing.out.indexOf(SWEBENCH_MARKERS.end)).toBeLessThan(
      missing.out.indexOf(SWEBENCH_MARKERS.exitCode),
    );
  });

  it("writes a real spec's environment and pre-test steps before the start marker", () => {
    const spec = findSweTestSpec("django/django", "3.1")!;
    const script = evalScript(spec, ["asgi.tests"]);
    const start = script.indexOf(SWEBENCH_MARKERS.start);
    expect(script.indexOf("export LANG=en_US.UTF-8")).toBeGreaterThan(0);
    expect(script.indexOf("export LANG=en_US.UTF-8")).toBeLessThan(start);
    expect(script.indexOf("locale-gen")).toBeLessThan(start);
    expect(script).toContain(`${spec.testCommand} asgi.tests\n`);
    expect(script).toContain("source /opt/miniconda3/bin/activate && conda activate testbed");
  });
});

describe("bad spec files", () => {
  const valid = [
    "repo: acme/widgets",
    "defaults:",
    "  test_command: pytest -rA",
    "  directives: pytest",
    "  log_parser: pytest",
    "versions:",
    '  "1.0": {}',
  ];
  function specDir(lines: string[]): string {
    const dir = tempDir("specs-bad");
    writeFileSync(join(dir, "acme__widgets.yaml"), lines.join("\n"));
    return dir;
  }
  function errorOf(lines: string[]): string {
    const dir = specDir(lines);
    try {
      findSweTestSpec("acme/widgets", "1.0", dir);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      const msg = (e as Error).message;
      expect(msg).not.toContain("\n");
      expect(msg).toContain(join(dir, "acme__widgets.yaml"));
      return msg;
    }
    throw new Error("no error");
  }

  it("reads a valid one, with the default timeout", () => {
    expect(findSweTestSpec("acme/widgets", "1.0", specDir(valid))).toMatchObject({
      testCommand: "pytest -rA",
      env: {},
      preTest: [],
      timeoutS: 1800,
      versionKnown: true,
    });
  });

  it("names the file and the field", () => {
    expect(errorOf(valid.map((l) => l.replace("log_parser: pytest", "log_parser: nose")))).toMatch(
      /acme__widgets\.yaml: defaults\.log_parser: /,
    );
    expect(errorOf([...valid, '  "2.0": { timeout: 10 }'])).toMatch(/versions\.2\.0: .*timeout/);
    expect(errorOf([...valid, '  "2.0": { env: { "1BAD": x } }'])).toMatch(
      /versions\.2\.0\.env\.1BAD: .*environment variable name/,
    );
    expect(errorOf(valid.filter((l) => !l.includes("test_command")))).toMatch(/defaults\.test_command: /);
    expect(errorOf([...valid, '  "latest": {}'])).toMatch(/versions\.latest: must be a version/);
    expect(errorOf(valid.map((l) => l.replace("acme/widgets", "acme/gadgets")))).toMatch(
      /repo: is acme\/gadgets/,
    );
  });

  it("refuses an unquoted version that YAML would read as a number", () => {
    expect(errorOf([...valid, "  1.10: {}"])).toMatch(
      /versions: key 1\.10 must be quoted \("1\.10"\).* 1\.1$/,
    );
  });

  it("refuses text that is no YAML", () => {
    expect(errorOf(["repo: [unclosed"])).toMatch(/not valid YAML/);
  });
});
