/**
 * The per-task image path: a task that names an image laid out like SWE-bench's published ones
 * (the repository at /testbed, the repository's Python in the conda environment `testbed`,
 * activated by /opt/miniconda3/bin/activate) is graded with its SWE-bench spec's command — not
 * `pytest -rA` — for a django-shaped and a sympy-shaped repository. The image has no pytest at
 * all; its `python` exists only inside the activated environment, and the stand-in runners
 * refuse to run unless the environment is active and the spec's variables are set.
 * Skipped when Docker does not answer; under CI=true that is a failure.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log/index.js";
import { evaluatePredictions, type TaskReport, taskDirName } from "../../src/suite/index.js";
import { loadTaskFile } from "../../src/task/index.js";
import { dockerUp, mustHaveDocker, pythonImage, skipReason } from "../sandbox/docker-env.js";
import { tempDir } from "../support/fixtures.js";

if (!dockerUp && mustHaveDocker) throw new Error("CI=true but the Docker engine does not answer");

const IMAGE = "fixpoint-test/swebench-shaped:1";

/** The conda stand-in: `conda activate NAME` puts the environment's bin first on PATH. */
const ACTIVATE = `conda() {
  if [ "$1" = activate ]; then
    export PATH="/opt/miniconda3/envs/$2/bin:$PATH" CONDA_DEFAULT_ENV="$2"
  fi
}
`;
/** The environment's `python`: runs the stand-in runners (bash scripts with a python shebang). */
const ENV_PYTHON = '#!/bin/bash\nexec bash "$@"\n';

const DJANGO_RUNNER = `#!/usr/bin/env python
# A stand-in for django's tests/runtests.py, printing its runner's lines at --verbosity 2.
[ "$CONDA_DEFAULT_ENV" = testbed ] || { echo "environment testbed not active"; exit 3; }
echo "runtests args: $*"
status=ok
grep -q fixed app/core.txt || status=FAIL
for label in "$@"; do
  case "$label" in --*) continue ;; esac
  echo "test_keep ($label.CoreTests) ... ok"
  echo "test_fix ($label.CoreTests) ... $status"
done
[ "$status" = ok ]
`;

const SYMPY_RUNNER = `#!/usr/bin/env python
# A stand-in for sympy's bin/test, printing its runner's lines with --verbose.
[ "$CONDA_DEFAULT_ENV" = testbed ] || { echo "environment testbed not active"; exit 3; }
[ "$PYTHONWARNINGS" = "ignore::UserWarning,ignore::SyntaxWarning" ] || { echo "spec env missing"; exit 4; }
echo "bin/test args: $*"
for f in "$@"; do
  case "$f" in -*) continue ;; esac
  echo "$f[3] "
  echo "test_keep ok"
  if grep -q fixed sympy/core/basic.txt; then echo "test_fix ok"; else echo "test_fix F"; fi
  echo "test_last ok                                                   [OK]"
done
grep -q fixed sympy/core/basic.txt
`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8" });
}

function write(root: string, rel: string, text: string, mode?: number): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
  if (mode) chmodSync(join(root, rel), mode);
}

/** A diff of `rel` from `before` to `after`, made by git in a scratch copy of the repository. */
function diffOf(repo: string, rel: string, after: string): string {
  const copy = tempDir("swe-shaped-diff");
  git(copy, "clone", "-q", repo, ".");
  write(copy, rel, after);
  git(copy, "add", "-A");
  return git(copy, "diff", "--cached");
}

function makeRepo(files: Record<string, [string, number?]>): { path: string; base: string } {
  const path = tempDir("swe-shaped-repo");
  git(path, "init", "-q");
  git(path, "config", "user.email", "t@example.com");
  git(path, "config", "user.name", "t");
  for (const [rel, [text, mode]] of Object.entries(files)) write(path, rel, text, mode);
  git(path, "add", "-A");
  git(path, "commit", "-qm", "base");
  return { path, base: git(path, "rev-parse", "HEAD").trim() };
}

