/**
 * What the queue's tests drive: a real redis-server on a free port (its data in a temporary
 * folder, append-only so a restart keeps the jobs), real `fixpoint worker` processes and real
 * coordinators (`fixpoint suite run --queue`), with the fixture suite and scripted models.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type FixtureSuite, makeFixtureSuite } from "../../evals/suite/make-fixture-suite.js";
import { BIN, type CliResult, cleanEnv } from "../support/cli.js";
import { tempDir } from "../support/fixtures.js";

/** Whether redis-server is installed (Debian's `redis-server`). Under CI=true its absence is a failure. */
export const redisInstalled = spawnSync("redis-server", ["--version"]).status === 0;
if (!redisInstalled && process.env.CI === "true")
  throw new Error("CI=true but redis-server is not installed");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** How a test's Redis is reached: TLS only (`rediss://`, a self-signed certificate) and a password. */
export interface RedisSecurity {
  tls?: { certFile: string; keyFile: string };
  password?: string;
}

/**
 * A self-signed certificate for 127.0.0.1 made with the openssl CLI; a client trusts it through
 * NODE_EXTRA_CA_CERTS, as a user behind a private CA would.
 */
export function selfSignedCertificate(): { certFile: string; keyFile: string } {
  const dir = tempDir("tls");
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  const r = spawnSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"].concat([
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ]),
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr || r.error}`);
  return { certFile, keyFile };
}

export class RedisServer {
  private proc: ChildProcess | null = null;
  readonly dir = tempDir("redis");
  constructor(
    readonly port: number,
    readonly security: RedisSecurity = {},
  ) {}
  get url() {
    const auth = this.security.password ? `:${encodeURIComponent(this.security.password)}@` : "";
    return `${this.security.tls ? "rediss" : "redis"}://${auth}127.0.0.1:${this.port}`;
  }

  static async start(security: RedisSecurity = {}): Promise<RedisServer> {
    const r = new RedisServer(await freePort(), security);
    await r.start();
    return r;
  }

  async start(): Promise<void> {
    const { tls, password } = this.security;
    // With TLS the plain port is closed: every client must speak TLS.
    const listen = tls
      ? ["--port", "0", "--tls-port", String(this.port), "--tls-cert-file", tls.certFile].concat([
          "--tls-key-file",
          tls.keyFile,
          "--tls-auth-clients",
          "no",
        ])
      : ["--port", String(this.port)];
    const p = spawn(
      "redis-server",
      // appendfsync always: a stop loses no acknowledged write; no RDB snapshots.
      [...listen, "--bind", "127.0.0.1", "--dir", this.dir, "--appendonly", "yes"].concat([
        "--appendfsync",
        "always",
        "--save",
        "",
        ...(password ? ["--requirepass", password] : []),
      ]),
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.proc = p;
    let out = "";
    p.stdout?.on("data", (d) => {
      out += d;
    });
    await waitUntil(
      "redis-server to accept connections",
      () => /Ready to accept connections/.test(out),
      20_000,
    );
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM");
    await gone;
    this.proc = null;
  }

  /** Everything Redis ever wrote to disk (the append-only files), for secrets checks. */
  persisted(): string {
    const walk = (d: string): string[] =>
      readdirSync(d).flatMap((f) => {
        const p = join(d, f);
        return statSync(p).isDirectory() ? walk(p) : [readFileSync(p, "latin1")];
      });
    return walk(this.dir).join("\n");
  }
}

/** A running `fixpoint` process with its output so far. */
export class Proc {
  stdout = "";
  stderr = "";
  readonly done: Promise<CliResult>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on("data", (d) => {
      this.stdout += d;
    });
    child.stderr?.on("data", (d) => {
      this.stderr += d;
    });
    this.done = new Promise((resolve) =>
      child.on("close", (code, signal) =>
        resolve({ code: code ?? (signal ? 128 : -1), stdout: this.stdout, stderr: this.stderr }),
      ),
    );
  }
  waitFor(re: RegExp, timeoutMs = 60_000) {
    return waitUntil(
      `${re} in the output of ${this.child.spawnargs.slice(2, 4).join(" ")}`,
      () => re.test(this.stdout),
      timeoutMs,
    );
  }
  /** Instance ids this worker started, one per start. */
  starts(): string[] {
    return [...this.stdout.matchAll(/start run (\S+) /g)].map((m) => m[1]!);
  }
  kill(sig: NodeJS.Signals) {
    this.child.kill(sig);
    return this.done;
  }
}

const spawned = new Set<Proc>();

export function fixpoint(args: string[], env: Record<string, string> = {}): Proc {
  const p = new Proc(spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env) }));
  spawned.add(p);
  void p.done.then(() => spawned.delete(p));
  return p;
}

