/**
 * Sandbox benchmarks (`npx tsx bench/sandbox/run.ts`). Prints figures, never fails on time.
 *  1. Command round trip in the persistent shell vs a `docker exec` per command (dockerode
 *     exec create+start, and the `docker exec` CLI — how mini-swe-agent runs commands).
 *  2. Local persistent shell vs spawning `bash -c` per command.
 *  3. Container create + start + copy-in of a generated 10,000-file repository.
 *  4. A second `buildEnvironmentImage` of an unchanged repository.
 * Env: FIXPOINT_BASE_IMAGE (default fixpoint/debian:bookworm), BENCH_N (round trips, default 200).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import {
  buildEnvironmentImage,
  createDockerSandbox,
  createLocalSandbox,
  dockerAvailable,
  ensureFamilyImage,
} from "../../src/sandbox/index.js";

const N = Number(process.env.BENCH_N ?? 200);
const BASE = process.env.FIXPOINT_BASE_IMAGE ?? "fixpoint/debian:bookworm";
const rows: [string, string][] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(5, n); i++) await fn(); // warm-up
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

function gitRepo(files: number): string {
  const dir = mkdtempSync(join(tmpdir(), "fixpoint-bench-"));
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "b",
    GIT_AUTHOR_EMAIL: "b@b",
    GIT_COMMITTER_NAME: "b",
    GIT_COMMITTER_EMAIL: "b@b",
  };
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir });
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `pkg${i % 100}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `mod_${i}.py`), `def f_${i}(x):\n    return x + ${i}\n`);
  }
  writeFileSync(join(dir, "pyproject.toml"), "[project]\nname = 'bench'\nversion = '0'\n");
  execFileSync("git", ["add", "-A"], { cwd: dir, env });
  // No background auto-gc writing into .git while the benchmark (or its cleanup) runs.
  execFileSync("git", ["-c", "gc.auto=0", "commit", "-qm", "init"], { cwd: dir, env });
  return dir;
}

function spawnBash(): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn("bash", ["-c", "true"], { stdio: "ignore" });
    c.once("error", reject);
    c.once("close", () => resolve());
  });
}

async function main() {
  const small = gitRepo(10);
  try {
    // Local: persistent shell vs bash -c per command.
    const local = await createLocalSandbox({ repoPath: small });
    const localShell = await timeEach(N, () => local.exec("true"));
    const localSpawn = await timeEach(N, spawnBash);
    await local.close();
    rows.push(["local: persistent shell round trip (median)", ms(localShell)]);
    rows.push(["local: spawn `bash -c` per command (median, baseline)", ms(localSpawn)]);
    rows.push(["local: speed-up", `${(localSpawn / localShell).toFixed(1)}x`]);

    if (!(await dockerAvailable())) {
      rows.push(["docker", "not answering: Docker figures skipped"]);
      return;
    }
    const docker = new Docker();
    const { image } = await ensureFamilyImage("python", BASE);
    const sb = await createDockerSandbox({ repoPath: small, image });
    const container = docker.getContainer((sb as unknown as { containerId: string }).containerId);
    const dockerShell = await timeEach(N, () => sb.exec("true"));
    const perExec = await timeEach(Math.min(N, 50), async () => {
      const exec = await container.exec({
        Cmd: ["bash", "-c", "true"],
        AttachStdout: true,
        AttachStderr: true,
      });
      const stream = await exec.start({ hijack: true, stdin: false });
      const out = new PassThrough();
      docker.modem.demuxStream(stream, out, out);
      await new Promise<void>((r) => {
        stream.once("end", () => r());
        stream.resume();
      });
      await exec.inspect();
    });
    const perCli = await timeEach(Math.min(N, 30), async () => {
      execFileSync("docker", ["exec", container.id, "bash", "-c", "true"], { stdio: "ignore" });
    });
    await sb.close();
    rows.push(["docker: persistent shell round trip (median)", ms(dockerShell)]);
    rows.push(["docker: exec create+start per command, dockerode (median, baseline)", ms(perExec)]);
    rows.push(["docker: `docker exec` CLI per command (median, mini-swe-agent style)", ms(perCli)]);
    rows.push([
      "docker: speed-up vs dockerode exec (target >= 50x)",
      `${(perExec / dockerShell).toFixed(1)}x`,
    ]);
    rows.push(["docker: speed-up vs docker exec CLI", `${(perCli / dockerShell).toFixed(1)}x`]);

    // Create + start + copy-in of a 10,000-file repository (clone at base, tar, putArchive, shell up).
    const big = gitRepo(10_000);
    try {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const s = await createDockerSandbox({ repoPath: big, image });
        times.push(performance.now() - t0);
        const count = (await s.exec("git ls-files | wc -l")).stdout.trim();
        if (i === 0) rows.push(["docker: files in the 10k-file sandbox (git ls-files)", count]);
        await s.close();
      }
      rows.push(["docker: create+start+copy-in, 10,000-file repo (median of 3)", ms(median(times))]);
      const tl = performance.now();
      const l = await createLocalSandbox({ repoPath: big });
      rows.push(["local: create (clone+checkout), 10,000-file repo", ms(performance.now() - tl)]);
      await l.close();

      // Environment image: first build (or reuse from an earlier run), then the second build.
      const t1 = performance.now();
      const first = await buildEnvironmentImage({ repoPath: big, baseImage: BASE });
      rows.push([
        `env build, first (${first.reused ? "already present" : "built"})`,
        ms(performance.now() - t1),
      ]);
      const t2 = performance.now();
      const second = await buildEnvironmentImage({ repoPath: big, baseImage: BASE });
      rows.push([
        `env build, second, unchanged repo (reused=${second.reused}; target < 1 s)`,
        ms(performance.now() - t2),
      ]);
    } finally {
      rmSync(big, { recursive: true, force: true, maxRetries: 5 });
    }
  } finally {
    rmSync(small, { recursive: true, force: true, maxRetries: 5 });
  }
}

await main();
const w = Math.max(...rows.map((r) => r[0].length));
console.log(`\nsandbox benchmarks (N=${N})\n${"-".repeat(w + 14)}`);
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
