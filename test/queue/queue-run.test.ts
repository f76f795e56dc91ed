/**
 * `suite run --queue` end to end: a real redis-server, three real `fixpoint worker` processes and
 * the fixture suite with its scripted models. Every task done exactly once, by more than one
 * worker, into the same folders and predictions.jsonl as the local runner; nothing secret in
 * Redis; `suite status` and `suite eval --queue`; a malformed job refused with its reason.
 * Skipped where redis-server is not installed; under CI=true that is a failure.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/fixtures.js";
import {
  coordinator,
  fixpoint,
  fixtureSuite,
  predictionIds,
  RedisServer,
  redisInstalled,
  selfSignedCertificate,
  startWorker,
  startWorkers,
  statusOf,
  stopWorkers,
  useRedisServer,
  waitUntil,
} from "./harness.js";

const redis = useRedisServer();

const SECRET = "sk-ant-queue-test-7d1f0c9e5b2a";

describe.skipIf(!redisInstalled)("suite run --queue", () => {
  it("three workers drain the suite: every task once, the local runner's files, no secret in Redis", async () => {
    const suite = await fixtureSuite(2);
    const out = join(tempDir("qrun"), "out");
    // Enqueued with --detach while no worker runs: the coordinator leaves and the jobs wait.
    const detached = await coordinator(redis().url, suite.tasksPath, out, "scripted:{script}", ["--detach"], {
      ANTHROPIC_API_KEY: SECRET,
    }).done;
    expect(detached.code, detached.stderr).toBe(0);
    expect(JSON.parse(detached.stdout).queued.sort()).toEqual([...suite.ids].sort());
    const waiting = await fixpoint(["suite", "status", "--queue", redis().url, "--json"]).done;
    expect(JSON.parse(waiting.stdout).suites).toEqual([
      expect.objectContaining({ kind: "run", waiting: suite.ids.length, active: 0, done: 0 }),
    ]);

    const workers = await startWorkers(redis().url, suite, ["w1", "w2", "w3"]);
    // Started again with the same --out, the coordinator attaches to the queued jobs and records them.
    const run = await coordinator(redis().url, suite.tasksPath, out, "scripted:{script}", [], {
      ANTHROPIC_API_KEY: SECRET,
    }).done;
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ total: suite.ids.length, done: suite.ids.length, failed: [] });
    expect(predictionIds(out).sort()).toEqual([...suite.ids].sort());
    const preds = readFileSync(join(out, "predictions.jsonl"), "utf8").split("\n").filter(Boolean);
    expect(preds.every((l) => JSON.parse(l).model_patch.includes("diff --git"))).toBe(true);
    for (const id of suite.ids) {
      expect(statusOf(out, id)).toMatchObject({ state: "done", final: true, exit_status: "submitted" });
      for (const f of ["trajectory.json", "run.log", "patch.diff", "result.json"])
        expect(existsSync(join(out, id, f)), `${id}/${f}`).toBe(true);
    }
    // Each task ran exactly once, and the work was shared.
    const starts = workers.flatMap((w) => w.starts());
    expect(starts.sort()).toEqual([...suite.ids].sort());
    expect(new Set(suite.ids.map((id) => statusOf(out, id).queue?.worker)).size).toBeGreaterThan(1);

    const after = JSON.parse(
      (await fixpoint(["suite", "status", "--queue", redis().url, "--json"]).done).stdout,
    );
    expect(after.workers).toEqual(["w1", "w2", "w3"]);
    expect(after.suites).toEqual([
      expect.objectContaining({ kind: "run", waiting: 0, active: 0, done: suite.ids.length, failed: 0 }),
    ]);

    // Grading on the same workers: the gold patches resolve, as `suite eval` grades them here.
    const evalOut = join(tempDir("qeval"), "out");
    const graded = await fixpoint([
      "suite",
      "eval",
      suite.goldPath,
      "--tasks",
      suite.tasksPath,
      "--out",
      evalOut,
      "--queue",
      redis().url,
      "--sandbox",
      "local",
      "--image-template",
      "none",
      "--json",
    ]).done;
    expect(graded.code, graded.stderr).toBe(0);
    expect(JSON.parse(graded.stdout)).toMatchObject({ total_instances: suite.ids.length });
    const goldIds = readFileSync(suite.goldPath, "utf8").split("\n").filter(Boolean).length;
    expect(JSON.parse(graded.stdout).resolved_instances).toBe(goldIds);
    const gold0 = JSON.parse(readFileSync(suite.goldPath, "utf8").split("\n")[0]!).instance_id;
    expect(JSON.parse(readFileSync(join(evalOut, gold0, "report.json"), "utf8"))[gold0].resolved).toBe(true);
    expect(existsSync(join(evalOut, gold0, "test_output.txt"))).toBe(true);

    expect(await stopWorkers(workers)).toEqual([0, 0, 0]);
    // The coordinators had an API key in their environment; nothing Redis stored holds it.
    expect(redis().persisted()).toContain(suite.ids[0]);
    expect(redis().persisted()).not.toContain(SECRET);
  }, 150_000);

  it("a malformed job payload is refused at once, with the field named on the job", async () => {
    const suite = await fixtureSuite();
    const [worker] = await startWorkers(redis().url, suite, ["strict"]);
    const conn = new Redis(redis().url, { maxRetriesPerRequest: null });
    const queue = new Queue("fixpoint", { connection: conn });
    try {
      const record = JSON.parse(readFileSync(suite.tasksPath, "utf8").split("\n")[0]!);
      const bad = await queue.add(
        "run",
        { v: 1, kind: "run", suite: "hand", instance_id: "x", record, base_dir: "/", settings: { model: 7 } },
        { jobId: "run.hand.bad-settings", attempts: 3 },
      );
      const badRecord = await queue.add(
        "eval",
        {
          v: 1,
          kind: "eval",
          suite: "hand",
          instance_id: "y",
          record: { repo: "a/b" },
          base_dir: "/",
          prediction: { instance_id: "y", model_name_or_path: "m", model_patch: "" },
          settings: { sandbox: "local", timeout_ms: 1000, image_template: null, grade_empty: false },
        },
        { jobId: "eval.hand.bad-record", attempts: 3 },
      );
      for (const job of [bad, badRecord])
        await waitUntil(`job ${job.id} to fail`, async () => (await job.getState()) === "failed", 30_000);
      const b1 = (await queue.getJob(bad.id!))!;
      expect(b1.failedReason).toMatch(/^job payload: settings\.model: .*string/);
      expect(b1.attemptsMade).toBe(1); // refused, not retried
      const b2 = (await queue.getJob(badRecord.id!))!;
      expect(b2.failedReason).toMatch(/^job payload: record: .*instance_id/);
      expect(worker!.stdout).toMatch(/refused job run\.hand\.bad-settings: job payload: settings\.model/);
      await b1.remove();
      await b2.remove();
    } finally {
      await queue.close();
      conn.disconnect();
      expect(await stopWorkers([worker!])).toEqual([0]);
    }
  }, 60_000);
});

describe.skipIf(!redisInstalled)("suite run --queue over TLS with a password", () => {
  it("rediss://:password@host: workers and coordinator trusting the server's CA drain the suite", async () => {
    const tls = selfSignedCertificate();
    const password = "q/ueue pass";
    const server = await RedisServer.start({ tls, password });
    try {
      expect(server.url).toMatch(/^rediss:\/\/:q%2Fueue%20pass@127\.0\.0\.1:\d+$/);
      // The CA comes the way a corporate one does: NODE_EXTRA_CA_CERTS.
      const env = { NODE_EXTRA_CA_CERTS: tls.certFile };
      const suite = await fixtureSuite();
      const workers = ["t1", "t2"].map((n) => startWorker(server.url, n, suite, [], env));
      await Promise.all(workers.map((w) => w.waitFor(/ready/)));
      const out = join(tempDir("qtls"), "out");
      const run = await coordinator(server.url, suite.tasksPath, out, "scripted:{script}", [], env).done;
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ total: 3, done: 3, failed: [] });
      expect(predictionIds(out).sort()).toEqual(
        readFileSync(suite.tasksPath, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l).instance_id)
          .sort(),
      );
      // The password is never printed.
      for (const p of [run, ...workers.map((w) => ({ stdout: w.stdout, stderr: w.stderr }))])
        expect(p.stdout + p.stderr).not.toContain("q/ueue");
      const status = await fixpoint(["suite", "status", "--queue", server.url, "--json"], env).done;
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout).suites).toEqual([expect.objectContaining({ kind: "run", done: 3 })]);
      expect(await stopWorkers(workers)).toEqual([0, 0]);

      // Without the CA, or with a wrong password: one line naming the cause at once, exit 2.
      const untrusted = await fixpoint(["suite", "status", "--queue", server.url], {
        NODE_EXTRA_CA_CERTS: "",
      }).done;
      expect(untrusted.code).toBe(2);
      expect(untrusted.stderr.trim()).toMatch(
        /^fixpoint: suite status: Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*self[- ]signed.*NODE_EXTRA_CA_CERTS=FILE$/,
      );
      const wrongUrl = server.url.replace("q%2Fueue", "wrong");
      const wrong = await fixpoint(["worker", "--queue", wrongUrl, "--mirror", suite.mirror], env).done;
      expect(wrong.code).toBe(2);
      expect(wrong.stderr.trim()).toMatch(
        /^fixpoint: worker: Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS/,
      );
    } finally {
      await server.stop();
    }
  }, 120_000);
});
