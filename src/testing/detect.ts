import semver from "semver";
import { escapeRegex, shellQuote } from "../common/index.js";
import type { Sandbox } from "../sandbox/index.js";
import { type Framework, PARSERS, type Parser, resolveFramework } from "./parse.js";
import { JS_NAME_SEPARATOR } from "./parse-js.js";
import { isRecord } from "./util.js";

/** A detected test framework: how to run all tests, how to run some, how to read the output. */
export interface Detection {
  framework: Framework;
  /** Runs the whole suite from the checkout root, asking for machine-readable output. */
  command: string;
  /** Runs only these tests (ids as the parser names them). */
  commandFor(tests: string[]): string;
  parser: Parser;
  /** What we saw that chose it, e.g. `pytest.ini`, `package.json devDependencies.jest`. */
  evidence: string;
}

/** What detection looks for, shown when nothing is found. */
export const DETECTION_SIGNALS: { framework: string; signals: string }[] = [
  {
    framework: "pytest",
    signals:
      "pytest.ini, pyproject.toml [tool.pytest…], setup.cfg [tool:pytest], tox.ini [pytest], conftest.py, tests/test_*.py",
  },
  {
    framework: "unittest",
    signals:
      "a Python project (setup.py, pyproject.toml, test*.py) without pytest; Django's tests/runtests.py",
  },
  { framework: "jest / vitest / mocha / node:test", signals: "package.json devDependencies or scripts.test" },
  { framework: "go test", signals: "go.mod" },
  { framework: "cargo test", signals: "Cargo.toml" },
  { framework: "Maven / Gradle (JUnit XML reports)", signals: "pom.xml, build.gradle, build.gradle.kts" },
];

const PROBE_FILES = [
  "pytest.ini",
  "pyproject.toml",
  "setup.cfg",
  "tox.ini",
  "conftest.py",
  "setup.py",
  "requirements.txt",
  "manage.py",
  "tests/runtests.py",
  "package.json",
  "go.mod",
  "Cargo.toml",
  "pom.xml",
  "build.gradle",
  "build.gradle.kts",
  "gradlew",
  "mvnw",
];

interface Probe {
  files: Set<string>;
  /** Python test files found near the top (tests/test_*.py, test_*.py, *_test.py). */
  pyTests: string[];
  python: string;
  hasPytest: boolean;
  read(path: string): Promise<string | undefined>;
}

