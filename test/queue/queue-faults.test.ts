/**
 * The queue's faults, each with a real redis-server, real `fixpoint worker` processes and real
 * coordinators: a worker killed mid-task, the coordinator killed and started again, Redis
 * stopped and started again mid-suite, the total cost cap across workers, SIGTERM on a worker
 * (finish within the grace period, or hand back), Ctrl-C on the coordinator, infrastructure
 * failures retried a bounded number of times, and an agent outcome that is never retried.
 * Skipped where redis-server is not installed; under CI=true that is a failure.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/fixtures.js";
import {
  coordinator,
  fixpoint,
  fixtureSuite,
  predictionIds,
  redisInstalled,
  slowScript,
  startWorker,
  startWorkers,
  statusOf,
  stopWorkers,
  useRedisServer,
  waitUntil,
} from "./harness.js";

const redis = useRedisServer();

const sorted = (xs: string[]) => [...xs].sort();
/** A coordinator's output and the errors its failed tasks recorded: what a failing assertion shows. */
const whyFailed = (r: { stdout: string; stderr: string }, out: string) => {
  let failed: string[] = [];
  try {
    failed = (JSON.parse(r.stdout) as { failed: string[] }).failed;
  } catch {}
  const errors = failed.map((id) => `${id}: ${JSON.stringify(statusOf(out, id))}`);
  return [r.stdout, r.stderr, ...errors].join("\n");
};
const predictionCount = (out: string) =>
  existsSync(join(out, "predictions.jsonl")) ? predictionIds(out).length : 0;

