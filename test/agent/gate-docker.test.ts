/**
 * The gate in Docker when the sandbox dies under it: the container is killed while the gate's
 * tests run. The run must end with an infrastructure status (resumable, not the agent's
 * outcome), its trajectory finalized and result.json written — never an exception, never a
 * tool error shown to the model. Skipped without Docker; under CI=true that is a failure.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { solveTask } from "../../src/agent/index.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { dockerUp, mustHaveDocker, pythonImage, skipReason } from "../sandbox/docker-env.js";
import { tempDir, writeScript } from "../support/fixtures.js";

if (!dockerUp && mustHaveDocker) throw new Error("CI=true but the Docker engine does not answer");

function makeRepo(files: Record<string, string>): string {
  const dir = tempDir("gate-docker-repo");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], { cwd: dir });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "base");
  return dir;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!dockerUp)(`the gate in Docker${skipReason ? ` (${skipReason})` : ""}`, () => {
  it("ends the run with an infrastructure status when the container dies during the gate", async () => {
    const image = await pythonImage();
    const repo = makeRepo({
      "pytest.ini": "[pytest]\n",
      "calc.py": "def mul(a, b):\n    return a + b\n",
      "tests/test_calc.py": [
        "import os, time, pathlib",
        "from calc import mul",
        "",
        "def test_mul():",
        "    # Only the run in the agent's checkout (the gate's), not the baseline's copy.",
        "    if os.getcwd() == '/testbed':",
        "        pathlib.Path('/tmp/fp-gate-running').touch()",
        "    time.sleep(60)",
        "    assert mul(2, 3) == 6",
        "",
      ].join("\n"),
    });
    const script = [
      "turns:",
      "  - tool_calls:",
      "      - name: editor",
      '        input: { command: str_replace, path: calc.py, old_str: "a + b", new_str: "a * b" }',
      "  - tool_calls:",
      "      - name: submit",
      "        input: {}",
      "  - tool_calls:",
      "      - name: bash",
      "        input: { command: 'echo the model must not get here' }",
      "",
    ].join("\n");
    let sandbox: Sandbox | undefined;
    const runDir = tempDir("gate-docker-run");
    const killer = (async () => {
      for (let i = 0; i < 600 && !sandbox; i++) await sleep(100);
      const id = (sandbox as unknown as { containerId: string }).containerId;
      // Kill the container once a test run is under way (the baseline's or the gate's).
      for (let i = 0; i < 600; i++) {
        try {
          execFileSync("docker", ["exec", id, "test", "-e", "/tmp/fp-gate-running"], { stdio: "ignore" });
          break;
        } catch {
          await sleep(200);
        }
      }
      execFileSync("docker", ["kill", id], { stdio: "ignore" });
    })();
    const out = await solveTask({
      runId: `gate-docker-${Date.now().toString(36)}`,
      task: { id: "dies", repo: { kind: "local", path: repo }, problemStatement: "mul adds", origin: "text" },
      repoPath: repo,
      model: await createModel(`scripted:${writeScript(script)}`, {}),
      sandbox: "docker",
      docker: { image },
      runDir,
      budget: { maxSteps: 10, maxTimeMs: 180_000 },
      testCommand: "python3 -m pytest -rA -p no:cacheprovider",
      testGate: true,
      // Related scope: the gate runs at once instead of first learning whether the suite fits.
      gate: { scope: "related" },
      baselineCache: { dir: false },
      commandTimeoutMs: 60_000,
      log: silentLogger,
      onSandbox: (sb) => {
        sandbox = sb;
      },
    });
    await killer;
    expect(out.status).toBe("exit_error");
    expect(out.infrastructure).toBe(true);
    expect(out.errorExitCode).toBe(3);
    expect(out.error).toMatch(/^infrastructure: /);
    const traj = JSON.parse(readFileSync(out.trajectoryPath, "utf8"));
    expect(traj).toMatchObject({ status: "exit_error", infrastructure: true });
    // The model was never asked again after the loss: two model turns, the edit and the submit.
    expect(traj.steps).toHaveLength(2);
    const result = JSON.parse(readFileSync(join(runDir, "result.json"), "utf8"));
    expect(result).toMatchObject({ status: "exit_error", solved: false });
  }, 240_000);
});
