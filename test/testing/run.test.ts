/**
 * runTests and detection end to end: real temporary git repositories, a real local sandbox
 * (src/sandbox), real pytest / node:test / go processes.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  createLocalSandbox,
  type ExecOptions,
  type ExecResult,
  type Sandbox,
} from "../../src/sandbox/index.js";
import {
  detectTestFramework,
  NO_FRAMEWORK_EXIT_CODE,
  runSelection,
  runTests,
  summarizeTestReport,
} from "../../src/testing/index.js";

const DATA = join(import.meta.dirname, "testdata");
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

function gitRepo(files: Record<string, string>, copyFrom?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "fixpoint-testing-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  if (copyFrom) cpSync(copyFrom, dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: dir,
      stdio: "pipe",
    });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "init", "--allow-empty");
  return dir;
}

async function sandboxFor(repo: string): Promise<Sandbox> {
  const sb = await createLocalSandbox({ repoPath: repo });
  cleanup.push(() => sb.close());
  return sb;
}

const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
const hasPytest = has("python3", ["-c", "import pytest"]);
const hasGo = has("go", ["version"]);

describe("runTests on a pytest project", () => {
  it.skipIf(!hasPytest)("detects pytest, runs the suite and parses every test", async () => {
    const sb = await sandboxFor(gitRepo({}, join(DATA, "pytest/project")));
    const detection = await detectTestFramework(sb);
    expect(detection?.framework).toBe("pytest");
    expect(detection?.evidence).toBe("pytest.ini");

    const report = await runTests(sb, { timeoutMs: 120_000 });
    expect(report.framework).toBe("pytest");
    expect(report.command).toMatch(/-m pytest -rA -v -p no:cacheprovider$/);
    expect(report.exitCode).toBe(1);
    expect(report.counts).toEqual({ passed: 8, failed: 4, skipped: 3, error: 2 });
    expect(report.tests?.find((t) => t.name === "tests/test_calc.py::test_add_wrong")?.message).toContain(
      "two plus two should be five",
    );

    const summary = summarizeTestReport(report, { maxChars: 3000 });
    expect(summary).toContain("17 tests: 8 passed, 4 failed, 2 errors, 3 skipped");
    expect(summary).toContain("FAILED tests/test_calc.py::test_add_param[2-2-5]");
    expect(summary).toContain("ERROR tests/test_calc.py::test_uses_broken");
    expect(summary).not.toContain("PASSED");
  });

  it.skipIf(!hasPytest)("runs only the selected tests", async () => {
    const sb = await sandboxFor(gitRepo({}, join(DATA, "pytest/project")));
    const report = await runTests(sb, {
      tests: ["tests/test_calc.py::test_add", "tests/test_calc.py::TestCalc::test_method_fail"],
    });
    expect(report.tests?.map((t) => [t.name, t.status])).toEqual([
      ["tests/test_calc.py::test_add", "passed"],
      ["tests/test_calc.py::TestCalc::test_method_fail", "failed"],
    ]);
  });

  it.skipIf(!hasPytest)(
    "a selection naming a test that does not exist falls back to the selection's files",
    async () => {
      const sb = await sandboxFor(gitRepo({}, join(DATA, "pytest/project")));
      const tests = ["tests/test_calc.py::test_add", "tests/test_calc.py::test_not_written_yet"];
      // pytest stops before running anything when a named id is missing.
      expect((await runTests(sb, { tests })).tests).toBeUndefined();
      const report = await runSelection(sb, { tests });
      expect(report.tests?.find((t) => t.name === "tests/test_calc.py::test_add")?.status).toBe("passed");
      expect(report.tests?.every((t) => t.name.startsWith("tests/test_calc.py"))).toBe(true);
      expect(report.notes?.[0]).toMatch(/its 1 test file\(s\) ran instead/);
    },
  );

  it.skipIf(!hasPytest)(
    "a configured command is run as given and parsed by the framework it names",
    async () => {
      const sb = await sandboxFor(gitRepo({}, join(DATA, "pytest/project")));
      const report = await runTests(sb, { command: "python3 -m pytest -rA -q tests/test_teardown.py" });
      expect(report.framework).toBe("pytest");
      expect(report.tests?.map((t) => [t.name, t.status])).toEqual([
        ["tests/test_teardown.py::test_with_bad_teardown", "error"],
      ]);
    },
  );
});

describe("runTests on a node:test project", () => {
  it("detects node:test from scripts.test and parses the TAP output", async () => {
    const sb = await sandboxFor(gitRepo({}, join(DATA, "node-test/project")));
    const detection = await detectTestFramework(sb);
    expect(detection?.framework).toBe("node:test");
    const report = await runTests(sb);
    expect(report.command).toBe("node --test --test-reporter=tap");
    expect(report.exitCode).not.toBe(0);
    expect(report.counts).toEqual({ passed: 5, failed: 5, skipped: 2, error: 2 });
    expect(report.tests?.find((t) => t.name === "parser > rejects garbage")).toMatchObject({
      status: "failed",
    });
    expect(report.tests?.find((t) => t.name === "test/broken.test.js")).toMatchObject({ status: "error" });
  });

  it("runs selected tests by name", async () => {
    const sb = await sandboxFor(gitRepo({}, join(DATA, "node-test/project")));
    const report = await runTests(sb, { tests: ["other passes"] });
    expect(report.command).toContain("--test-name-pattern=");
    expect(report.tests?.filter((t) => t.status !== "skipped").map((t) => [t.name, t.status])).toEqual([
      ["test/broken.test.js", "error"], // a file that cannot load fails whatever the filter
      ["other passes", "passed"],
    ]);
  });
});

describe("runTests on a go module", () => {
  it.skipIf(!hasGo)(
    "runs go test -json ./... and parses tests, subtests and the broken package",
    async () => {
      const repo = gitRepo({}, join(DATA, "go/project"));
      const sb = await sandboxFor(repo);
      const report = await runTests(sb, { timeoutMs: 180_000 });
      expect(report.framework).toBe("go");
      expect(report.command).toBe("go test -json ./...");
      expect(report.counts).toEqual({ passed: 7, failed: 4, skipped: 2, error: 1 });
    },
  );
});

describe("runTests with a named framework", () => {
  it("parses a configured command's output with the named parser (aliases accepted)", async () => {
    const xml = readFileSync(join(DATA, "junit/surefire-CalcTest.xml"), "utf8");
    const sb = dirSandbox({ "report.xml": xml });
    const report = await runTests(sb, {
      command: "echo building; cat report.xml; exit 1",
      framework: "junit-xml",
    });
    expect(report.framework).toBe("junit");
    expect(report.counts).toEqual({ passed: 2, failed: 2, skipped: 1, error: 1 });
    const unknown = await runTests(sb, { command: "true", framework: "nose" });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.output).toContain('Unknown test framework "nose"');
  });
});

describe("runTests without a framework", () => {
  it("says what it looked for and how to configure a command", async () => {
    const sb = dirSandbox({ "README.md": "nothing to test\n" });
    expect(await detectTestFramework(sb)).toBeNull();
    const report = await runTests(sb);
    expect(report.exitCode).toBe(NO_FRAMEWORK_EXIT_CODE);
    expect(report.tests).toBeUndefined();
    expect(report.output).toContain("pytest.ini");
    expect(report.output).toContain("go.mod");
    expect(report.output).toContain("test_command");
    expect(report.output).toContain("--test-cmd");
  });

  it("keeps tests undefined when the command failed and printed nothing parsable", async () => {
    const sb = dirSandbox({ "README.md": "x\n" });
    const report = await runTests(sb, {
      command: "echo 'make: *** No rule to make target test' >&2; exit 2",
    });
    expect(report.exitCode).toBe(2);
    expect(report.tests).toBeUndefined();
    expect(report.counts).toBeUndefined();
    const summary = summarizeTestReport(report, { maxChars: 500 });
    expect(summary).toContain("No per-test results");
    expect(summary).toContain("No rule to make target test");
  });
});

/**
 * Detection only reads files, so these cases use a plain folder with real `bash -c` processes
 * instead of a git worktree sandbox (much quicker to set up, same Sandbox interface).
 */
