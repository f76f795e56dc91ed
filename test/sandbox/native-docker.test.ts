/**
 * The C/C++ family in real Docker: a CMake project made here is detected, built once into its
 * image (ccache warmed), and a task's run in a fresh checkout rebuilds only the changed file
 * (ccache hits for the rest); a plain Make project runs `make check`. Tests are read with the
 * ctest / automake parsers through the detected command. The test gate runs the CMake
 * project's whole ctest suite on the change and on its baseline (the pristine copy builds in a
 * folder of its own), refusing a regression and accepting a fix.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { solveTask } from "../../src/agent/index.js";
import type { GateRecord } from "../../src/agent/trajectory.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import { buildEnvironmentImage, createDockerSandbox } from "../../src/sandbox/index.js";
import { frameworkFromCommand, parseTestOutput } from "../../src/testing/index.js";
import { tempDir, writeScript } from "../support/fixtures.js";
import { BASE_IMAGE, dockerUp, mustHaveDocker, skipReason } from "./docker-env.js";
import { git } from "./helpers.js";

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function repoWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "fixpoint-test-native-"));
  made.push(root);
  const path = join(root, "native-proj");
  mkdirSync(path);
  git(path, "init", "-q", "-b", "main");
  for (const [k, v] of Object.entries(files)) {
    mkdirSync(dirname(join(path, k)), { recursive: true });
    writeFileSync(join(path, k), v);
  }
  git(path, "add", "-A");
  git(path, "commit", "-q", "-m", "init");
  return path;
}

const AUTHOR = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "t@example.com",
};
const lib = (n: number, k = n) => `int f${n}(int x) { return x * ${k}; }\n`;
const CMAKE_PROJECT = {
  "CMakeLists.txt": [
    "cmake_minimum_required(VERSION 3.10)",
    "project(demo C)",
    "enable_testing()",
    "add_library(demo a.c b.c c.c)",
    "add_executable(good-test good.c)",
    "target_link_libraries(good-test demo)",
    "add_test(NAME good-test COMMAND good-test)",
    "add_executable(bad-test bad.c)",
    "target_link_libraries(bad-test demo)",
    "add_test(NAME bad-test COMMAND bad-test)",
    "",
  ].join("\n"),
  "a.c": lib(1),
  "b.c": lib(2),
  "c.c": lib(3),
  "good.c": "int f2(int);\nint main(void) { return f2(2) == 4 ? 0 : 1; }\n",
  "bad.c":
    '#include <stdio.h>\nint f3(int);\nint main(void) { puts("f3 is wrong"); return f3(1) == 4 ? 0 : 1; }\n',
};

describe.skipIf(!dockerUp && !mustHaveDocker)(`C/C++ environments in Docker ${skipReason}`, () => {
  it("builds a CMake project once; a later commit's run rebuilds only what changed and reads ctest's results", async () => {
    const repo = repoWith(CMAKE_PROJECT);
    const first = git(repo, "rev-parse", "HEAD").trim();
    const env = await buildEnvironmentImage({ repoPath: repo, baseCommit: first, baseImage: BASE_IMAGE });
    expect(env.family).toBe("cpp");
    expect(env.testCommand).toContain("ctest");
    // A later commit changes one file; its checkout's timestamps are older than the image's
    // build, so only a build tree without the warmed commit's objects gets c.c right.
    writeFileSync(join(repo, "c.c"), lib(3, 4));
    // Dated long ago, as the commits of a real task are: `git archive` gives files its time.
    execFileSync("git", ["commit", "-q", "-am", "f3 times four"], {
      cwd: repo,
      env: { ...process.env, ...AUTHOR, GIT_COMMITTER_DATE: "2001-01-01T00:00:00Z" },
    });
    const again = await buildEnvironmentImage({ repoPath: repo, baseImage: BASE_IMAGE });
    expect(again).toMatchObject({ image: env.image, reused: true });

    const sandbox = await createDockerSandbox({ repoPath: repo, image: env.image });
    try {
      await sandbox.exec("ccache -z >/dev/null");
      const run = await sandbox.exec(env.testCommand!, { timeoutMs: 300_000 });
      const results = parseTestOutput(
        frameworkFromCommand(env.testCommand!)!,
        `${run.stdout}\n${run.stderr}`,
      );
      expect(results.map((r) => [r.name, r.status])).toEqual([
        ["good-test", "passed"],
        ["bad-test", "passed"],
      ]);
      // a.c, b.c, good.c, bad.c come from the image's cache; c.c is compiled.
      const stats = (await sandbox.exec("ccache --print-stats")).stdout;
      const count = (k: string) => Number(new RegExp(`^${k}\\t(\\d+)$`, "m").exec(stats)?.[1] ?? -1);
      expect(count("direct_cache_hit") + count("preprocessed_cache_hit")).toBe(4);
      expect(count("cache_miss")).toBe(1);

      // An edit in the sandbox (as the agent makes) is rebuilt too.
      await sandbox.writeFile("c.c", lib(3, 5));
      const failing = await sandbox.exec(env.testCommand!, { timeoutMs: 300_000 });
      expect(failing.exitCode).not.toBe(0);
      const bad = parseTestOutput("ctest", failing.stdout).find((r) => r.name === "bad-test");
      expect(bad?.status).toBe("failed");
      expect(bad?.message).toContain("f3 is wrong");
    } finally {
      await sandbox.close();
    }
  }, 900_000);

  it("gates a CMake project on its whole ctest suite against a baseline built beside the checkout", async () => {
    const repo = repoWith(CMAKE_PROJECT);
    const env = await buildEnvironmentImage({ repoPath: repo, baseImage: BASE_IMAGE });
    /** One run: an edit, then submit (twice: a refused submit gives the model a turn back). */
    const run = async (file: string, from: string, to: string) => {
      const edit = `{ command: str_replace, path: ${file}, old_str: "${from}", new_str: "${to}" }`;
      const script = [
        "turns:",
        `  - tool_calls: [{ name: editor, input: ${edit} }]`,
        "  - tool_calls: [{ name: submit, input: {} }]",
        "  - tool_calls: [{ name: submit, input: {} }]",
        "",
      ].join("\n");
      const out = await solveTask({
        runId: `native-gate-${Date.now().toString(36)}`,
        task: { id: "native", repo: { kind: "local", path: repo }, problemStatement: "f3", origin: "text" },
        repoPath: repo,
        model: await createModel(`scripted:${writeScript(script)}`, {}),
        sandbox: "docker",
        docker: { image: env.image },
        runDir: tempDir("native-gate-run"),
        budget: { maxSteps: 6, maxTimeMs: 600_000 },
        testCommand: env.testCommand!,
        testGate: true,
        baselineCache: { dir: false },
        commandTimeoutMs: 300_000,
        log: silentLogger,
      });
      const traj = JSON.parse(readFileSync(out.trajectoryPath, "utf8")) as { steps: { gate?: GateRecord }[] };
      return { out, gate: traj.steps.find((s) => s.gate)!.gate! };
    };

    // good-test passes at the base commit and bad-test fails: breaking f2 is a regression.
    const broken = await run("b.c", "x * 2", "x * 3");
    expect(broken.gate).toMatchObject({ passed: false, scope: "full" });
    expect(broken.gate.scopeWhy).toContain("ctest runs no single test file");
    expect(broken.gate.regressions?.map((r) => r.name)).toEqual(["good-test"]);
    expect(broken.gate.preExisting).toEqual(["bad-test"]);
    expect(broken.gate.baseline?.tests).toBe(2);

    // Fixing f3 makes bad-test pass and breaks nothing: the gate lets the submit through.
    const fixed = await run("c.c", "x * 3", "x * 4");
    expect(fixed.out.status).toBe("submitted");
    expect(fixed.gate).toMatchObject({ passed: true, scope: "full", fixed: ["bad-test"] });
  }, 900_000);

  it("runs a plain Make project's check target", async () => {
    const repo = repoWith({
      Makefile: [
        "all: tool",
        "tool: tool.c",
        "\tcc -o tool tool.c",
        "check: tool",
        "\t@./tool && echo 'PASS: tool-runs' || echo 'FAIL: tool-runs'",
        "\t@echo '# TOTAL: 1'",
        "",
      ].join("\n"),
      "tool.c": "int main(void) { return 0; }\n",
    });
    const env = await buildEnvironmentImage({ repoPath: repo, baseImage: BASE_IMAGE });
    expect(env.family).toBe("cpp");
    const sandbox = await createDockerSandbox({ repoPath: repo, image: env.image });
    try {
      const run = await sandbox.exec(env.testCommand!, { timeoutMs: 300_000 });
      expect(run.exitCode).toBe(0);
      expect(parseTestOutput("automake", run.stdout)).toEqual([{ name: "tool-runs", status: "passed" }]);
    } finally {
      await sandbox.close();
    }
  }, 900_000);
});
