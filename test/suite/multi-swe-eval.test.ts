/**
 * `suite eval` on a Multi-SWE-bench record (local sandbox, a repository made here): the whole
 * suite runs, the run is graded by Multi-SWE-bench's rule against the record's official runs,
 * and report.json has its shape with the per-test transitions.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log/index.js";
import { evaluatePredictions } from "../../src/suite/index.js";
import { loadTaskFile } from "../../src/task/index.js";
import { tempDir } from "../support/fixtures.js";

function git(dir: string, ...args: string[]) {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], {
    cwd: dir,
    encoding: "utf8",
  }).trim();
}

/** A calculator whose `div` truncates; the fix makes it divide; the test patch adds its test. */
function makeRepo() {
  const dir = tempDir("mswe-repo");
  mkdirSync(join(dir, "tests"));
  writeFileSync(
    join(dir, "calc.py"),
    "def add(a, b):\n    return a + b\n\n\ndef div(a, b):\n    return a // b\n",
  );
  writeFileSync(
    join(dir, "tests", "test_calc.py"),
    "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_add_neg():\n    assert add(-1, 1) == 0\n",
  );
  writeFileSync(join(dir, "conftest.py"), "");
  git(dir, "init", "-q");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "base");
  const base = git(dir, "rev-parse", "HEAD");
  const diffOf = (edit: () => void) => {
    edit();
    const d = git(dir, "diff");
    git(dir, "checkout", "-q", "--", ".");
    return `${d}\n`;
  };
  const testPatch = diffOf(() =>
    writeFileSync(
      join(dir, "tests", "test_calc.py"),
      `${readFileSync(join(dir, "tests", "test_calc.py"), "utf8")}\n\ndef test_div():\n    from calc import div\n    assert div(3, 2) == 1.5\n`,
    ),
  );
  const fix = diffOf(() =>
    writeFileSync(
      join(dir, "calc.py"),
      "def add(a, b):\n    return a + b\n\n\ndef div(a, b):\n    return a / b\n",
    ),
  );
  const breaksAdd = diffOf(() =>
    writeFileSync(
      join(dir, "calc.py"),
      "def add(a, b):\n    return a - b\n\n\ndef div(a, b):\n    return a / b\n",
    ),
  );
  return { dir, base, testPatch, fix, breaksAdd };
}

const ADD = "tests/test_calc.py::test_add";
const NEG = "tests/test_calc.py::test_add_neg";
const DIV = "tests/test_calc.py::test_div";
const res = (passed: string[], failed: string[] = []) => ({
  passed_count: passed.length,
  failed_count: failed.length,
  skipped_count: 0,
  passed_tests: passed,
  failed_tests: failed,
  skipped_tests: [],
});

describe("suite eval of a Multi-SWE-bench task", () => {
  it("grades gold resolved, a regression and the empty patch unresolved, with Multi-SWE-bench's report", async () => {
    const repo = makeRepo();
    const t = { run: "PASS", test: "PASS", fix: "PASS" };
    const record = {
      org: "acme",
      repo: "calc",
      number: 7,
      instance_id: "acme__calc-7",
      base: { sha: repo.base, ref: "main", label: "acme:main" },
      resolved_issues: [{ number: 6, title: "div truncates", body: "3/2 gives 1" }],
      fix_patch: repo.fix,
      test_patch: repo.testPatch,
      f2p_tests: { [DIV]: { run: "NONE", test: "FAIL", fix: "PASS" } },
      p2p_tests: { [ADD]: t, [NEG]: t },
      s2p_tests: {},
      n2p_tests: {},
      run_result: res([ADD, NEG]),
      test_patch_result: res([ADD, NEG], [DIV]),
      fix_patch_result: res([ADD, NEG, DIV]),
      repo_path: repo.dir,
      test_command: "python3 -m pytest -rA -p no:cacheprovider",
    };
    const tasksPath = join(tempDir("mswe-tasks"), "tasks.jsonl");
    writeFileSync(
      tasksPath,
      `${JSON.stringify(record)}\n${JSON.stringify({ ...record, number: 8, instance_id: "acme__calc-8" })}\n${JSON.stringify({ ...record, number: 9, instance_id: "acme__calc-9" })}\n`,
    );
    const { tasks } = loadTaskFile(tasksPath);
    const out = tempDir("mswe-eval");
    const r = await evaluatePredictions({
      tasks,
      predictions: [
        { instance_id: "acme__calc-7", model_name_or_path: "gold", model_patch: repo.fix },
        { instance_id: "acme__calc-8", model_name_or_path: "m", model_patch: repo.breaksAdd },
        { instance_id: "acme__calc-9", model_name_or_path: "m", model_patch: "" },
      ],
      outDir: out,
      workers: 2,
      sandbox: "local",
      cacheDir: tempDir("cache"),
      timeoutMs: 120_000,
      imageTemplate: null,
      gradeEmpty: true,
      log: silentLogger,
    });
    const by = Object.fromEntries(r.reports.map((x) => [x.instance_id, x]));
    expect(by["acme__calc-7"]).toMatchObject({
      status: "resolved",
      resolved: true,
      tests_status: {
        FAIL_TO_PASS: { success: [DIV], failure: [] },
        PASS_TO_PASS: { success: [ADD, NEG], failure: [] },
      },
    });
    expect(by["acme__calc-8"]).toMatchObject({
      status: "unresolved",
      resolved: false,
      reason: "tests_failed",
    });
    expect(by["acme__calc-8"]!.error).toMatch(/passed in test patch but failed in fix patch/);
    expect(by["acme__calc-9"]).toMatchObject({
      status: "empty_patch",
      resolved: false,
      reason: "empty_patch",
    });

    const report = JSON.parse(readFileSync(join(out, "acme__calc-7", "report.json"), "utf8"));
    expect(report).toMatchObject({
      org: "acme",
      repo: "calc",
      number: 7,
      valid: true,
      error_msg: "",
      f2p_tests: { [DIV]: { run: "NONE", test: "FAIL", fix: "PASS" } },
      p2p_tests: { [ADD]: t, [NEG]: t },
      fix_patch_result: { passed_count: 3, failed_count: 0 },
    });
    expect(Object.keys(report.fixed_tests)).toEqual([DIV]);
    const broken = JSON.parse(readFileSync(join(out, "acme__calc-8", "report.json"), "utf8"));
    expect(broken).toMatchObject({
      valid: false,
      fix_patch_result: { failed_tests: expect.arrayContaining([ADD, NEG]) },
    });
  });
});
