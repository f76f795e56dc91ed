import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTaskFile, parseTaskFile, selectTasks } from "../../src/task/swebench.js";

const good = {
  repo: "psf/requests",
  instance_id: "psf__requests-1",
  base_commit: "a0df2cbb10419037d11d04352b3175405ab52941",
  problem_statement: "It breaks.",
  hints_text: "",
  patch: "diff --git a/x b/x\n",
  test_patch: "",
  FAIL_TO_PASS: '["tests/test_x.py::test_a"]',
  PASS_TO_PASS: ["tests/test_x.py::test_b"],
  version: "2.3",
  environment_setup_commit: "a0df2cbb10419037d11d04352b3175405ab52941",
};

describe("SWE-bench task files", () => {
  it("loads JSONL, reports each bad record with its line number and keeps the rest", () => {
    const lines = [
      JSON.stringify(good),
      "",
      "{not json",
      JSON.stringify({ ...good, instance_id: "psf__requests-2", base_commit: "zzz" }),
      JSON.stringify({ ...good, instance_id: "psf__requests-3", FAIL_TO_PASS: "[1, 2]" }),
      JSON.stringify({ ...good, instance_id: "psf__requests-4", repo: "requests" }),
      JSON.stringify(good),
      JSON.stringify({ ...good, instance_id: "psf__requests-5", version: 2.4 }),
    ];
    const r = parseTaskFile(lines.join("\n"), "t.jsonl", "/tmp");
    expect(r.records).toBe(7);
    expect(r.tasks.map((t) => t.instanceId)).toEqual(["psf__requests-1", "psf__requests-5"]);
    expect(r.errors.map((e) => e.where)).toEqual(["line 3", "line 4", "line 5", "line 6", "line 7"]);
    expect(r.errors[0]!.message).toMatch(/not valid JSON/);
    expect(r.errors[1]!.message).toMatch(/base_commit: must be a commit sha/);
    expect(r.errors[2]!.message).toMatch(/FAIL_TO_PASS\.0/);
    expect(r.errors[3]!.message).toMatch(/repo: must be OWNER\/NAME/);
    expect(r.errors[4]!.message).toMatch(/duplicate instance_id/);
    const t = r.tasks[0]!;
    expect(t.failToPass).toEqual(["tests/test_x.py::test_a"]);
    expect(t.passToPass).toEqual(["tests/test_x.py::test_b"]);
    expect(t.task.repo).toEqual({ kind: "url", url: "https://github.com/psf/requests.git" });
    expect(t.task.baseCommit).toBe(good.base_commit);
    expect(t.task.tests?.failToPass).toEqual(["tests/test_x.py::test_a"]);
    expect(r.tasks[1]!.version).toBe("2.4");
  });

  it("loads a JSON list and reports bad records by index", () => {
    const text = JSON.stringify([good, { ...good, instance_id: "x", problem_statement: 3 }]);
    const r = parseTaskFile(text, "t.json", "/tmp");
    expect(r.tasks).toHaveLength(1);
    expect(r.errors).toEqual([{ where: "index 1", message: expect.stringMatching(/problem_statement/) }]);
  });

  it("reads Multi-SWE-bench and SWE-PolyBench records", () => {
    const multi = {
      org: "cli",
      repo: "cli",
      number: 513,
      base: { label: "cli:trunk", ref: "trunk", sha: "0b8d4e3d6c1f1e9f0d6a3c8c0b7f2e1a9d8c7b6a" },
      resolved_issues: [{ number: 12, title: "Crash", body: "It crashes on start." }],
      fix_patch: "diff --git a/a b/a\n",
      test_patch: "",
      f2p_tests: { TestA: { run: "NONE", test: "FAIL", fix: "PASS" } },
      n2p_tests: { TestNew: {} },
      p2p_tests: { TestB: {} },
    };
    const poly = {
      instance_id: "microsoft__vscode-1",
      repo: "microsoft/vscode",
      base_commit: "0b8d4e3d6c1f1e9f0d6a3c8c0b7f2e1a9d8c7b6a",
      problem_statement: "Broken.",
      patch: "",
      test_patch: "",
      language: "TypeScript",
      test_command: "yarn test",
      F2P: '["suite a"]',
      P2P: "[]",
      Dockerfile: "FROM node",
    };
    const r = parseTaskFile([JSON.stringify(multi), JSON.stringify(poly)].join("\n"), "m.jsonl", "/tmp");
    expect(r.errors).toEqual([]);
    const [m, p] = r.tasks;
    expect(m!.format).toBe("multi-swe-bench");
    expect(m!.instanceId).toBe("cli__cli-513");
    expect(m!.repoName).toBe("cli/cli");
    expect(m!.failToPass).toEqual(["TestA", "TestNew"]);
    expect(m!.passToPass).toEqual(["TestB"]);
    expect(m!.task.problemStatement).toContain("It crashes on start.");
    expect(p!.format).toBe("swe-polybench");
    expect(p!.testCommand).toBe("yarn test");
    expect(p!.failToPass).toEqual(["suite a"]);
    expect(p!.task.environment?.testCommand).toBe("yarn test");
  });

  it("resolves fixpoint's repo_path and script fields against the task file's folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "fp-tasks-"));
    const file = join(dir, "suite.jsonl");
    writeFileSync(file, `${JSON.stringify({ ...good, repo_path: "repos/x", script: "s.yaml" })}\n`);
    const r = loadTaskFile(file);
    expect(r.tasks[0]!.repoPath).toBe(join(dir, "repos/x"));
    expect(r.tasks[0]!.script).toBe(join(dir, "s.yaml"));
    expect(r.tasks[0]!.task.repo).toEqual({ kind: "local", path: join(dir, "repos/x") });
  });

  it("fails with one line for an unreadable or empty file", () => {
    expect(() => loadTaskFile("/no/such/file.jsonl")).toThrow(/cannot read task file/);
    expect(() => parseTaskFile("\n\n", "e.jsonl", "/")).toThrow(/no task records/);
    expect(() => parseTaskFile("[1,", "e.json", "/")).toThrow(/not valid JSON/);
  });

  it("selects instances by id list or regular expression", () => {
    const tasks = ["a__b-1", "a__b-2", "c__d-3"].map((instanceId) => ({ instanceId }));
    expect(selectTasks(tasks, "a__b-2,c__d-3").map((t) => t.instanceId)).toEqual(["a__b-2", "c__d-3"]);
    expect(selectTasks(tasks, "^a__b").map((t) => t.instanceId)).toEqual(["a__b-1", "a__b-2"]);
    expect(selectTasks(tasks, "/D-3$/i").map((t) => t.instanceId)).toEqual(["c__d-3"]);
    expect(() => selectTasks(tasks, "nope")).toThrow(/unknown instance id/);
  });

  const dataset = "/work/shared/datasets/swe-bench-lite-test.json";
  it.skipIf(!existsSync(dataset))("loads every record of SWE-bench Lite", () => {
    const r = loadTaskFile(dataset);
    expect(r.errors).toEqual([]);
    expect(r.tasks).toHaveLength(300);
    const flask = r.tasks.find((t) => t.instanceId === "pallets__flask-4045")!;
    expect(flask.failToPass).toContain("tests/test_blueprints.py::test_dotted_name_not_allowed");
    expect(flask.testPatch).toContain("diff --git");
  });
});