function dirSandbox(files: Record<string, string>): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "fixpoint-detect-"));
  cleanup.push(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  const abs = (p: string) => (isAbsolute(p) ? p : join(root, p));
  const execOnce = async (command: string, options: ExecOptions = {}): Promise<ExecResult> => {
    const started = Date.now();
    const r = spawnSync("bash", ["-c", command], {
      cwd: abs(options.cwd ?? root),
      encoding: "utf8",
      timeout: options.timeoutMs,
    });
    return {
      exitCode: r.status ?? 1,
      stdout: r.stdout ?? "",
      stderr: r.stderr ?? "",
      timedOut: r.error !== undefined,
      cwd: abs(options.cwd ?? root),
      durationMs: Date.now() - started,
    };
  };
  return {
    kind: "local",
    id: "dir",
    root,
    baseCommit: "",
    scratch: join(root, ".scratch"),
    environment: "test",
    health: async () => null,
    exec: execOnce,
    execOnce,
    readFile: async (p) => readFileSync(abs(p), "utf8"),
    writeFile: async (p, c) => writeFileSync(abs(p), c),
    listChangedFiles: async () => [],
    diff: async () => "",
    close: async () => {},
  };
}

describe("detectTestFramework", () => {
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ["go.mod", { "go.mod": "module x\n\ngo 1.19\n" }, "go", /^go test -json \.\/\.\.\.$/],
    ["Cargo.toml", { "Cargo.toml": '[package]\nname = "x"\nversion = "0.1.0"\n' }, "cargo", /^cargo test/],
    ["pom.xml", { "pom.xml": "<project/>\n" }, "maven", /mvn -B test; code=\$\?; find .*surefire-reports/],
    ["build.gradle", { "build.gradle": "plugins { id 'java' }\n" }, "gradle", /gradle test --continue/],
    [
      "jest in devDependencies",
      { "package.json": JSON.stringify({ devDependencies: { jest: "^29" } }) },
      "jest",
      /^npx jest --ci --json$/,
    ],
    [
      // Jest 19 and older refuse --ci (facebook/prop-types pins ^19.0.2).
      "an old jest in devDependencies",
      { "package.json": JSON.stringify({ devDependencies: { jest: "^19.0.2" } }) },
      "jest",
      /^npx jest --json$/,
    ],
    [
      "an old jest in scripts.test",
      {
        "package.json": JSON.stringify({
          scripts: { test: "jest src" },
          devDependencies: { jest: "~18.1.0" },
        }),
      },
      "jest",
      /^npx jest src --json$/,
    ],
    [
      "vitest in scripts.test",
      { "package.json": JSON.stringify({ scripts: { test: "vitest --dir src" } }) },
      "vitest",
      /^npx vitest run --dir src --reporter=json$/,
    ],
    [
      "mocha in scripts.test",
      {
        "package.json": JSON.stringify({
          scripts: { test: "mocha 'spec/**/*.js'" },
          devDependencies: { mocha: "10" },
        }),
      },
      "mocha",
      /^npx mocha 'spec\/\*\*\/\*\.js' --reporter json$/,
    ],
    [
      "pyproject [tool.pytest.ini_options]",
      { "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n" },
      "pytest",
      /-m pytest -rA -v/,
    ],
    ["setup.cfg [tool:pytest]", { "setup.cfg": "[tool:pytest]\ntestpaths = t\n" }, "pytest", /-m pytest/],
    ["tox.ini [pytest]", { "tox.ini": "[pytest]\n" }, "pytest", /-m pytest/],
    ["conftest.py", { "conftest.py": "" }, "pytest", /-m pytest/],
    [
      "Django's tests/runtests.py",
      { "tests/runtests.py": "", "setup.py": "" },
      "unittest",
      /tests\/runtests\.py --verbosity 2/,
    ],
  ];
  for (const [label, files, framework, command] of cases) {
    it(`recognises ${label}`, async () => {
      const d = await detectTestFramework(dirSandbox(files));
      expect(d?.framework).toBe(framework);
      expect(d?.command).toMatch(command);
    });
  }

  it("builds selection commands per framework", async () => {
    const d = await detectTestFramework(dirSandbox({ "tests/runtests.py": "", "setup.py": "" }));
    expect(d?.commandFor(["test_x (mod.tests.Class)"])).toMatch(
      /runtests\.py --verbosity 2 --parallel 1 mod\.tests\.Class\.test_x$/,
    );
    const go = await detectTestFramework(dirSandbox({ "go.mod": "module x\n" }));
    expect(go?.commandFor(["TestTable/negative", "TestAdd"])).toBe(
      "go test -json -run '^(TestTable|TestAdd)$' ./...",
    );
    const jest = await detectTestFramework(
      dirSandbox({ "package.json": JSON.stringify({ devDependencies: { jest: "29" } }) }),
    );
    expect(jest?.commandFor(["test/math.test.js > parser > rejects garbage"])).toBe(
      "npx jest --ci --json test/math.test.js -t '^(?:parser rejects garbage)$'",
    );
  });
});
