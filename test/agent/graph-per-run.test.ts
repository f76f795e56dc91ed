/**
 * One code graph per run: two runs of one repository at different commits, in parallel in a
 * suite, each see their own commit (localization and graph tools); a run copies the repository's
 * seed database into a private one, deletes it at the end, and never writes to the seed.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import pino from "pino";
import { beforeEach, describe, expect, it } from "vitest";
import { openRunGraph } from "../../src/agent/graph-session.js";
import { defaultDbPath } from "../../src/graph/index.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel, type Model } from "../../src/model/index.js";
import { createLocalSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { renderModelSpec, runSuite } from "../../src/suite/index.js";
import { loadTaskFile } from "../../src/task/swebench.js";
import { tempDir, writeScript } from "../support/fixtures.js";

const ALPHA = "alpha_only_marker";
const BETA = "beta_only_marker";
const PROBLEM = `Calling ${ALPHA}() or ${BETA}() returns the wrong value; one of them should return 42.`;

/**
 * A repository of two commits. A: `mod_a.py` defines alpha_only_marker, `mod_c.py` gamma_one.
 * B: alpha_only_marker removed, `mod_b.py` defines beta_only_marker, `mod_c.py` gamma_two — the
 * same size as at A, and both commits carry the same date, so a `git archive` of either gives
 * `mod_c.py` the same size and modification time.
 */
function twoCommitRepo(): { dir: string; a: string; b: string } {
  const dir = tempDir("two-commits");
  const env = {
    ...process.env,
    GIT_AUTHOR_DATE: "2024-01-02T03:04:05Z",
    GIT_COMMITTER_DATE: "2024-01-02T03:04:05Z",
  };
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: dir,
      env,
      encoding: "utf8",
    }).trim();
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  git("init", "-q", "-b", "main");
  write("mod_a.py", `def ${ALPHA}():\n    return 1\n\n\ndef shared_helper():\n    return 2\n`);
  write("mod_c.py", "def gamma_one():\n    return 3\n");
  write("app.py", `from mod_a import shared_helper\n\n\ndef main():\n    return shared_helper()\n`);
  git("add", "-A");
  git("commit", "-q", "-m", "first version");
  const a = git("rev-parse", "HEAD");
  write("mod_a.py", "def shared_helper():\n    return 2\n");
  write("mod_b.py", `def ${BETA}():\n    return 1\n`);
  write("mod_c.py", "def gamma_two():\n    return 3\n");
  git("add", "-A");
  git("commit", "-q", "-m", "second version");
  const b = git("rev-parse", "HEAD");
  return { dir, a, b };
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function seedState(seed: string) {
  const st = statSync(seed);
  return { mtimeMs: st.mtimeMs, size: st.size, sha: sha256(seed) };
}

/** Private graph directories left in `dir` (the runs' temporary directory). */
function graphDirs(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith("fixpoint-graph-"));
}

type Observation = { output: string; isError: boolean };

beforeEach(() => {
  // The seed lives in the graph cache; a private temporary directory shows what runs leave behind.
  process.env.XDG_CACHE_HOME = tempDir("graph-cache");
  process.env.TMPDIR = tempDir("graph-tmp");
});