async function probe(sandbox: Sandbox): Promise<Probe> {
  const script = [
    `for f in ${PROBE_FILES.join(" ")}; do [ -f "$f" ] && echo "F $f"; done`,
    `find . -maxdepth 3 \\( -name node_modules -o -name .git -o -name .venv -o -name venv \\) -prune -o -type f \\( -name 'test_*.py' -o -name '*_test.py' \\) -print 2>/dev/null | head -n 20 | sed 's/^/P /'`,
    `py=$(command -v python3 || command -v python); [ -n "$py" ] && echo "Y $(basename "$py")" && "$py" -c "import pytest" 2>/dev/null && echo "T pytest"`,
    "true",
  ].join("\n");
  const res = await sandbox.execOnce(script, { cwd: sandbox.root, timeoutMs: 30_000 });
  const files = new Set<string>();
  const pyTests: string[] = [];
  let python = "python3";
  let hasPytest = false;
  for (const line of res.stdout.split("\n")) {
    if (line.startsWith("F ")) files.add(line.slice(2));
    else if (line.startsWith("P ")) pyTests.push(line.slice(2).replace(/^\.\//, ""));
    else if (line.startsWith("Y ")) python = line.slice(2).trim();
    else if (line === "T pytest") hasPytest = true;
  }
  const cache = new Map<string, string | undefined>();
  return {
    files,
    pyTests,
    python,
    hasPytest,
    async read(path) {
      if (!files.has(path)) return undefined;
      if (!cache.has(path)) cache.set(path, await sandbox.readFile(path).catch(() => undefined));
      return cache.get(path);
    },
  };
}

const q = (tests: string[]) => tests.map(shellQuote).join(" ");

function pytestDetection(python: string, evidence: string): Detection {
  const base = `${python} -m pytest -rA -v -p no:cacheprovider`;
  return {
    framework: "pytest",
    command: base,
    commandFor: (tests) => (tests.length ? `${base} ${q(tests)}` : base),
    parser: PARSERS.pytest,
    evidence,
  };
}

/** `test_x (mod.Class)` → `mod.Class.test_x`, the dotted label unittest and Django accept. */
export function unittestLabel(id: string): string {
  const m = /^(\w+) \(([\w.]+)\)$/.exec(id.trim());
  if (!m) return id.trim();
  const cls = m[2]!.endsWith(`.${m[1]}`) ? m[2]!.slice(0, -(m[1]!.length + 1)) : m[2]!;
  return `${cls}.${m[1]}`;
}

function unittestDetection(python: string, django: boolean, evidence: string): Detection {
  const base = django
    ? `${python} tests/runtests.py --verbosity 2 --parallel 1`
    : `${python} -m unittest discover -v -t . -s .`;
  const select = django
    ? `${python} tests/runtests.py --verbosity 2 --parallel 1`
    : `${python} -m unittest -v`;
  return {
    framework: "unittest",
    command: base,
    commandFor: (tests) => (tests.length ? `${select} ${q(tests.map(unittestLabel))}` : base),
    parser: PARSERS.unittest,
    evidence,
  };
}

/** Splits `file > describe > title` ids into files and `describe title` name patterns. */
function jsSelection(tests: string[]): { files: string[]; names: string[]; fileOnly: boolean } {
  const files = new Set<string>();
  const names: string[] = [];
  let fileOnly = false;
  for (const t of tests) {
    const parts = t.split(JS_NAME_SEPARATOR);
    if (parts.length > 1 && /\.[cm]?[jt]sx?$/.test(parts[0]!)) {
      files.add(parts[0]!);
      names.push(parts.slice(1).join(" "));
    } else if (/\.[cm]?[jt]sx?$/.test(t)) {
      files.add(t);
      fileOnly = true;
    } else names.push(parts.join(" "));
  }
  return { files: [...files], names, fileOnly };
}

function namePattern(names: string[]): string {
  return `^(?:${names.map(escapeRegex).join("|")})$`;
}

function jsDetection(
  framework: "jest" | "vitest" | "mocha" | "node:test",
  evidence: string,
  runner?: string,
  jestCi = true,
): Detection {
  const bases: Record<typeof framework, string> = {
    jest: `npx jest${jestCi ? " --ci" : ""} --json`,
    vitest: "npx vitest run --reporter=json",
    mocha: "npx mocha --reporter json",
    "node:test": "node --test --test-reporter=tap",
  };
  const base = runner ?? bases[framework];
  return {
    framework,
    command: base,
    commandFor: (tests) => {
      if (!tests.length) return base;
      const { files, names, fileOnly } = jsSelection(tests);
      const parts = [base];
      if (framework === "node:test") {
        // node:test names carry no file; match the innermost titles.
        const titles = tests.map((t) => t.split(JS_NAME_SEPARATOR).pop()!);
        parts.push(`--test-name-pattern=${shellQuote(namePattern(titles))}`);
        if (files.length) parts.push(q(files));
        return parts.join(" ");
      }
      if (files.length) parts.push(q(files));
      if (names.length && !fileOnly) {
        const flag = framework === "mocha" ? "--grep" : "-t";
        parts.push(flag, shellQuote(namePattern(names)));
      }
      return parts.join(" ");
    },
    parser: PARSERS[framework],
    evidence,
  };
}

/** Top-level Go test names of a selection, as one `-run` pattern (null when none). */
function goRunPattern(tests: string[]): string | null {
  const top = [
    ...new Set(tests.filter((t) => /^\w+/.test(t) && !t.includes(".")).map((t) => t.split("/")[0]!)),
  ];
  return top.length ? `^(${top.join("|")})$` : null;
}

function goDetection(): Detection {
  const base = "go test -json ./...";
  return {
    framework: "go",
    command: base,
    commandFor: (tests) => selectionCommand("go", base, tests),
    parser: PARSERS.go,
    evidence: "go.mod",
  };
}

/**
 * Whether the framework can run the tests of one file. ctest and automake's `make check` name
 * tests by executable or script, built from sources no file path maps onto: the gate runs their
 * whole suite (a selection of test names still works for ctest, not for `make check`, whose
 * `TESTS=` would reach every subdirectory's make).
 */
export function selectsByFile(framework: string | undefined): boolean {
  return framework !== "ctest" && framework !== "automake";
}

/** The test name a C/C++ test source usually builds (`test/chrono-test.cc` → `chrono-test`). */
function ctestNameOfSource(id: string): string[] {
  const m = /(?:^|\/)([^/]+)\.(?:c|cc|cpp|cxx|c\+\+)$/i.exec(id);
  return m ? [m[1]!] : [];
}

/**
 * Adds a test selection to a configured command in the framework's own syntax (`-run` for go,
 * `--test-name-pattern` for node:test, `-t` for jest/vitest, `--exact` names for cargo, `-R` for
 * ctest); `make check` runs them all; other frameworks take the ids as arguments.
 */
export function selectionCommand(framework: string | undefined, command: string, tests: string[]): string {
  if (!tests.length) return command;
  switch (framework) {
    case "ctest": {
      // An anchored regex of the names, on the last ctest of the command (after the build).
      const i = command.search(/\bctest\b(?![\s\S]*\bctest\b)/);
      if (i < 0) return command;
      // A test source named as a file (`test/chrono-test.cc`) also selects the test named after
      // it (`chrono-test`), as CMake projects usually name a test's executable.
      const names = [...new Set(tests.flatMap((t) => [t, ...ctestNameOfSource(t)]))];
      const select = `ctest -R ${shellQuote(`^(${names.map(escapeRegex).join("|")})$`)}`;
      return command.slice(0, i) + select + command.slice(i + "ctest".length);
    }
    case "automake":
      return command;
    case "go": {
      const pattern = goRunPattern(tests);
      if (!pattern) return command;
      // A function replacement (the pattern holds `$`), after `go test` and its flags, before the packages.
      const run = `-run ${shellQuote(pattern)}`;
      const m = /\bgo test((?:\s+-\S+)*)/.exec(command);
      return m ? command.replace(m[0], () => `${m[0]} ${run}`) : `${command} ${run}`;
    }
    case "node:test": {
      // Test files alone: the configured command already names where its tests are.
      if (tests.every((t) => /\.[cm]?[jt]sx?$/.test(t))) return command;
      // node takes options only before its file arguments: put the pattern right after --test.
      const titles = tests.map((t) => t.split(JS_NAME_SEPARATOR).pop()!);
      const flag = `--test --test-name-pattern=${shellQuote(namePattern(titles))}`;
      return /--test(?=\s|$)/.test(command)
        ? command.replace(/--test(?=\s|$)/, () => flag)
        : jsDetection("node:test", "configured", command).commandFor(tests);
    }
    case "jest":
    case "vitest":
    case "mocha":
      return jsDetection(framework, "configured", command).commandFor(tests);
    case "cargo": {
      const names = tests.filter((t) => !t.startsWith("build "));
      if (!names.length) return command;
      return command.includes(" -- ")
        ? `${command} --exact ${q(names)}`
        : `${command} -- --exact ${q(names)}`;
    }
    case "sympy": {
      // bin/test takes test files (and -k for one keyword): the files of the selected tests.
      const files = [...new Set(tests.map((t) => t.split("::")[0]!).filter((f) => f.endsWith(".py")))];
      return files.length ? `${command} ${q(files)}` : command;
    }
    default:
      return `${command} ${q(tests)}`;
  }
}

function cargoDetection(): Detection {
  const base = "cargo test --no-fail-fast";
  return {
    framework: "cargo",
    command: base,
    commandFor: (tests) => {
      const names = tests.filter((t) => !t.startsWith("build "));
      return names.length ? `${base} -- --exact ${q(names)}` : base;
    },
    parser: PARSERS.cargo,
    evidence: "Cargo.toml",
  };
}

/** `example.CalcTest.adds` / `example.CalcTest.positive(int)[1]` → `CalcTest#adds`. */
function junitSelector(id: string): string {
  const clean = id.replace(/\(.*$/, "").replace(/\[.*$/, "");
  const parts = clean.split(".");
  if (parts.length < 2) return clean;
  const method = parts.pop()!;
  const cls = parts.pop()!;
  return /^[A-Z]/.test(method) ? `${method}` : `${cls}#${method}`;
}

function mavenDetection(wrapper: boolean): Detection {
  const mvn = wrapper ? "./mvnw" : "mvn";
  const reports = "find . -path '*/surefire-reports/TEST-*.xml' -exec cat {} + 2>/dev/null";
  const run = (extra: string) =>
    `find . -type d -name surefire-reports -prune -exec rm -rf {} + 2>/dev/null; ${mvn} -B${extra} test; code=$?; ${reports}; exit $code`;
  return {
    framework: "maven",
    command: run(""),
    commandFor: (tests) =>
      tests.length
        ? run(
            ` -DfailIfNoTests=false -Dsurefire.failIfNoSpecifiedTests=false -Dtest=${shellQuote(tests.map(junitSelector).join(","))}`,
          )
        : run(""),
    parser: PARSERS.maven,
    evidence: "pom.xml",
  };
}

function gradleDetection(wrapper: boolean, evidence: string): Detection {
  const gradle = wrapper ? "./gradlew" : "gradle";
  const reports = "find . -path '*/build/test-results/*' -name 'TEST-*.xml' -exec cat {} + 2>/dev/null";
  const run = (extra: string) =>
    `find . -path '*/build/test-results' -prune -exec rm -rf {} + 2>/dev/null; ${gradle} test --continue${extra}; code=$?; ${reports}; exit $code`;
  return {
    framework: "gradle",
    command: run(""),
    commandFor: (tests) =>
      tests.length
        ? run(tests.map((t) => ` --tests ${shellQuote(t.replace(/\(.*$/, ""))}`).join(""))
        : run(""),
    parser: PARSERS.gradle,
    evidence,
  };
}

/** A detection for a framework the user named (`--framework`, a recipe), with default commands. */
export function detectionFor(framework: string, python = "python3"): Detection | undefined {
  const fw = resolveFramework(framework);
  switch (fw) {
    case "pytest":
      return pytestDetection(python, "configured");
    case "unittest":
      return unittestDetection(python, false, "configured");
    case "jest":
    case "vitest":
    case "mocha":
      return jsDetection(fw, "configured");
    case "go":
      return goDetection();
    case "cargo":
      return cargoDetection();
    case "maven":
      return mavenDetection(false);
    case "gradle":
      return gradleDetection(false, "configured");
    default:
      return undefined;
  }
}

function pytestConfigured(p: Probe, texts: Record<string, string | undefined>): string | undefined {
  if (p.files.has("pytest.ini")) return "pytest.ini";
  if (/^\[tool\.pytest/m.test(texts["pyproject.toml"] ?? "")) return "pyproject.toml [tool.pytest]";
  if (/^\[tool:pytest\]/m.test(texts["setup.cfg"] ?? "")) return "setup.cfg [tool:pytest]";
  if (/^\[pytest\]/m.test(texts["tox.ini"] ?? "")) return "tox.ini [pytest]";
  if (/\bpytest\b/.test(texts["tox.ini"] ?? "")) return "tox.ini (runs pytest)";
  if (p.files.has("conftest.py")) return "conftest.py";
  if (p.pyTests.some((f) => f.includes("conftest.py"))) return "conftest.py";
  return undefined;
}

/** Which JS runner package.json uses: scripts.test first, then devDependencies. */
function jsFromPackageJson(text: string): Detection | undefined {
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(pkg)) return undefined;
  const deps = {
    ...(isRecord(pkg.dependencies) ? pkg.dependencies : {}),
    ...(isRecord(pkg.devDependencies) ? pkg.devDependencies : {}),
  };
  const script = isRecord(pkg.scripts) && typeof pkg.scripts.test === "string" ? pkg.scripts.test.trim() : "";
  const runners: { fw: "jest" | "vitest" | "mocha" | "node:test"; re: RegExp; dep?: string }[] = [
    { fw: "vitest", re: /\bvitest\b/, dep: "vitest" },
    { fw: "jest", re: /\bjest\b/, dep: "jest" },
    { fw: "mocha", re: /\bmocha\b/, dep: "mocha" },
    { fw: "node:test", re: /\bnode\b.*\s--test\b/ },
  ];
  const ci = jestKnowsCi(deps.jest);
  for (const r of runners) {
    if (!r.re.test(script)) continue;
    return jsDetection(r.fw, `package.json scripts.test (${script})`, runnerFromScript(r.fw, script, ci), ci);
  }
  for (const r of runners) {
    if (r.dep && r.dep in deps) return jsDetection(r.fw, `package.json dependency ${r.dep}`, undefined, ci);
  }
  return undefined;
}

/**
 * Whether the declared jest has `--ci` (added in Jest 20; older ones refuse unknown flags).
 * Unknown or unparsable ranges (`latest`, a git URL) are taken as a current jest.
 */
function jestKnowsCi(range: unknown): boolean {
  if (typeof range !== "string") return true;
  const v = semver.minVersion(range.trim() || "*");
  return !v || v.major >= 20 || range.trim() === "*";
}

/**
 * Keeps a simple `scripts.test` (its config flags, paths) and adds our reporter flags; a
 * compound script (`a && b`) is not rewritten, the default command is used instead.
 */
function runnerFromScript(
  fw: "jest" | "vitest" | "mocha" | "node:test",
  script: string,
  jestCi = true,
): string | undefined {
  if (/&&|\|\||;|\||`|\$\(/.test(script)) return undefined;
  const words = script.split(/\s+/);
  if (words.some((w) => /^--(json|reporter|test-reporter)\b/.test(w) || w === "--watch" || w === "-w"))
    return undefined;
  switch (fw) {
    case "jest":
      if (!/^(npx )?jest\b/.test(script)) return undefined;
      return `npx ${script.replace(/^npx /, "")}${jestCi ? " --ci" : ""} --json`;
    case "vitest": {
      if (!/^(npx )?vitest\b/.test(script)) return undefined;
      const rest = script.replace(/^(npx )?vitest\s*(run\b)?/, "").trim();
      return `npx vitest run${rest ? ` ${rest}` : ""} --reporter=json`;
    }
    case "mocha":
      if (!/^(npx )?mocha\b/.test(script)) return undefined;
      return `npx ${script.replace(/^npx /, "")} --reporter json`;
    case "node:test":
      if (!/^node\b/.test(script)) return undefined;
      return script.replace(/\s--test\b/, " --test --test-reporter=tap");
  }
}

/**
 * Detects the repository's test framework from files at the checkout root. Returns null when
 * none is recognised (the caller then needs a configured test command).
 */
export async function detectTestFramework(sandbox: Sandbox): Promise<Detection | null> {
  const p = await probe(sandbox);
  const texts: Record<string, string | undefined> = {};
  for (const f of ["pyproject.toml", "setup.cfg", "tox.ini"]) texts[f] = await p.read(f);

  const pytestEvidence = pytestConfigured(p, texts);
  if (pytestEvidence) return pytestDetection(p.python, pytestEvidence);

  const pkg = await p.read("package.json");
  if (pkg) {
    const js = jsFromPackageJson(pkg);
    if (js) return js;
  }
  if (p.files.has("go.mod")) return goDetection();
  if (p.files.has("Cargo.toml")) return cargoDetection();
  if (p.files.has("pom.xml")) return mavenDetection(p.files.has("mvnw"));
  if (p.files.has("build.gradle") || p.files.has("build.gradle.kts"))
    return gradleDetection(
      p.files.has("gradlew"),
      p.files.has("build.gradle") ? "build.gradle" : "build.gradle.kts",
    );

  if (p.files.has("tests/runtests.py"))
    return unittestDetection(p.python, true, "tests/runtests.py (Django-style runner)");
  const pythonProject =
    p.pyTests.length > 0 ||
    ["setup.py", "pyproject.toml", "setup.cfg", "requirements.txt"].some((f) => p.files.has(f));
  if (pythonProject) {
    const why = p.pyTests[0] ?? [...p.files].find((f) => /\.(py|toml|cfg|txt)$/.test(f)) ?? "python files";
    if (/\bpytest\b/.test(`${texts["pyproject.toml"] ?? ""}${texts["setup.cfg"] ?? ""}`) || p.hasPytest)
      return pytestDetection(p.python, `${why} (pytest installed)`);
    return unittestDetection(p.python, false, `${why} (pytest not installed)`);
  }
  return null;
}
