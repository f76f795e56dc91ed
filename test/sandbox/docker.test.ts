import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InfraError } from "../../src/common/index.js";
import {
  closeAllSandboxes,
  createDockerSandbox,
  gcSandboxes,
  openSandbox,
  type Sandbox,
  sandboxOwner,
} from "../../src/sandbox/index.js";
import { dockerUp, mustHaveDocker, pythonImage, skipReason } from "./docker-env.js";
import { git, hashTree, makeRepo } from "./helpers.js";

if (!dockerUp && mustHaveDocker) {
  throw new Error("CI=true but the Docker engine does not answer: the Docker tests cannot run");
}

describe.skipIf(!dockerUp)(`DockerSandbox on a real engine${skipReason ? ` (${skipReason})` : ""}`, () => {
  const docker = new Docker();
  let image: string;
  let repo: ReturnType<typeof makeRepo>;
  const opened: Sandbox[] = [];
  const open = async (extra: Partial<Parameters<typeof createDockerSandbox>[0]> = {}) => {
    const sb = await createDockerSandbox({ repoPath: repo.path, image, ...extra });
    opened.push(sb);
    return sb;
  };
  const containerOf = (sb: Sandbox) => (sb as unknown as { containerId: string }).containerId;

  beforeAll(async () => {
    image = await pythonImage();
    repo = makeRepo();
  }, 900_000);
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  afterAll(() => {
    if (repo) rmSync(repo.path, { recursive: true, force: true });
  });

  it("keeps cd and exports, reports exit codes and stderr, runs git on the copied checkout", async () => {
    const sb = await open();
    expect(sb.kind).toBe("docker");
    expect(sb.root).toBe("/testbed");
    expect(sb.baseCommit).toBe(repo.second);
    await sb.exec("cd src && export GREETING=hi");
    const r = await sb.exec(
      'pwd; echo "$GREETING"; echo oops >&2; git rev-parse HEAD; exit_with() { return 6; }; exit_with',
    );
    expect(r.exitCode).toBe(6);
    expect(r.stdout).toBe(`/testbed/src\nhi\n${repo.second}\n`);
    expect(r.stderr).toBe("oops\n");
    expect((await sb.exec("cat")).stdout).toBe("");
    // The copied checkout is exactly the base commit: nothing modified, nothing untracked.
    expect((await sb.exec("git status --porcelain; git -C /testbed ls-files | wc -l")).stdout).toBe("4\n");
    expect(await sb.diff()).toBe("");
  });

  it("history 'base': the base commit alone (shallow), a clean checkout, and diffs as usual", async () => {
    const sb = await open({ history: "base", baseCommit: repo.first });
    expect(sb.baseCommit).toBe(repo.first);
    const r = await sb.exec(
      "git rev-parse HEAD; git rev-list --count HEAD; git rev-parse --is-shallow-repository",
    );
    expect(r.stdout).toBe(`${repo.first}\n1\ntrue\n`);
    expect((await sb.exec("git status --porcelain")).stdout).toBe("");
    // The full history stays the default.
    const full = await open({ baseCommit: repo.second });
    expect((await full.exec("git rev-list --count HEAD")).stdout).toBe("2\n");
    await sb.writeFile("src/app.py", "changed\n");
    expect(await sb.listChangedFiles()).toEqual(["src/app.py"]);
    expect(await sb.diff()).toContain("+changed");
  });

  it("interrupts `sleep 1000` after 2 s and the next command runs in the same cwd", async () => {
    const sb = await open();
    await sb.exec("cd src");
    const t0 = Date.now();
    const r = await sb.exec("echo started; sleep 1000", { timeoutMs: 2000 });
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBe(124);
    expect(r.stdout).toBe("started\n");
    const next = await sb.exec("pwd; ps -eo args | grep -c '^sleep 1000$' || true");
    expect(next.stdout).toBe("/testbed/src\n0\n");
  });

  it("restarts a shell that exited, with cwd and exports restored", async () => {
    const sb = await open();
    await sb.exec("cd src && export KEEP=1");
    const r = await sb.exec("exit 3");
    expect(r.exitCode).toBe(3);
    expect((await sb.exec("pwd; echo $KEEP")).stdout).toBe("/testbed/src\n1\n");
  });

  it("has no network: a connection attempt from inside fails", async () => {
    const sb = await open();
    const r = await sb.exec("timeout 5 bash -c 'echo > /dev/tcp/192.0.2.1/80' 2>&1; echo rc=$?");
    expect(r.stdout).toMatch(/Network is unreachable|rc=1/);
    expect(r.stdout).not.toContain("rc=0");
    const info = await docker.getContainer(containerOf(sb)).inspect();
    expect(info.HostConfig.NetworkMode).toBe("none");
    expect(info.HostConfig.Memory).toBeGreaterThan(0);
    expect(info.HostConfig.PidsLimit).toBeGreaterThan(0);
    expect(info.HostConfig.NanoCpus).toBeGreaterThan(0);
    expect(info.Config.Labels["fixpoint.managed"]).toBe("true");
    expect(info.Config.Labels["fixpoint.run"]).toBe(sb.id);
    expect(info.HostConfig.Binds ?? []).toEqual([]);
  });

  it("applies memory, CPU and process limits and runs as a non-root user", async () => {
    const sb = await open({ memoryBytes: 256 * 1024 ** 2, cpus: 1, pidsLimit: 100, user: "nobody" });
    const info = await docker.getContainer(containerOf(sb)).inspect();
    expect(info.HostConfig.Memory).toBe(256 * 1024 ** 2);
    expect(info.HostConfig.NanoCpus).toBe(1e9);
    expect(info.HostConfig.PidsLimit).toBe(100);
    const r = await sb.exec("id -un; touch src/new.py && echo ok; git status --porcelain");
    expect(r.stdout).toBe("nobody\nok\n?? src/new.py\n");
    await sb.writeFile("src/w.py", "w\n");
    expect((await sb.exec("stat -c %U src/w.py")).stdout).toBe("nobody\n");
  });

  it("diffs inside the container: modifications, deletions and new files; the patch applies", async () => {
    const sb = await open();
    await sb.writeFile("src/app.py", "def add(a, b):\n    return a + b\n");
    await sb.writeFile("pkg/new_mod.py", "Z = 3\n");
    await sb.exec("git rm -q src/util.py && mkdir -p build && touch build/ignored");
    expect(await sb.readFile("pkg/new_mod.py")).toBe("Z = 3\n");
    await expect(sb.readFile("nope.txt")).rejects.toMatchObject({ code: "ENOENT" });
    expect((await sb.listChangedFiles()).sort()).toEqual(["pkg/new_mod.py", "src/app.py", "src/util.py"]);
    const patch = await sb.diff();
    expect(patch).toContain("+    return a + b");
    expect(patch).toContain("new file mode");
    expect(patch).not.toContain("build/ignored");
    const copy = mkdtempSync(join(tmpdir(), "fixpoint-test-apply-"));
    try {
      git(copy, "clone", "-q", repo.path, ".");
      writeFileSync(join(copy, "p.diff"), patch);
      git(copy, "apply", "--check", "p.diff");
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("execOnce leaves the shell alone, takes stdin and times out", async () => {
    const sb = await open();
    await sb.exec("cd src");
    const once = await sb.execOnce("pwd; cat", { stdin: "in" });
    expect(once.stdout).toBe("/testbed\nin");
    expect((await sb.exec("pwd")).stdout).toBe("/testbed/src\n");
    const t0 = Date.now();
    const slow = await sb.execOnce("sleep 1000", { timeoutMs: 1000 });
    expect(slow.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it("close removes the container; the user's checkout stays byte-identical", async () => {
    const before = hashTree(repo.path);
    const sb = await open();
    const id = containerOf(sb);
    const volumes = (await docker.getContainer(id).inspect()).Mounts.map((m) => m.Name).filter(Boolean);
    expect(volumes.length).toBe(1);
    await sb.exec("echo x >> README.md && git add -A && git commit -qm inside && git checkout -qb other");
    await sb.diff();
    await sb.close();
    await sb.close();
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getVolume(volumes[0]!).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(hashTree(repo.path)).toBe(before);
  });

  it("closeAllSandboxes removes every open container (the CLI's signal path)", async () => {
    const a = await createDockerSandbox({ repoPath: repo.path, image });
    const id = containerOf(a);
    await closeAllSandboxes();
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("gcSandboxes removes labelled leftovers of dead runs and keeps live ones", async () => {
    const make = (owner: string) =>
      docker.createContainer({
        Image: image,
        Entrypoint: ["sleep"],
        Cmd: ["infinity"],
        Labels: { "fixpoint.managed": "true", "fixpoint.run": "leftover", "fixpoint.owner": owner },
        HostConfig: { NetworkMode: "none" },
      });
    const dead = await make(`${hostname()}:999999999`);
    const live = await make(sandboxOwner());
    // A live pid that started at another time: the owner died and its pid went to a newer process.
    const reused = await make(`${hostname()}:${process.pid}:1`);
    try {
      expect(sandboxOwner()).toMatch(new RegExp(`^${hostname()}:${process.pid}:\\d+$`));
      // Only this test's containers: other test files run Docker sandboxes at the same time.
      const removed = await gcSandboxes({ run: "leftover" });
      expect(removed).toBeGreaterThanOrEqual(2);
      await expect(dead.inspect()).rejects.toMatchObject({ statusCode: 404 });
      await expect(reused.inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await live.inspect()).Id).toBe(live.id);
      expect(await gcSandboxes({ all: true, run: "leftover" })).toBeGreaterThanOrEqual(1);
      await expect(live.inspect()).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      await dead.remove({ force: true }).catch(() => undefined);
      await live.remove({ force: true }).catch(() => undefined);
      await reused.remove({ force: true }).catch(() => undefined);
    }
  });

  it("openSandbox picks Docker when it answers and local when asked", async () => {
    const d = await openSandbox({ kind: "auto", repoPath: repo.path, image });
    opened.push(d);
    expect(d.kind).toBe("docker");
    const l = await openSandbox({ kind: "local", repoPath: repo.path });
    opened.push(l);
    expect(l.kind).toBe("local");
  });

  it("a missing image is an InfraError that says how to build one", async () => {
    await expect(
      createDockerSandbox({ repoPath: repo.path, image: "fixpoint-test/none:missing" }),
    ).rejects.toThrow(InfraError);
  });
});

describe("openSandbox without Docker", () => {
  it("--sandbox docker with no engine is a one-line InfraError naming --sandbox local", async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
    const { openSandbox: open2 } = await import("../../src/sandbox/open.js");
    const mod = await import("../../src/sandbox/docker.js");
    // A fresh client reads DOCKER_HOST; reset the cached one for this check.
    mod.resetDockerClient();
    try {
      const repo = makeRepo();
      try {
        const err = await open2({ kind: "docker", repoPath: repo.path }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InfraError);
        expect((err as Error).message).not.toContain("\n");
        expect((err as Error).message).toMatch(/Docker is not answering.*--sandbox local/);
        const local = await open2({ kind: "auto", repoPath: repo.path });
        expect(local.kind).toBe("local");
        await local.close();
      } finally {
        rmSync(repo.path, { recursive: true, force: true });
      }
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
      mod.resetDockerClient();
    }
  });
});
