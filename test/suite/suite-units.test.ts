/**
 * The suite's building blocks without Docker: mirror layouts, the predictions file, per-task
 * model specs, patch application with fallbacks inside a (local) sandbox, recipes, summaries.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log/index.js";
import { createLocalSandbox } from "../../src/sandbox/index.js";
import {
  agentTask,
  applyPatchInSandbox,
  applyTestPatchInSandbox,
  BUILTIN_RECIPES_DIR,
  findInMirror,
  findRecipe,
  histogram,
  PredictionWriter,
  parsePredictions,
  parseSuiteRecipe,
  renderImageTemplate,
  renderModelSpec,
  resolveTaskRepo,
  SWEBENCH_IMAGE_TEMPLATE,
  summarize,
  type TaskReport,
  testDirectives,
} from "../../src/suite/index.js";
import { parseTaskFile, type SuiteTask } from "../../src/task/swebench.js";
import { tempDir } from "../support/fixtures.js";

function gitRepo(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  execFileSync("git", ["init", "-q", "--initial-branch=main"], { cwd: dir });
  for (const [f, c] of Object.entries(files)) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), c);
  }
  execFileSync("git", ["add", "-A"], { cwd: dir });
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"], { cwd: dir });
  return execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" }).trim();
}

function task(repo: string, base: string, extra: Record<string, unknown> = {}): SuiteTask {
  const rec = {
    repo,
    instance_id: `${repo.replace("/", "__")}-1`,
    base_commit: base,
    problem_statement: "x",
    ...extra,
  };
  const r = parseTaskFile(JSON.stringify(rec), "t.jsonl", "/");
  expect(r.errors).toEqual([]);
  return r.tasks[0]!;
}

describe("mirrors", () => {
  it("finds OWNER+NAME/repo (bare), OWNER/NAME (work tree) and OWNER__NAME.git layouts", async () => {
    const mirror = tempDir("mirror");
    const src = tempDir("src");
    const base = gitRepo(src, { "a.txt": "a\n" });
    execFileSync("git", ["clone", "-q", "--bare", src, join(mirror, "o1+r1", "repo")]);
    execFileSync("git", ["clone", "-q", src, join(mirror, "o2", "r2")]);
    execFileSync("git", ["clone", "-q", "--bare", src, join(mirror, "o3__r3.git")]);
    expect(await findInMirror(mirror, "o1/r1")).toBe(join(mirror, "o1+r1", "repo"));
    expect(await findInMirror(mirror, "o2/r2")).toBe(join(mirror, "o2", "r2"));
    expect(await findInMirror(mirror, "o3/r3")).toBe(join(mirror, "o3__r3.git"));
    expect(await findInMirror(mirror, "o4/r4")).toBeNull();

    const before = execFileSync("git", ["count-objects", "-v"], {
      cwd: join(mirror, "o1+r1", "repo"),
      encoding: "utf8",
    });
    const opts = { mirror, cacheDir: tempDir("cache"), log: silentLogger };
    expect(await resolveTaskRepo(task("o1/r1", base), opts)).toBe(join(mirror, "o1+r1", "repo"));
    await expect(resolveTaskRepo(task("o4/r4", base), opts)).rejects.toThrow(/not in the mirror/);
    await expect(resolveTaskRepo(task("o2/r2", "0".repeat(40)), opts)).rejects.toThrow(
      /base commit 0{40} is not in/,
    );
    // A sandbox made from the mirror does not write to it.
    const sb = await createLocalSandbox({ repoPath: join(mirror, "o1+r1", "repo"), baseCommit: base });
    expect(await sb.readFile("a.txt")).toBe("a\n");
    await sb.close();
    expect(
      execFileSync("git", ["count-objects", "-v"], { cwd: join(mirror, "o1+r1", "repo"), encoding: "utf8" }),
    ).toBe(before);
  });

  it("clones a URL repository once into the cache (a local file URL here)", async () => {
    const src = tempDir("src");
    const base = gitRepo(src, { "a.txt": "a\n" });
    const cacheDir = tempDir("cache");
    const t = task("o/r", base);
    t.task.repo = { kind: "url", url: `file://${src}` };
    const repo = await resolveTaskRepo(t, { cacheDir, log: silentLogger });
    expect(repo).toBe(join(cacheDir, "o__r.git"));
    expect(readdirSync(cacheDir)).toEqual(["o__r.git"]);
    expect(await resolveTaskRepo(t, { cacheDir, log: silentLogger })).toBe(repo);
  });
});

describe("predictions.jsonl", () => {
  it("appends whole lines, drops a torn last line and, on redo, the redone instances", async () => {
    const dir = tempDir("preds");
    const path = join(dir, "predictions.jsonl");
    let w = await PredictionWriter.open(path);
    await Promise.all(
      ["a", "b", "c"].map((id) =>
        w.append({ instance_id: id, model_name_or_path: "m", model_patch: `p-${id}\n`.repeat(500) }),
      ),
    );
    appendFileSync(path, '{"instance_id":"d","model_pa');
    w = await PredictionWriter.open(path, new Set(["b"]));
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l).instance_id)).toEqual(["a", "c"]);
    await w.append({ instance_id: "b", model_name_or_path: "m", model_patch: "" });
    const parsed = parsePredictions(readFileSync(path, "utf8"), path);
    expect(parsed.errors).toEqual([]);
    expect(parsed.predictions.map((p) => p.instance_id)).toEqual(["a", "c", "b"]);
  });

  it("reports bad prediction lines by number and keeps the last prediction per instance", () => {
    const text = [
      JSON.stringify({ instance_id: "a", model_patch: "1" }),
      "nope",
      JSON.stringify({ model_patch: "x" }),
      JSON.stringify({ instance_id: "a", model_name_or_path: "m", model_patch: null }),
    ].join("\n");
    const r = parsePredictions(text, "p.jsonl");
    expect(r.errors.map((e) => e.where)).toEqual(["line 2", "line 3"]);
    expect(r.predictions).toEqual([{ instance_id: "a", model_name_or_path: "m", model_patch: "" }]);
  });
});

describe("what the agent is told", () => {
  it("hides FAIL_TO_PASS/PASS_TO_PASS of tasks whose tests come in a test patch", () => {
    const hidden = task("o/r", "a".repeat(40), {
      test_patch: "diff --git a/t b/t\n",
      FAIL_TO_PASS: '["t::x"]',
    });
    expect(hidden.task.tests?.failToPass).toEqual(["t::x"]);
    expect(agentTask(hidden).tests).toBeUndefined();
    const inRepo = task("o/r", "a".repeat(40), { FAIL_TO_PASS: '["t::x"]', hints_text: "look at x" });
    expect(agentTask(inRepo).tests?.failToPass).toEqual(["t::x"]);
    expect(agentTask(inRepo).hints).toBeUndefined();
    expect(agentTask(inRepo, { withHints: true }).hints).toBe("look at x");
  });
});

describe("per-task model specs", () => {
  it("fills {script}, {task_dir} and {instance_id}", () => {
    const t = task("o/r", "a".repeat(40), { script: "/s/solve.yaml" });
    expect(renderModelSpec("scripted:{script}", t)).toBe("scripted:/s/solve.yaml");
    expect(renderModelSpec("replay:{task_dir}/{instance_id}.json", t)).toBe("replay:/s/o__r-1.json");
    expect(() => renderModelSpec("scripted:{script}", task("o/r", "a".repeat(40)))).toThrow(
      /no script field/,
    );
  });

  it("names SWE-bench's per-task images as they are published", () => {
    const t = task("psf/requests", "a".repeat(40), { instance_id: "psf__requests-2317" });
    expect(renderImageTemplate(SWEBENCH_IMAGE_TEMPLATE, t)).toBe(
      "swebench/sweb.eval.x86_64.psf_1776_requests-2317:latest",
    );
  });
});

describe("patches inside a sandbox", () => {
  const original = `${Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n")}\n`;

  async function sandbox() {
    const dir = tempDir("patch-repo");
    const base = gitRepo(dir, { "f.txt": original, "tests/test_f.py": "old\n" });
    return createLocalSandbox({ repoPath: dir, baseCommit: base });
  }

  it("applies a clean patch with git apply, a drifted one with a fallback, and refuses a wrong one", async () => {
    const sb = await sandbox();
    try {
      const clean = "--- a/f.txt\n+++ b/f.txt\n@@ -2,3 +2,3 @@\n line 2\n-line 3\n+LINE 3\n line 4\n";
      const r1 = await applyPatchInSandbox(sb, clean, "clean");
      expect(r1).toMatchObject({ ok: true, method: "git-apply" });
      expect(await sb.readFile("f.txt")).toContain("LINE 3");
      await sb.execOnce("git checkout -q -- .");

      // Wrong line numbers and a miscounted header: git apply refuses; a fallback applies it.
      const drifted = "--- a/f.txt\n+++ b/f.txt\n@@ -20,4 +20,4 @@\n line 12\n-line 13\n+LINE 13\n line 14\n";
      const r2 = await applyPatchInSandbox(sb, drifted, "drifted");
      expect(r2.ok).toBe(true);
      expect(r2.method).not.toBe("git-apply");
      expect(await sb.readFile("f.txt")).toContain("LINE 13\nline 14");
      await sb.execOnce("git checkout -q -- .");

      const wrong = "--- a/f.txt\n+++ b/f.txt\n@@ -2,3 +2,3 @@\n no such\n-context here\n+x\n at all\n";
      const r3 = await applyPatchInSandbox(sb, wrong, "wrong");
      expect(r3.ok).toBe(false);
      expect(r3.log).toContain("patch --batch");
      // Nothing half-applied, no reject files left.
      expect(await sb.listChangedFiles()).toEqual([]);
    } finally {
      await sb.close();
    }
  });

  it("restores the test files before applying the test patch", async () => {
    const sb = await sandbox();
    try {
      await sb.writeFile("tests/test_f.py", "changed by the model\n");
      await sb.writeFile("tests/test_new.py", "added by the model\n");
      const testPatch =
        "diff --git a/tests/test_f.py b/tests/test_f.py\n--- a/tests/test_f.py\n+++ b/tests/test_f.py\n@@ -1 +1 @@\n-old\n+new\n" +
        "diff --git a/tests/test_new.py b/tests/test_new.py\nnew file mode 100644\n--- /dev/null\n+++ b/tests/test_new.py\n@@ -0,0 +1 @@\n+from harness\n";
      const r = await applyTestPatchInSandbox(sb, testPatch);
      expect(r.ok, r.log).toBe(true);
      expect(await sb.readFile("tests/test_f.py")).toBe("new\n");
      expect(await sb.readFile("tests/test_new.py")).toBe("from harness\n");
      expect(testDirectives(`${testPatch}diff --git a/tests/data.json b/tests/data.json\n`)).toEqual([
        "tests/test_f.py",
        "tests/test_new.py",
      ]);
    } finally {
      await sb.close();
    }
  });
});

describe("recipes", () => {
  it("every shipped recipe is valid, and lookup falls back to default.yaml", () => {
    for (const repo of readdirSync(BUILTIN_RECIPES_DIR)) {
      for (const f of readdirSync(join(BUILTIN_RECIPES_DIR, repo))) {
        const path = join(BUILTIN_RECIPES_DIR, repo, f);
        expect(() => parseSuiteRecipe(readFileSync(path, "utf8"), path)).not.toThrow();
      }
    }
    expect(findRecipe("psf/requests", "2.4")?.path).toMatch(/psf__requests\/default\.yaml$/);
    expect(findRecipe("nobody/nothing", "1.0")).toBeNull();
  });

  it("rejects a recipe with a bad field, naming it", () => {
    expect(() => parseSuiteRecipe("test_command: x\npackages: ['Bad Name']\n", "r.yaml")).toThrow(
      /r\.yaml: packages\.0/,
    );
    expect(() => parseSuiteRecipe("image: x\nbase: y\ntest_command: t\n", "r.yaml")).toThrow(
      /image cannot be combined/,
    );
    // The test command is optional: SWE-bench's spec, or detection, supplies one.
    expect(parseSuiteRecipe("packages: [python3-mpmath]\n", "r.yaml").test_command).toBeUndefined();
  });
});

describe("summary", () => {
  it("counts as SWE-bench does, with patch failures unresolved and listed", () => {
    const r = (id: string, status: TaskReport["status"], reason?: string): TaskReport => ({
      instance_id: id,
      repo: "o/r",
      model_name_or_path: "m",
      status,
      resolved: status === "resolved",
      ...(reason ? { reason } : {}),
      timing_ms: { sandbox: 0, patch: 0, tests: 0, total: 0 },
      attempts: 1,
    });
    const s = summarize(
      ["a", "b", "c", "d", "e", "f"],
      ["a", "b", "c", "d", "e"],
      [
        r("a", "resolved"),
        r("b", "unresolved"),
        r("c", "patch_failed"),
        r("d", "empty_patch"),
        r("e", "error", "timeout"),
      ],
      ["zz"],
    );
    expect(s).toMatchObject({
      total_instances: 6,
      submitted_instances: 5,
      completed_instances: 3,
      resolved_instances: 1,
      unresolved_instances: 2,
      patch_failed_instances: 1,
      empty_patch_instances: 1,
      error_instances: 1,
      incomplete_ids: ["f"],
      unresolved_ids: ["b", "c"],
      error_reasons: { timeout: 1 },
      unknown_prediction_ids: ["zz"],
    });
    // "f" has no report, and no repository was named for it.
    expect(s.per_repo).toEqual({
      "o/r": {
        total: 5,
        submitted: 5,
        resolved: 1,
        unresolved: 2,
        empty_patch: 1,
        error: 1,
        patch_failed: 1,
      },
      unknown: {
        total: 1,
        submitted: 0,
        resolved: 0,
        unresolved: 0,
        empty_patch: 0,
        error: 0,
        patch_failed: 0,
      },
    });
    expect(
      summarize(["a", "f"], ["a"], [r("a", "resolved")], [], new Map([["f", "o/other"]])).per_repo,
    ).toEqual({
      "o/other": {
        total: 1,
        submitted: 0,
        resolved: 0,
        unresolved: 0,
        empty_patch: 0,
        error: 0,
        patch_failed: 0,
      },
      "o/r": {
        total: 1,
        submitted: 1,
        resolved: 1,
        unresolved: 0,
        empty_patch: 0,
        error: 0,
        patch_failed: 0,
      },
    });
    expect(histogram([1, 2, 2, 10], 3).map((b) => b.count)).toEqual([3, 0, 1]);
  });
});
