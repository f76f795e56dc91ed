/** SIGINT/SIGTERM mid-run: trajectory saved as exit_interrupted, sandbox removed, exit 130. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startCli } from "../support/cli.js";
import { fixtureRepo, repoState, tempDir, writeScript } from "../support/fixtures.js";

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `fixpoint solve` with a scripted model whose first command marks STARTED then sleeps. */
function startSleepingSolve(dir: string, out: string, sandbox: "local" | "docker", env?: NodeJS.ProcessEnv) {
  const script = writeScript(
    `turns:\n  - tool_calls:\n      - name: bash\n        input: { command: "echo started > STARTED && sleep 60" }\n`,
  );
  const args = ["solve", "--repo", dir, "--issue", "anything", "--model", `scripted:${script}`];
  return startCli([...args, "--sandbox", sandbox, "--out", out], env ? { env } : undefined);
}

describe.each(["SIGINT", "SIGTERM"] as const)("%s mid-run", (signal) => {
  it("saves the trajectory, removes the sandbox and exits 130", async () => {
    const { dir } = await fixtureRepo("py-median");
    const untouched = repoState(dir);
    const out = tempDir("out");
    const cli = startSleepingSolve(dir, out, "local");
    // Wait until the command is running inside the sandbox.
    const root = await waitFor(() => {
      const runs = existsSync(out) ? readdirSync(out) : [];
      if (!runs[0]) return undefined;
      const p = join(out, runs[0], "trajectory.json");
      if (!existsSync(p)) return undefined;
      const t = JSON.parse(readFileSync(p, "utf8"));
      const r = t.environment?.root as string | undefined;
      return r && existsSync(join(r, "STARTED")) ? r : undefined;
    });
    const t0 = Date.now();
    cli.child.kill(signal);
    const r = await cli.done;
    expect(r.code, r.stderr).toBe(130);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const runs = readdirSync(out);
    const traj = JSON.parse(readFileSync(join(out, runs[0]!, "trajectory.json"), "utf8"));
    expect(traj.status).toBe("exit_interrupted");
    // The command was interrupted, not the sandbox: the diff was still taken.
    expect(traj.patch).toContain("STARTED");
    expect(existsSync(root)).toBe(false);
    expect(repoState(dir)).toBe(untouched);
  });
});

describe("SIGINT mid-run with --sandbox docker", async () => {
  const { execFileSync } = await import("node:child_process");
  const { dockerUp, mustHaveDocker } = await import("../sandbox/docker-env.js");
  process.env.FIXPOINT_BASE_IMAGE ??= "fixpoint/debian:bookworm";
  const containers = (runId: string, all = true) =>
    execFileSync("docker", ["ps", ...(all ? ["-a"] : []), "-q", "--filter", `label=fixpoint.run=${runId}`], {
      encoding: "utf8",
    }).trim();

  it.skipIf(!dockerUp && !mustHaveDocker)(
    "removes the container and exits 130",
    async () => {
      const { dir } = await fixtureRepo("py-median");
      const untouched = repoState(dir);
      const out = tempDir("out");
      const cli = startSleepingSolve(dir, out, "docker", {
        ...process.env,
        FIXPOINT_BASE_IMAGE: process.env.FIXPOINT_BASE_IMAGE,
      });
      const runId = await waitFor(() => (existsSync(out) ? readdirSync(out)[0] : undefined), 120_000);
      // Wait until the command is running inside the container.
      await waitFor(() => {
        const id = containers(runId, false).split("\n")[0];
        if (!id) return undefined;
        try {
          execFileSync("docker", ["exec", id, "test", "-f", "/testbed/STARTED"], { stdio: "ignore" });
          return id;
        } catch {
          return undefined;
        }
      }, 240_000);
      cli.child.kill("SIGINT");
      const r = await cli.done;
      expect(r.code, r.stderr).toBe(130);
      expect(containers(runId)).toBe("");
      const traj = JSON.parse(readFileSync(join(out, runId, "trajectory.json"), "utf8"));
      expect(traj.status).toBe("exit_interrupted");
      expect(repoState(dir)).toBe(untouched);
    },
    300_000,
  );
});