describe.skipIf(!redisInstalled)("queue faults", () => {
  it("a worker killed with SIGKILL mid-task: the task finishes on another worker after the lock expires", async () => {
    const suite = await fixtureSuite();
    const id = suite.ids[0]!;
    const out = join(tempDir("qkill"), "out");
    const doomed = startWorker(redis().url, "doomed", suite, ["--lock-duration", "2s"]);
    await doomed.waitFor(/ready/);
    const c = coordinator(redis().url, suite.tasksPath, out, `scripted:${slowScript(4)}`, [
      "--instances",
      id,
      "--no-test-gate",
    ]);
    await doomed.waitFor(/start run/);
    await doomed.kill("SIGKILL");
    const [rescuer] = await startWorkers(redis().url, suite, ["rescuer"], ["--lock-duration", "2s"]);
    const r = await c.done;
    expect(r.code, r.stderr).toBe(0);
    expect(statusOf(out, id)).toMatchObject({ state: "done", final: true, queue: { worker: "rescuer" } });
    expect(rescuer!.starts()).toEqual([id]);
    expect(predictionIds(out)).toEqual([id]);
    expect(await stopWorkers([rescuer!])).toEqual([0]);
  }, 90_000);

  it("the coordinator killed and started again with the same --out: no task lost or run twice", async () => {
    const suite = await fixtureSuite(2);
    const out = join(tempDir("qcoord"), "out");
    const workers = await startWorkers(redis().url, suite, ["a", "b"]);
    const model = `scripted:${slowScript(1)}`;
    const first = coordinator(redis().url, suite.tasksPath, out, model, ["--no-test-gate"]);
    await waitUntil("a recorded task", () => predictionCount(out) >= 1);
    await first.kill("SIGKILL");
    // The workers go on while no coordinator records: at least one more task ends meanwhile.
    const ended = () => workers.reduce((n, w) => n + (w.stdout.match(/end run /g)?.length ?? 0), 0);
    const endedAtKill = ended();
    await waitUntil("a task ending with no coordinator", () => ended() > endedAtKill);
    const second = await coordinator(redis().url, suite.tasksPath, out, model, ["--no-test-gate"]).done;
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout);
    expect(summary.skipped_already_done).toBeGreaterThanOrEqual(1);
    expect(summary.done + summary.skipped_already_done).toBe(suite.ids.length);
    expect(sorted(predictionIds(out))).toEqual(sorted(suite.ids));
    expect(sorted(workers.flatMap((w) => w.starts()))).toEqual(sorted(suite.ids));
    expect(await stopWorkers(workers)).toEqual([0, 0]);
  }, 120_000);

  it("Redis stopped and started again mid-suite: workers and coordinator reconnect and the suite completes", async () => {
    const suite = await fixtureSuite(2);
    const out = join(tempDir("qredis"), "out");
    const workers = await startWorkers(redis().url, suite, ["r1", "r2"]);
    const c = coordinator(redis().url, suite.tasksPath, out, `scripted:${slowScript(1)}`, ["--no-test-gate"]);
    await waitUntil("a recorded task", () => predictionCount(out) >= 1);
    expect(predictionCount(out)).toBeLessThan(suite.ids.length); // mid-suite
    await redis().stop();
    await new Promise((r) => setTimeout(r, 2000));
    await redis().start();
    const r = await c.done;
    expect(r.code, whyFailed(r, out)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ done: suite.ids.length, failed: [] });
    expect(sorted(predictionIds(out))).toEqual(sorted(suite.ids));
    expect(sorted(workers.flatMap((w) => w.starts()))).toEqual(sorted(suite.ids));
    expect(await stopWorkers(workers)).toEqual([0, 0]);
  }, 120_000);

  it("--max-cost-total across workers: once reached no worker starts a task, the waiting ones are not started", async () => {
    const suite = await fixtureSuite(2);
    const out = join(tempDir("qcap"), "out");
    const workers = await startWorkers(redis().url, suite, ["c1", "c2"]);
    // Each task costs $1.20 (two turns of $0.60): the first to finish reaches the $1 cap while the
    // other worker's task is already running; that one finishes, nothing else starts.
    const r = await coordinator(redis().url, suite.tasksPath, out, `scripted:${slowScript(2, 0.6)}`, [
      "--no-test-gate",
      "--max-cost-total",
      "1",
    ]).done;
    expect(r.code, r.stderr).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary.done).toBe(2);
    expect(summary.not_started_cost_cap).toHaveLength(suite.ids.length - 2);
    expect(summary.cost_usd).toBeCloseTo(2.4, 5);
    expect(predictionIds(out)).toHaveLength(2);
    expect(workers.flatMap((w) => w.starts())).toHaveLength(2);
    expect(await stopWorkers(workers)).toEqual([0, 0]);
  }, 90_000);

  it("SIGTERM: a worker finishes its task within the grace period and exits 0; past it, hands the task back", async () => {
    const suite = await fixtureSuite();
    const [id0, id1] = suite.ids as [string, string];
    const out = join(tempDir("qterm"), "out");
    const w1 = startWorker(redis().url, "finisher", suite, ["--grace", "60s"]);
    await w1.waitFor(/ready/);
    const c1 = coordinator(redis().url, suite.tasksPath, out, `scripted:${slowScript(2)}`, [
      "--instances",
      id0,
      "--no-test-gate",
    ]);
    await w1.waitFor(/start run/);
    expect((await w1.kill("SIGTERM")).code).toBe(0);
    expect(w1.stdout).toContain(`end run ${id0}: submitted`);
    expect((await c1.done).code).toBe(0);
    expect(statusOf(out, id0)).toMatchObject({ state: "done", queue: { worker: "finisher" } });

    const w2 = startWorker(redis().url, "leaver", suite, ["--grace", "1s"]);
    await w2.waitFor(/ready/);
    const c2 = coordinator(redis().url, suite.tasksPath, out, `scripted:${slowScript(8)}`, [
      "--instances",
      id1,
      "--no-test-gate",
    ]);
    await w2.waitFor(/start run/);
    // suite status names the worker that holds the task.
    const status = JSON.parse(
      (await fixpoint(["suite", "status", "--queue", redis().url, "--json"]).done).stdout,
    );
    expect(status.suites).toContainEqual(
      expect.objectContaining({
        kind: "run",
        active: 1,
        running: [expect.objectContaining({ instance_id: id1, worker: "leaver" })],
      }),
    );
    expect((await w2.kill("SIGTERM")).code).toBe(0);
    expect(w2.stdout).toContain(`hand back run ${id1}`);
    expect(w2.stdout).not.toContain(`end run ${id1}`);
    const [w3] = await startWorkers(redis().url, suite, ["taker"]);
    const r2 = await c2.done;
    expect(r2.code, r2.stderr).toBe(0);
    // Handed back, not failed: the task ran to its end on the next worker, as its first attempt.
    expect(statusOf(out, id1)).toMatchObject({ state: "done", attempts: 1, queue: { worker: "taker" } });
    expect(sorted(predictionIds(out))).toEqual(sorted([id0, id1]));
    expect(await stopWorkers([w3!])).toEqual([0]);
  }, 120_000);

  it("Ctrl-C on the coordinator: waiting jobs removed, the running task finishes and is recorded, exit 130", async () => {
    const suite = await fixtureSuite(2);
    const out = join(tempDir("qint"), "out");
    const [w] = await startWorkers(redis().url, suite, ["i1"]);
    const c = coordinator(redis().url, suite.tasksPath, out, `scripted:${slowScript(2)}`, ["--no-test-gate"]);
    await w!.waitFor(/start run/);
    const r = await c.kill("SIGINT");
    expect(r.code, r.stderr).toBe(130);
    const summary = JSON.parse(r.stdout);
    const [running] = w!.starts();
    expect(summary.done).toBe(1);
    expect(sorted(summary.interrupted)).toEqual(sorted(suite.ids.filter((id) => id !== running)));
    expect(predictionIds(out)).toEqual([running]);
    expect(statusOf(out, running!)).toMatchObject({ state: "done", queue: { worker: "i1" } });
    // Nothing is left for the workers: the worker starts nothing else.
    await new Promise((res) => setTimeout(res, 1500));
    expect(w!.starts()).toEqual([running]);
    expect(await stopWorkers([w!])).toEqual([0]);
  }, 60_000);

  it("an infrastructure failure is retried with backoff a bounded number of times, then recorded as not final (exit 3)", async () => {
    const suite = await fixtureSuite();
    const id = suite.ids[0]!;
    const out = join(tempDir("qinfra"), "out");
    // A worker whose Docker engine does not answer: every attempt of a Docker task fails on infrastructure.
    const broken = startWorker(redis().url, "no-engine", suite, [], {
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
    });
    await broken.waitFor(/ready/);
    const r = await fixpoint(
      ["suite", "run", suite.tasksPath, "--queue", redis().url, "--out", out, "--model", "scripted:{script}"]
        .concat(["--sandbox", "docker", "--image-template", "none", "--instances", id, "--json"])
        .concat(["--queue-attempts", "3", "--queue-backoff", "500ms"]),
    ).done;
    expect(r.code, r.stderr).toBe(3);
    expect(JSON.parse(r.stdout).failed).toEqual([id]);
    expect(broken.starts()).toEqual([id, id, id]);
    expect(broken.stdout).toMatch(/attempt 1\)[\s\S]*attempt 2\)[\s\S]*attempt 3\)/);
    expect(statusOf(out, id)).toMatchObject({ state: "error", final: false, attempts: 3 });
    expect(existsSync(join(out, "predictions.jsonl")) ? predictionIds(out) : []).toEqual([]);
    expect(await stopWorkers([broken])).toEqual([0]);
  }, 60_000);

  it("an agent outcome (exit_steps) is a result: recorded once, never retried", async () => {
    const suite = await fixtureSuite();
    const id = suite.ids[0]!;
    const out = join(tempDir("qsteps"), "out");
    const [w] = await startWorkers(redis().url, suite, ["s1"]);
    const looping = join(tempDir("loop"), "loop.yaml");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      looping,
      "loop: true\nturns:\n  - tool_calls:\n      - { name: bash, input: { command: 'true' } }\n",
    );
    const r = await coordinator(redis().url, suite.tasksPath, out, `scripted:${looping}`, [
      "--instances",
      id,
      "--max-steps",
      "2",
      "--queue-attempts",
      "3",
    ]).done;
    expect(r.code, r.stderr).toBe(0);
    expect(statusOf(out, id)).toMatchObject({
      state: "done",
      final: true,
      exit_status: "exit_steps",
      attempts: 1,
    });
    expect(w!.starts()).toEqual([id]);
    expect(readFileSync(join(out, "predictions.jsonl"), "utf8")).toContain(id);
    expect(await stopWorkers([w!])).toEqual([0]);
  }, 60_000);
});