describe("one code graph per run", () => {
  it("parallel suite runs at two commits of one repository each see their own commit", async () => {
    const { dir, a, b } = twoCommitRepo();
    const work = tempDir("per-run-suite");
    const sync = join(work, "sync");
    mkdirSync(sync);
    const ids = { [a]: "local__markers-a", [b]: "local__markers-b" };
    const records = [a, b].map((commit) => {
      const id = ids[commit]!;
      const other = ids[commit === a ? b : a]!;
      // Both runs have built their graphs before either asks it anything (each waits at the
      // barrier for the other), and they ask twice, the second time after the other has asked too.
      const queries = `
  - tool_calls:
      - name: find_symbol
        input: { name: ${ALPHA} }
  - tool_calls:
      - name: find_symbol
        input: { name: ${BETA} }
  - tool_calls:
      - name: search_code
        input: { query: "${ALPHA} ${BETA}" }`;
      const barrier = (step: string) => `
  - tool_calls:
      - name: bash
        input:
          command: "touch ${sync}/${id}-${step}; for i in $(seq 600); do [ -f ${sync}/${other}-${step} ] && break; sleep 0.05; done; [ -f ${sync}/${other}-${step} ] && echo PASSED || echo TIMEOUT"`;
      const script = writeScript(
        `turns:${barrier("built")}${queries}${barrier("asked")}${queries}
  - tool_calls:
      - name: submit
        input: {}
`,
      );
      return JSON.stringify({
        repo: "local/markers",
        instance_id: id,
        base_commit: commit,
        problem_statement: PROBLEM,
        patch: "",
        test_patch: "",
        FAIL_TO_PASS: "[]",
        PASS_TO_PASS: "[]",
        repo_path: dir,
        script,
      });
    });
    const tasksPath = join(work, "tasks.jsonl");
    writeFileSync(tasksPath, `${records.join("\n")}\n`);
    const { tasks } = loadTaskFile(tasksPath);
    expect(tasks).toHaveLength(2);

    /** The first prompt of each task, as the model received it. */
    const firstPrompt = new Map<string, string>();
    const out = join(work, "out");
    const result = await runSuite({
      tasks,
      outDir: out,
      workers: 2,
      modelName: "scripted",
      makeModel: async (t) => {
        const inner = await createModel(renderModelSpec("scripted:{script}", t), {});
        const model: Model = {
          spec: inner.spec,
          contextWindow: inner.contextWindow,
          complete(req) {
            const first = req.messages[0];
            if (!firstPrompt.has(t.instanceId) && first?.role === "user")
              firstPrompt.set(t.instanceId, first.text ?? "");
            return inner.complete(req);
          },
        };
        return model;
      },
      sandbox: "local",
      cacheDir: tempDir("suite-cache"),
      imageTemplate: null,
      testGate: false,
      budget: { maxSteps: 20 },
      commandTimeoutMs: 60_000,
      log: silentLogger,
    });
    expect(result.done.sort()).toEqual(Object.values(ids).sort());

    for (const [commit, own, foreign, ownFile, foreignFile] of [
      [a, ALPHA, BETA, "mod_a.py", "mod_b.py"],
      [b, BETA, ALPHA, "mod_b.py", "mod_a.py"],
    ] as const) {
      const id = ids[commit]!;
      const traj = JSON.parse(readFileSync(join(out, id, "trajectory.json"), "utf8"));
      expect(traj.status).toBe("submitted");
      expect(traj.environment.baseCommit).toBe(commit);

      // The localization in the first prompt is of this task's commit.
      const prompt = firstPrompt.get(id) ?? "";
      const loc = /<localization>([\s\S]*?)<\/localization>/.exec(prompt)?.[1] ?? "";
      expect(loc, prompt).toContain(`- ${ownFile}`);
      expect(loc).toMatch(new RegExp(`${own} \\(${ownFile.replace(".", "\\.")}:1\\)`));
      expect(loc).not.toContain(foreign);
      if (commit === a) expect(loc).not.toContain(foreignFile);

      const obs: Observation[] = traj.steps.map((s: { observations: Observation[] }) => s.observations[0]);
      // bash, find own/foreign, search, bash, find own/foreign, search, submit
      expect(obs).toHaveLength(9);
      // The two runs overlapped: each passed its barriers only once the other had reached them.
      for (const i of [0, 4]) expect(obs[i]!.output).toContain("PASSED");
      for (const start of [1, 5]) {
        const [findOwn, findForeign, search] = [obs[start]!, obs[start + 1]!, obs[start + 2]!];
        expect(findOwn.output).toMatch(
          new RegExp(`^function ${own} {2}${ownFile.replace(".", "\\.")}:1 `, "m"),
        );
        expect(findForeign.output).not.toMatch(new RegExp(`^function ${foreign} `, "m"));
        expect(search.output).toContain(`${own}  ${ownFile}:1`);
        for (const o of [findOwn, findForeign, search]) {
          expect(o.isError, o.output).toBe(false);
          expect(o.output).not.toContain(foreign);
        }
        if (commit === a) expect(search.output).not.toContain(foreignFile);
      }
    }

    // One run built the graph and published it as the seed; the other started from a copy of it.
    const logs = Object.values(ids).map((id) => readFileSync(join(out, id, "run.log"), "utf8"));
    expect(logs.filter((l) => l.includes("code graph: seed published"))).toHaveLength(1);
    expect(logs.filter((l) => l.includes('"fromSeed":true'))).toHaveLength(1);
    expect(existsSync(defaultDbPath(dir))).toBe(true);
    expect(graphDirs(process.env.TMPDIR!)).toEqual([]);
  }, 180_000);

  it("creates the seed on the first run, never modifies it, and leaves no private database", async () => {
    const { dir, a, b } = twoCommitRepo();
    const tmp = process.env.TMPDIR!;
    const seed = defaultDbPath(dir);
    expect(existsSync(seed)).toBe(false);

    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (s: string) => void lines.push(s) });
    const open = async (sandbox: Sandbox) => {
      const rg = await openRunGraph({ sandbox, repoPath: dir, problemStatement: PROBLEM, log });
      expect(rg).not.toBeNull();
      // The run's database is its own, in its own temporary directory.
      expect(rg!.graph.dbPath).not.toBe(seed);
      expect(rg!.graph.dbPath.startsWith(`${tmp}/fixpoint-graph-`)).toBe(true);
      expect(existsSync(rg!.graph.dbPath)).toBe(true);
      return rg!;
    };

    // First run (at A): no seed yet, so it builds from scratch and publishes the seed.
    const sbA = await createLocalSandbox({ repoPath: dir, baseCommit: a });
    const first = await open(sbA);
    expect(existsSync(seed)).toBe(true);
    expect(first.graph.find(ALPHA)[0]).toMatchObject({ path: "mod_a.py", match: "exact" });
    // An edit of the agent is re-indexed into the run's database only.
    await sbA.writeFile("mod_a.py", `def ${ALPHA}():\n    return 1\n\n\ndef edited_in_run_a():\n    pass\n`);
    await first.hooks.update(["mod_a.py"]);
    expect(first.graph.find("edited_in_run_a")[0]).toMatchObject({ match: "exact" });
    const privateDir = dirname(first.graph.dbPath);
    await first.close();
    await sbA.close();
    expect(existsSync(privateDir)).toBe(false);
    expect(lines.filter((l) => l.includes("code graph: seed published"))).toHaveLength(1);
    const published = seedState(seed);

    // Later runs (at B, then at A again) start from a copy of the seed and leave it as it was.
    for (const commit of [b, a]) {
      const sb = await createLocalSandbox({ repoPath: dir, baseCommit: commit });
      const rg = await open(sb);
      const own = commit === a ? ALPHA : BETA;
      const foreign = commit === a ? BETA : ALPHA;
      expect(rg.graph.find(own)[0]).toMatchObject({ match: "exact" });
      expect(rg.graph.find(foreign).filter((h) => h.name === foreign)).toEqual([]);
      expect(rg.graph.find("edited_in_run_a").filter((h) => h.match === "exact")).toEqual([]);
      await sb.writeFile("mod_c.py", "def edited_later():\n    pass\n");
      await rg.hooks.update(["mod_c.py"]);
      expect(rg.graph.find("edited_later")[0]).toMatchObject({ match: "exact" });
      await rg.close();
      await sb.close();
      expect(seedState(seed)).toEqual(published);
    }
    const ready = lines.map((l) => JSON.parse(l)).filter((r) => r.msg === "code graph ready");
    expect(ready.map((r) => r.fromSeed)).toEqual([false, true, true]);
    // Back at A nothing is parsed: the seed was published before the first run's edit.
    expect(ready[2].parsed).toBe(0);
    expect(lines.filter((l) => l.includes("code graph: seed published"))).toHaveLength(1);
    expect(graphDirs(tmp)).toEqual([]);
    expect(existsSync(`${seed}.lock`)).toBe(false);
    expect(readdirSync(dirname(seed)).filter((n) => n.includes(".tmp-"))).toEqual([]);
  }, 120_000);

  it("a Docker run's host copy is brought to its commit from a seed of another commit", async () => {
    // Both commits' archives give mod_c.py the same size and modification time: only its content
    // tells them apart. (openRunGraph reads nothing from a Docker sandbox but its changed files.)
    const { dir, a, b } = twoCommitRepo();
    const fakeDocker = (baseCommit: string) =>
      ({
        kind: "docker",
        root: "/testbed",
        baseCommit,
        readFile: async () => {
          throw new Error("not read in this test");
        },
        diff: async () => "",
      }) as unknown as Sandbox;
    const seed = defaultDbPath(dir);
    const atA = await openRunGraph({
      sandbox: fakeDocker(a),
      repoPath: dir,
      problemStatement: PROBLEM,
      log: silentLogger,
    });
    expect(atA!.graph.find("gamma_one")[0]).toMatchObject({ match: "exact" });
    await atA!.close();
    const published = seedState(seed);
    const atB = await openRunGraph({
      sandbox: fakeDocker(b),
      repoPath: dir,
      problemStatement: PROBLEM,
      log: silentLogger,
    });
    expect(atB!.graph.find("gamma_two")[0]).toMatchObject({ path: "mod_c.py", match: "exact" });
    expect(atB!.graph.find("gamma_one").filter((h) => h.match === "exact")).toEqual([]);
    expect(atB!.graph.find(BETA)[0]).toMatchObject({ path: "mod_b.py", match: "exact" });
    await atB!.close();
    expect(seedState(seed)).toEqual(published);
    expect(graphDirs(process.env.TMPDIR!)).toEqual([]);
  });

  it("a run whose graph cannot be built returns none and leaves nothing behind", async () => {
    const { dir, a } = twoCommitRepo();
    const gone = {
      kind: "local",
      root: join(tempDir("gone"), "missing"),
      baseCommit: a,
    } as unknown as Sandbox;
    const rg = await openRunGraph({
      sandbox: gone,
      repoPath: dir,
      problemStatement: PROBLEM,
      log: silentLogger,
    });
    expect(rg).toBeNull();
    expect(graphDirs(process.env.TMPDIR!)).toEqual([]);
    expect(existsSync(defaultDbPath(dir))).toBe(false);
  });
});