/** After a test: kills what it left running (a failed test leaves workers that would take the next test's jobs). */
export async function killLeftovers(): Promise<void> {
  await Promise.all([...spawned].map((p) => p.kill("SIGKILL")));
}

export function startWorker(
  url: string,
  name: string,
  suite: FixtureSuite,
  extra: string[] = [],
  env: Record<string, string> = {},
): Proc {
  return fixpoint(
    [
      "worker",
      "--queue",
      url,
      "--name",
      name,
      "--mirror",
      suite.mirror,
      "--cache-dir",
      tempDir("wcache"),
      ...extra,
    ],
    env,
  );
}

export async function startWorkers(url: string, suite: FixtureSuite, names: string[], extra: string[] = []) {
  const ws = names.map((n) => startWorker(url, n, suite, extra));
  await Promise.all(ws.map((w) => w.waitFor(/ready/)));
  return ws;
}

/** SIGTERM to each; resolves with their exit codes. */
export async function stopWorkers(ws: Proc[]): Promise<number[]> {
  return Promise.all(
    ws.map(async (w) => (w.child.exitCode !== null ? w.child.exitCode : (await w.kill("SIGTERM")).code)),
  );
}

/** `suite run --queue` on the local sandbox with the given model and flags. */
export function coordinator(
  url: string,
  tasks: string,
  out: string,
  model: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  return fixpoint(
    ["suite", "run", tasks, "--queue", url, "--out", out, "--model", model, "--sandbox", "local"].concat([
      "--image-template",
      "none",
      "--queue-backoff",
      "1s",
      "--json",
      ...extra,
    ]),
    env,
  );
}

/**
 * The fixture suite with every task `copies` times under its own instance id (same repository
 * and script), so a suite has more tasks than workers.
 */
export async function fixtureSuite(copies = 1): Promise<FixtureSuite & { ids: string[] }> {
  const suite = await makeFixtureSuite(tempDir("qsuite"), ["py-median", "js-chunk", "py-slugify"]);
  if (copies === 1) return suite;
  const lines = readFileSync(suite.tasksPath, "utf8").split("\n").filter(Boolean);
  const out: string[] = [];
  const ids: string[] = [];
  for (let c = 1; c <= copies; c++)
    for (const l of lines) {
      const rec = JSON.parse(l) as { instance_id: string };
      const id = `${rec.instance_id}-${c}`;
      ids.push(id);
      out.push(JSON.stringify({ ...rec, instance_id: id }));
    }
  writeFileSync(suite.tasksPath, `${out.join("\n")}\n`);
  // The gold predictions under the copies' ids.
  const gold = readFileSync(suite.goldPath, "utf8").split("\n").filter(Boolean);
  const goldOut: string[] = [];
  for (let c = 1; c <= copies; c++)
    for (const l of gold) {
      const p = JSON.parse(l) as { instance_id: string };
      goldOut.push(JSON.stringify({ ...p, instance_id: `${p.instance_id}-${c}` }));
    }
  writeFileSync(suite.goldPath, `${goldOut.join("\n")}\n`);
  return { ...suite, ids };
}

/** A scripted model that runs `sleep` for `seconds`, then submits (with `cost` per turn). */
export function slowScript(seconds: number, cost = 0): string {
  const f = join(tempDir("script"), "slow.yaml");
  writeFileSync(
    f,
    [
      "turns:",
      `  - cost_usd: ${cost}`,
      "    tool_calls:",
      `      - { name: bash, input: { command: 'sleep ${seconds}' } }`,
      `  - cost_usd: ${cost}`,
      "    tool_calls:",
      "      - { name: submit, input: {} }",
    ].join("\n"),
  );
  return f;
}

export function predictionIds(out: string): string[] {
  return readFileSync(join(out, "predictions.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { instance_id: string }).instance_id);
}

export function statusOf(out: string, id: string) {
  return JSON.parse(readFileSync(join(out, id, "status.json"), "utf8")) as {
    state: string;
    final: boolean;
    exit_status?: string;
    attempts: number;
    cost_usd: number;
    queue?: {
      worker?: string;
      enqueued_at: number;
      started_at?: number;
      finished_at?: number;
      recorded_at: number;
    };
  };
}

/**
 * One redis-server for a test file (started before its tests when installed, stopped after), and
 * every worker or coordinator a test left running killed after it. Returns the server's getter.
 */
export function useRedisServer(): () => RedisServer {
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    if (redisInstalled) redis = await RedisServer.start();
  });
  afterEach(killLeftovers);
  afterAll(async () => {
    await redis?.stop();
  });
  return () => {
    if (!redis) throw new Error("redis-server is not running (not installed?)");
    return redis;
  };
}