describe.skipIf(!dockerUp)(`SWE-bench-shaped per-task images${skipReason ? ` (${skipReason})` : ""}`, () => {
  beforeAll(async () => {
    const ctx = tempDir("swe-shaped-image");
    write(ctx, "activate", ACTIVATE);
    write(ctx, "python", ENV_PYTHON, 0o755);
    write(
      ctx,
      "Dockerfile",
      [
        "ARG BASE",
        "FROM $BASE",
        "COPY activate /opt/miniconda3/bin/activate",
        "COPY python /opt/miniconda3/envs/testbed/bin/python",
        // No pytest anywhere, and no python outside the environment: only the spec's command can run.
        "RUN dpkg --purge python3-pytest python-is-python3 >/dev/null 2>&1; rm -f /usr/bin/python /usr/bin/pytest && ! python3 -m pytest --version 2>/dev/null && ! command -v python",
        "",
      ].join("\n"),
    );
    execFileSync("docker", ["build", "-q", "--build-arg", `BASE=${await pythonImage()}`, "-t", IMAGE, ctx], {
      stdio: "ignore",
    });
  }, 600_000);

  /** Grades the gold patch and the empty patch (graded anyway) of one task; returns both reports. */
  async function grade(rec: Record<string, unknown>, gold: string) {
    const dir = tempDir("swe-shaped-task");
    const tasksPath = join(dir, "tasks.jsonl");
    writeFileSync(tasksPath, `${JSON.stringify(rec)}\n`);
    const { tasks } = loadTaskFile(tasksPath);
    const out = join(dir, "out");
    const id = rec.instance_id as string;
    const r = await evaluatePredictions({
      tasks,
      predictions: [{ instance_id: id, model_name_or_path: "gold", model_patch: gold }],
      outDir: join(out, "gold"),
      workers: 1,
      sandbox: "docker",
      cacheDir: tempDir("swe-shaped-cache"),
      timeoutMs: 120_000,
      imageTemplate: null,
      log: silentLogger,
    });
    const e = await evaluatePredictions({
      tasks,
      predictions: [{ instance_id: id, model_name_or_path: "empty", model_patch: "" }],
      outDir: join(out, "empty"),
      workers: 1,
      sandbox: "docker",
      cacheDir: tempDir("swe-shaped-cache"),
      timeoutMs: 120_000,
      imageTemplate: null,
      gradeEmpty: true,
      log: silentLogger,
    });
    const taskDir = join(out, "gold", taskDirName(id));
    return {
      gold: r.reports[0] as TaskReport,
      empty: e.reports[0] as TaskReport,
      log: readFileSync(join(taskDir, "test_output.txt"), "utf8"),
      sweReport: existsSync(join(taskDir, "report.json"))
        ? (JSON.parse(readFileSync(join(taskDir, "report.json"), "utf8")) as Record<string, unknown>)
        : null,
      emptyLog: readFileSync(join(out, "empty", taskDirName(id), "test_output.txt"), "utf8"),
    };
  }

  it("django-shaped: runtests.py with dotted labels and the django parser", {
    timeout: 300_000,
  }, async () => {
    const repo = makeRepo({
      "tests/runtests.py": [DJANGO_RUNNER, 0o755],
      "app/core.txt": ["broken\n"],
      "tests/core_app/tests.py": ["# tests\n"],
    });
    const rec = {
      repo: "django/django",
      instance_id: "django__django-90001",
      base_commit: repo.base,
      version: "3.0",
      problem_statement: "core is broken",
      patch: diffOf(repo.path, "app/core.txt", "fixed\n"),
      test_patch: diffOf(repo.path, "tests/core_app/tests.py", "# tests\n# one more\n"),
      FAIL_TO_PASS: JSON.stringify(["test_fix (core_app.tests.CoreTests)"]),
      PASS_TO_PASS: JSON.stringify(["test_keep (core_app.tests.CoreTests)"]),
      repo_path: repo.path,
      image: IMAGE,
    };
    const r = await grade(rec, rec.patch);
    expect(r.gold).toMatchObject({
      status: "resolved",
      resolved: true,
      environment: { source: "task", image: IMAGE },
      test_command: "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1 core_app.tests",
    });
    expect(r.log).toContain(
      "runtests args: --verbosity 2 --settings=test_sqlite --parallel 1 core_app.tests",
    );
    expect(r.log).toMatch(/>>>>> End Test Output\n>>>>> Test Exit Code: 0\n/);
    expect(r.sweReport).toMatchObject({
      [rec.instance_id]: {
        resolved: true,
        tests_status: {
          FAIL_TO_PASS: { success: ["test_fix (core_app.tests.CoreTests)"], failure: [] },
          PASS_TO_PASS: { success: ["test_keep (core_app.tests.CoreTests)"], failure: [] },
        },
      },
    });
    // The test patch alone: FAIL_TO_PASS really fails, and it is the runner's verdict that says so.
    expect(r.empty).toMatchObject({ status: "empty_patch", resolved: false, test_exit_code: 1 });
    expect(r.empty.tests_status?.FAIL_TO_PASS.failure).toEqual(["test_fix (core_app.tests.CoreTests)"]);
    expect(r.emptyLog).toContain("test_fix (core_app.tests.CoreTests) ... FAIL");
  });

  it("sympy-shaped: bin/test with file paths, the spec's PYTHONWARNINGS and the sympy parser", {
    timeout: 300_000,
  }, async () => {
    const repo = makeRepo({
      "bin/test": [SYMPY_RUNNER, 0o755],
      "sympy/core/basic.txt": ["broken\n"],
      "sympy/core/tests/test_basic.py": ["# tests\n"],
    });
    const rec = {
      repo: "sympy/sympy",
      instance_id: "sympy__sympy-90002",
      base_commit: repo.base,
      version: "1.1",
      problem_statement: "basic is broken",
      patch: diffOf(repo.path, "sympy/core/basic.txt", "fixed\n"),
      test_patch: diffOf(repo.path, "sympy/core/tests/test_basic.py", "# tests\n# one more\n"),
      FAIL_TO_PASS: JSON.stringify(["test_fix"]),
      PASS_TO_PASS: JSON.stringify(["test_keep"]),
      repo_path: repo.path,
      image: IMAGE,
    };
    const r = await grade(rec, rec.patch);
    expect(r.gold).toMatchObject({
      status: "resolved",
      test_command: "bin/test -C --verbose sympy/core/tests/test_basic.py",
    });
    expect(r.log).toContain("bin/test args: -C --verbose sympy/core/tests/test_basic.py");
    expect(r.sweReport).toMatchObject({
      [rec.instance_id]: {
        resolved: true,
        tests_status: { FAIL_TO_PASS: { success: ["test_fix"] }, PASS_TO_PASS: { success: ["test_keep"] } },
      },
    });
    expect(r.empty).toMatchObject({ status: "empty_patch", resolved: false });
    expect(r.empty.tests_status?.FAIL_TO_PASS.failure).toEqual(["test_fix"]);
  });
});
