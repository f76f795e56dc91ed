/**
 * The regression gate on real repositories made here, with real pytest, a scripted model driving
 * the real tools, and the local sandbox: a failure that exists at the base commit does not
 * block; a regression does, named in the report; a test that fails every other run is flaky and
 * does not block; the agent's own test counts; the code graph selects the test that reaches the
 * changed function and leaves out the one that cannot; a hanging test suite and the wall-time
 * budget end the run with its trajectory and result.json.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { type GateSettings, type SolveOutcome, solveTask } from "../../src/agent/index.js";
import type { GateRecord } from "../../src/agent/trajectory.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import type { Task } from "../../src/task/index.js";
import { testingCodeVersion } from "../../src/testing/index.js";
import { tempDir, writeScript } from "../support/fixtures.js";

/** A git repository with these files, committed. */
function makeRepo(files: Record<string, string>): string {
  const dir = tempDir("gate-repo");
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

const PYTEST = "python3 -m pytest -rA -p no:cacheprovider -q";

/** calc.py with a bug in mul; a test that fails at the base commit for a reason of its own. */
const CALC = {
  "pytest.ini": "[pytest]\n",
  "calc.py": "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a + b  # the bug\n",
  "other.py": "def shout(s):\n    return s.upper()\n",
  "tests/test_calc.py": [
    "from calc import add, mul",
    "",
    "def test_add():",
    "    assert add(2, 3) == 5",
    "",
    "def test_mul():",
    "    assert mul(2, 3) == 6",
    "",
    "def test_needs_a_server():",
    "    # Fails at the base commit too: not the agent's business.",
    "    raise ConnectionError('no network in the sandbox')",
    "",
  ].join("\n"),
  "tests/test_other.py": "from other import shout\n\ndef test_shout():\n    assert shout('a') == 'A'\n",
};

const edit = (path: string, oldStr: string, newStr: string) =>
  `  - tool_calls:\n      - name: editor\n        input: { command: str_replace, path: ${JSON.stringify(path)}, old_str: ${JSON.stringify(oldStr)}, new_str: ${JSON.stringify(newStr)} }\n`;
const submit = "  - tool_calls:\n      - name: submit\n        input: { summary: done }\n";
const FIX_MUL = edit("calc.py", "return a + b  # the bug", "return a * b");
const BREAK_ADD = edit("calc.py", "def add(a, b):\n    return a + b", "def add(a, b):\n    return a - b");
const UNBREAK_ADD = edit("calc.py", "return a - b", "return a + b");

interface Run {
  out: SolveOutcome;
  gates: GateRecord[];
  observations: string[];
}

async function run(opts: {
  repo: string;
  script: string;
  named?: string[];
  gate?: Partial<GateSettings>;
  maxSteps?: number;
  maxTimeMs?: number;
  command?: string;
  issue?: string;
}): Promise<Run> {
  const task: Task = {
    id: "gate-task",
    repo: { kind: "local", path: opts.repo },
    problemStatement: opts.issue ?? "mul(2, 3) returns 5 instead of 6.",
    origin: "text",
    ...(opts.named ? { tests: { failToPass: opts.named, passToPass: [] } } : {}),
  };
  const runDir = tempDir("gate-run");
  const out = await solveTask({
    runId: `gate-${Date.now().toString(36)}`,
    task,
    repoPath: opts.repo,
    model: await createModel(`scripted:${writeScript(`turns:\n${opts.script}`)}`, {}),
    sandbox: "local",
    runDir,
    budget: { maxSteps: opts.maxSteps ?? 20, ...(opts.maxTimeMs ? { maxTimeMs: opts.maxTimeMs } : {}) },
    testCommand: opts.command ?? PYTEST,
    testGate: true,
    ...(opts.gate ? { gate: opts.gate } : {}),
    baselineCache: { dir: join(runDir, "baselines") },
    commandTimeoutMs: 120_000,
    log: silentLogger,
  });
  const traj = JSON.parse(readFileSync(out.trajectoryPath, "utf8"));
  const steps = traj.steps as Array<{ gate?: GateRecord; observations: Array<{ output: string }> }>;
  return {
    out,
    gates: steps.flatMap((s) => (s.gate ? [s.gate] : [])),
    observations: steps.flatMap((s) => s.observations.map((o) => o.output)),
  };
}

describe("the regression gate on real repositories", () => {
  it("does not let a failure that exists at the base commit block a correct fix", async () => {
    // The model's own test run, once the baseline is known, says which failures are not its doing.
    const look =
      "  - tool_calls:\n      - name: bash\n        input: { command: 'sleep 5' }\n  - tool_calls:\n      - name: run_tests\n        input: {}\n";
    const r = await run({
      repo: makeRepo(CALC),
      script: look + FIX_MUL + submit,
      named: ["tests/test_calc.py::test_mul"],
    });
    expect(r.out.status, r.out.error).toBe("submitted");
    expect(r.observations[1]).toMatch(
      /2 of these failures also fail at the base commit \(not caused by your change\): tests\/test_calc\.py::test_mul, tests\/test_calc\.py::test_needs_a_server/,
    );
    expect(r.gates).toHaveLength(1);
    const g = r.gates[0]!;
    expect(g.passed).toBe(true);
    expect(g.preExisting).toEqual(["tests/test_calc.py::test_needs_a_server"]);
    expect(g.regressions).toEqual([]);
    expect(g.summary).toMatch(/failing at the base commit too: tests\/test_calc\.py::test_needs_a_server/);
    // The baseline ran the whole suite at the base commit, where test_mul failed.
    expect(g.baseline?.tests).toBe(4);
    expect(g.fixed).toEqual([]);
    expect(existsSync(join(r.out.runDir, "result.json"))).toBe(true);
  });

  it("refuses a change that breaks a test passing at the base commit, names it, and accepts the repaired one", async () => {
    const r = await run({
      repo: makeRepo(CALC),
      script: FIX_MUL + BREAK_ADD + submit + UNBREAK_ADD + submit,
      named: ["tests/test_calc.py::test_mul"],
    });
    expect(r.out.status, r.out.error).toBe("submitted");
    expect(r.gates.map((g) => g.passed)).toEqual([false, true]);
    const refused = r.gates[0]!;
    expect(refused.regressions?.map((x) => x.name)).toEqual(["tests/test_calc.py::test_add"]);
    expect(refused.summary).toMatch(/Regressions — passed at the base commit, fail with your change \(1\)/);
    expect(refused.summary).toMatch(/tests\/test_calc\.py::test_add: passed → failed/);
    // The failing assertion is in the report, and the pre-existing failure only as a footnote.
    expect(refused.summary).toMatch(/assert -1 == 5/);
    expect(refused.summary.indexOf("Regressions")).toBeLessThan(refused.summary.indexOf("Not your concern"));
  });

  it("detects a test that fails every other run as flaky and does not block on it", async () => {
    const repo = makeRepo({
      ...CALC,
      // A per-tree counter outside the checkout: pass, fail, pass, … in each tree.
      "tests/test_flaky.py": [
        "import hashlib, os, tempfile",
        "",
        "def test_sometimes():",
        "    tree = os.path.dirname(os.path.abspath(__file__))",
        "    f = os.path.join(tempfile.gettempdir(), 'fp-flaky-' + hashlib.sha1(tree.encode()).hexdigest())",
        "    n = int(open(f).read()) + 1 if os.path.exists(f) else 1",
        "    open(f, 'w').write(str(n))",
        "    assert n % 2 == 1, f'run {n} of this tree fails'",
        "",
      ].join("\n"),
    });
    // The agent's own run_tests is this tree's first run (passes); the gate's is its second (fails).
    const runTests = "  - tool_calls:\n      - name: run_tests\n        input: {}\n";
    const r = await run({
      repo,
      script: FIX_MUL + runTests + submit,
      named: ["tests/test_calc.py::test_mul"],
    });
    expect(r.out.status, r.out.error).toBe("submitted");
    const g = r.gates[0]!;
    expect(g.passed).toBe(true);
    expect(g.flaky?.map((f) => f.name)).toEqual(["tests/test_flaky.py::test_sometimes"]);
    expect(g.regressions).toEqual([]);
    expect(g.summary).toMatch(/1 flaky \(different results on two runs of the same code\)/);
  });

  it("reports a passing test the agent's diff renames, without blocking on it; a test that merely vanished blocks", async () => {
    const rename = edit("tests/test_calc.py", "def test_add():", "def test_add_numbers():");
    const r = await run({
      repo: makeRepo(CALC),
      script: FIX_MUL + rename + submit,
      named: ["tests/test_calc.py::test_mul"],
    });
    expect(r.out.status, r.out.error).toBe("submitted");
    expect(r.gates[0]!.removed).toEqual(["tests/test_calc.py::test_add"]);
    expect(r.gates[0]!.summary).toMatch(
      /Tests your change removes or renames .*tests\/test_calc\.py::test_add/,
    );

    // The same test gone because its module no longer imports is a regression.
    const breakImport = edit(
      "tests/test_calc.py",
      "from calc import add, mul",
      "from calc import add, mul, nothing",
    );
    const broken = await run({
      repo: makeRepo(CALC),
      script: FIX_MUL + breakImport + submit,
      named: ["tests/test_calc.py::test_mul"],
    });
    expect(broken.gates[0]!.passed).toBe(false);
    expect(broken.gates[0]!.regressions?.map((x) => x.name)).toContain("tests/test_calc.py::test_add");
  });

  it("counts the agent's own test: refused while it fails, accepted once the fix makes it pass", async () => {
    const repo = makeRepo(CALC);
    const create = [
      "  - tool_calls:",
      "      - name: editor",
      "        input:",
      "          command: create",
      "          path: tests/test_issue.py",
      '          file_text: "from calc import mul\\n\\ndef test_mul_reproduces_the_issue():\\n    assert mul(2, 3) == 6\\n"',
      "",
    ].join("\n");
    const r = await run({ repo, script: create + submit + FIX_MUL + submit });
    expect(r.out.status, r.out.error).toBe("submitted");
    expect(r.gates.map((g) => g.passed)).toEqual([false, true]);
    expect(r.gates[0]!.agentTests).toEqual([
      { name: "tests/test_issue.py::test_mul_reproduces_the_issue", status: "failed" },
    ]);
    expect(r.gates[0]!.summary).toMatch(/Your tests \(1, 1 failing\)/);
    expect(r.gates[1]!.agentTests).toEqual([
      { name: "tests/test_issue.py::test_mul_reproduces_the_issue", status: "passed" },
    ]);
    // Without a named test, the first prompt asked for a reproducing test first.
    const traj = JSON.parse(readFileSync(r.out.trajectoryPath, "utf8"));
    expect(traj.task.tests).toBeUndefined();
  });

  it("selects, through the code graph, the test that reaches the changed function and not the one that cannot", async () => {
    const repo = makeRepo({
      "pytest.ini": "[pytest]\n",
      "shop/__init__.py": "",
      "shop/prices.py": [
        "def net(x):",
        "    return x",
        "",
        "def gross(x):",
        "    return net(x) * 2",
        "",
      ].join("\n"),
      "shop/names.py": "def label(s):\n    return s.title()\n",
      "tests/test_prices.py":
        "from shop.prices import gross\n\ndef test_gross():\n    assert gross(2) == 4\n",
      "tests/test_names.py":
        "from shop.names import label\n\ndef test_label():\n    assert label('ab') == 'Ab'\n",
    });
    const r = await run({
      repo,
      script: edit("shop/prices.py", "def net(x):\n    return x", "def net(x):\n    return x + 0") + submit,
      gate: { scope: "related" },
    });
    expect(r.out.status, r.out.error).toBe("submitted");
    const g = r.gates[0]!;
    expect(g.scope).toBe("related");
    const selected = g.selection?.map((s) => s.test) ?? [];
    expect(selected).toContain("tests/test_prices.py::test_gross");
    expect(selected.some((t) => t.startsWith("tests/test_names.py"))).toBe(false);
    // test_gross reaches net through gross: two hops, and the reason says so.
    expect(
      g.selection?.find((s) => s.test === "tests/test_prices.py::test_gross")?.reasons.join(" "),
    ).toMatch(/gross/);
    expect(g.counts).toMatchObject({ passed: 1, failed: 0 });
  });

  it("runs the baseline of the tests the localization predicts while the model works, and the gate uses it", async () => {
    const repo = makeRepo({
      "pytest.ini": "[pytest]\n",
      "shop/__init__.py": "",
      "shop/prices.py":
        "def net_price(x):\n    return x\n\n\ndef gross_price(x):\n    return net_price(x) * 2\n",
      "shop/names.py": "def label(s):\n    return s.title()\n",
      "tests/test_prices.py": [
        "import time",
        "from shop.prices import gross_price",
        "",
        "def test_gross_price():",
        "    time.sleep(1)",
        "    assert gross_price(2) == 4",
        "",
      ].join("\n"),
      "tests/test_names.py":
        "from shop.names import label\n\ndef test_label():\n    assert label('ab') == 'Ab'\n",
    });
    // The model thinks for a while before it edits: the predicted tests' baseline runs meanwhile.
    const think = "  - tool_calls:\n      - name: bash\n        input: { command: 'sleep 6' }\n";
    const r = await run({
      repo,
      script:
        think +
        edit("shop/prices.py", "def net_price(x):\n    return x", "def net_price(x):\n    return x + 0") +
        submit,
      gate: { scope: "related" },
      issue: "net_price() rounds the price wrongly, so gross_price() is off by a cent.",
    });
    expect(r.out.status, r.out.error).toBe("submitted");
    const g = r.gates[0]!;
    expect(g.selection?.map((s) => s.test)).toEqual(["tests/test_prices.py::test_gross_price"]);
    // Its baseline ran before the submit: the gate did not wait for it.
    expect(g.baseline!.runMs).toBeGreaterThan(1000);
    expect(g.baseline!.hiddenMs).toBe(g.baseline!.runMs);
    expect(g.baseline!.waitedMs).toBe(0);
  });

  it("widens the selection when no test reaches the change within the configured hops", async () => {
    const repo = makeRepo({
      "pytest.ini": "[pytest]\n",
      "deep/__init__.py": "",
      "deep/chain.py": [
        "def leaf(x):",
        "    return x",
        "",
        "def mid(x):",
        "    return leaf(x)",
        "",
        "def top(x):",
        "    return mid(x)",
        "",
        "def api(x):",
        "    return top(x)",
        "",
      ].join("\n"),
      "tests/test_api.py": "from deep.chain import api\n\ndef test_api():\n    assert api(3) == 3\n",
    });
    const r = await run({
      repo,
      script: edit("deep/chain.py", "def leaf(x):\n    return x", "def leaf(x):\n    return x + 0") + submit,
      gate: { scope: "related", hops: 2 },
    });
    expect(r.out.status, r.out.error).toBe("submitted");
    const g = r.gates[0]!;
    expect(g.selection?.map((s) => s.test)).toEqual(["tests/test_api.py::test_api"]);
    expect(g.summary).toMatch(/No test reaches your change within 2 uses; the nearest, 4 uses away, ran\./);
  });

  it("ends a run whose tests hang with its trajectory, a final status and result.json", async () => {
    const repo = makeRepo({
      "pytest.ini": "[pytest]\n",
      "calc.py": "def mul(a, b):\n    return a + b  # the bug\n",
      "tests/test_hang.py": "import time\nfrom calc import mul\n\ndef test_hangs():\n    time.sleep(600)\n",
    });
    const t0 = Date.now();
    const r = await run({ repo, script: FIX_MUL + submit + submit, maxTimeMs: 20_000 });
    expect(Date.now() - t0).toBeLessThan(90_000);
    expect(r.out.status).toBe("exit_time");
    expect(r.gates[0]!.passed).toBe(false);
    expect(r.gates[0]!.summary).toMatch(/did not finish/);
    const traj = JSON.parse(readFileSync(r.out.trajectoryPath, "utf8"));
    expect(traj.status).toBe("exit_time");
    const result = JSON.parse(readFileSync(join(r.out.runDir, "result.json"), "utf8"));
    expect(result).toMatchObject({ status: "exit_time", solved: false });
    expect(readFileSync(join(r.out.runDir, "patch.diff"), "utf8")).toMatch(/return a \* b/);
  }, 120_000);

  it("stops a long command at the wall-time budget", async () => {
    const repo = makeRepo(CALC);
    const sleep =
      "  - tool_calls:\n      - name: bash\n        input: { command: 'sleep 300', timeout: 600 }\n";
    const t0 = Date.now();
    const r = await run({ repo, script: sleep + submit, maxTimeMs: 6_000 });
    const took = Date.now() - t0;
    expect(took).toBeLessThan(30_000);
    expect(r.out.status).toBe("exit_time");
    expect(r.observations[0]).toMatch(/timed out after [56] s/);
    expect(existsSync(join(r.out.runDir, "result.json"))).toBe(true);
  }, 60_000);

  it("reuses the baseline from its cache for a second run of the same repository and commit", async () => {
    const repo = makeRepo(CALC);
    const cache = tempDir("gate-cache");
    const once = async () => {
      const runDir = tempDir("gate-run");
      const out = await solveTask({
        runId: `gate-cache-${Date.now().toString(36)}`,
        task: { id: "c", repo: { kind: "local", path: repo }, problemStatement: "mul", origin: "text" },
        repoPath: repo,
        model: await createModel(`scripted:${writeScript(`turns:\n${FIX_MUL}${submit}`)}`, {}),
        sandbox: "local",
        runDir,
        budget: { maxSteps: 5 },
        testCommand: PYTEST,
        testGate: true,
        baselineCache: { dir: cache, repo: "example/calc" },
        commandTimeoutMs: 60_000,
        log: silentLogger,
      });
      const traj = JSON.parse(readFileSync(out.trajectoryPath, "utf8"));
      return traj.steps.find((s: { gate?: GateRecord }) => s.gate).gate as GateRecord;
    };
    const first = await once();
    const second = await once();
    expect(first.baseline?.source).toBe("run");
    expect(second.baseline).toMatchObject({ source: "cache", runMs: 0, tests: 4 });
    expect(readdirSync(cache)).toHaveLength(1);
    expect(second.passed).toBe(true);
    // Kept under the version of the code that read the tests: a parser change makes a new one.
    const stored = JSON.parse(readFileSync(join(cache, readdirSync(cache)[0]!), "utf8"));
    expect(stored.key.reader).toMatch(/^[0-9a-f]{16}$/);
    expect(stored.key.reader).toBe(testingCodeVersion());
  });
});
