/**
 * The Docker engine goes away while a suite runs. fixpoint talks to the engine through a Unix
 * socket proxy made here (DOCKER_HOST points at it); cutting the proxy and killing the task
 * containers is what an engine restart does to a run: its containers die and the engine does
 * not answer for a while. No run may record a final agent status because of it: the suite waits
 * for the engine (with backoff) and retries; when the engine stays away longer than the wait,
 * the tasks are left not final and `suite run` again with the same --out completes every task
 * exactly once. Skipped without Docker; under CI=true that is a failure.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type FixtureSuite, makeFixtureSuite } from "../../evals/suite/make-fixture-suite.js";
import { sandboxOwner } from "../../src/sandbox/index.js";
import { readStatus } from "../../src/suite/index.js";
import { BASE_IMAGE, dockerUp, mustHaveDocker, skipReason } from "../sandbox/docker-env.js";
import { cleanEnv, runCliAsync, startCli } from "../support/cli.js";
import { tempDir, writeScript } from "../support/fixtures.js";

if (!dockerUp && mustHaveDocker) throw new Error("CI=true but the Docker engine does not answer");

const ENGINE = "/var/run/docker.sock";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Unix socket that forwards to the engine's, and can be cut (every connection dropped) and restored. */
class EngineProxy {
  private server: Server | null = null;
  private readonly conns = new Set<Socket>();
  constructor(readonly path: string) {}

  async up(): Promise<void> {
    rmSync(this.path, { force: true });
    const server = createServer((client) => {
      const engine = createConnection(ENGINE);
      this.conns.add(client).add(engine);
      const drop = () => {
        client.destroy();
        engine.destroy();
        this.conns.delete(client);
        this.conns.delete(engine);
      };
      client.on("error", drop).on("close", drop);
      engine.on("error", drop).on("close", drop);
      client.pipe(engine);
      engine.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.path, resolve));
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}

function containersOf(owner: string): string[] {
  const out = execFileSync("docker", ["ps", "-q", "--filter", `label=fixpoint.owner=${owner}`], {
    encoding: "utf8",
  });
  return out.split("\n").filter(Boolean);
}

function predictionIds(out: string): string[] {
  const path = join(out, "predictions.jsonl");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { instance_id: string }).instance_id);
}

describe.skipIf(!dockerUp)(`the Docker engine lost mid-suite${skipReason ? ` (${skipReason})` : ""}`, () => {
  let suite: FixtureSuite;
  let proxy: EngineProxy;
  beforeAll(async () => {
    suite = await makeFixtureSuite(tempDir("outage"), ["py-median", "js-duration", "go-wrap"]);
    proxy = new EngineProxy(join(tempDir("outage-sock"), "docker.sock"));
  });

  /** A suite run through the proxy; the tasks sleep in their sandbox before the scripted fix. */
  const start = (out: string, engineWait: string, model: string) =>
    startCli(
      [
        "suite",
        "run",
        suite.tasksPath,
        "--mirror",
        suite.mirror,
        "--sandbox",
        "docker",
        "--workers",
        "2",
        "--image-template",
        "none",
        "--model",
        model,
        "--out",
        out,
        "--engine-wait",
        engineWait,
        "--no-test-gate",
        "--json",
      ],
      { env: cleanEnv({ FIXPOINT_BASE_IMAGE: BASE_IMAGE, DOCKER_HOST: `unix://${proxy.path}` }) },
    );

  /** Waits for two task containers of the suite's process, then cuts the engine and kills them. */
  async function outageWhenRunning(pid: number | undefined): Promise<void> {
    const owner = sandboxOwner(pid ?? -1);
    const t0 = Date.now();
    while (containersOf(owner).length < 2 && Date.now() - t0 < 300_000) await sleep(300);
    const running = containersOf(owner);
    expect(running.length).toBeGreaterThanOrEqual(2);
    await proxy.down();
    execFileSync("docker", ["kill", ...running], { stdio: "ignore" });
  }

  it("waits for the engine, retries the tasks it lost, and records each task once", {
    timeout: 900_000,
  }, async () => {
    const slow = writeScript(
      [
        "turns:",
        "  - tool_calls:",
        "      - { name: bash, input: { command: 'sleep 20' } }",
        "  - tool_calls:",
        "      - { name: submit, input: {} }",
      ].join("\n"),
    );
    const out = tempDir("outage-run");
    await proxy.up();
    const run = start(out, "5m", `scripted:${slow}`);
    await outageWhenRunning(run.child.pid);
    await sleep(8_000);
    await proxy.up();
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ done: suite.ids.length, failed: [] });
    expect(summary.retried.length).toBeGreaterThanOrEqual(2);
    expect(predictionIds(out).sort()).toEqual([...suite.ids].sort());
    for (const id of suite.ids) {
      const st = readStatus(join(out, id))!;
      // The scripted run submits; nothing the outage did is recorded as the agent's outcome.
      expect(st).toMatchObject({ state: "done", final: true, exit_status: "submitted" });
    }
    for (const id of summary.retried) expect(readStatus(join(out, id))!.attempts).toBeGreaterThanOrEqual(2);
    await proxy.down();
  });

  it("leaves tasks not final when the engine stays away, and a second run completes each exactly once", {
    timeout: 900_000,
  }, async () => {
    const slow = writeScript(
      [
        "turns:",
        "  - tool_calls:",
        "      - { name: bash, input: { command: 'sleep 20' } }",
        "  - tool_calls:",
        "      - { name: submit, input: {} }",
      ].join("\n"),
    );
    const out = tempDir("outage-resume");
    await proxy.up();
    const run = start(out, "3s", `scripted:${slow}`);
    await outageWhenRunning(run.child.pid);
    // The engine stays away until the suite has given up on it.
    const r = await run.done;
    expect(r.code, r.stderr).toBe(3);
    const statuses = suite.ids.map((id) => readStatus(join(out, id)));
    expect(statuses.some((s) => s?.state === "error")).toBe(true);
    for (const s of statuses) {
      if (s?.state === "error") expect(s.final).toBe(false);
      // No agent status is final because of the outage.
      if (s?.final) expect(s.exit_status).toBe("submitted");
    }
    const before = predictionIds(out);
    expect(before.length).toBeLessThan(suite.ids.length);

    await proxy.up();
    const again = await runCliAsync(
      [
        "suite",
        "run",
        suite.tasksPath,
        "--mirror",
        suite.mirror,
        "--sandbox",
        "docker",
        "--workers",
        "2",
        "--image-template",
        "none",
        "--model",
        "scripted:{script}",
        "--out",
        out,
        "--no-test-gate",
        "--json",
      ],
      { env: cleanEnv({ FIXPOINT_BASE_IMAGE: BASE_IMAGE, DOCKER_HOST: `unix://${proxy.path}` }) },
    );
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      done: suite.ids.length - before.length,
      skipped_already_done: before.length,
      failed: [],
    });
    expect(predictionIds(out).sort()).toEqual([...suite.ids].sort());
    await proxy.down();
  });
});
