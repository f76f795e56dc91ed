/**
 * The graph database's write lock (`beginWrite`: SQLite's own, through `BEGIN IMMEDIATE`): writers
 * in several processes, or in one, never hold it at once; a writer that dies releases it; opening
 * a database while a build holds it neither waits for it nor takes the database for corrupt.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { openCodeGraph } from "../../src/graph/index.js";
import { beginWrite, openStore } from "../../src/graph/store.js";
import { tempCache, writeRepo } from "./fixtures.js";

const ROOT = join(import.meta.dirname, "..", "..");
const STORE = pathToFileURL(join(ROOT, "src", "graph", "store.ts")).href;

/**
 * A writer process: `rounds` times, takes the lock, claims a marker file that only the holder may
 * hold (created exclusively: it fails if another holder's is there), writes a row, lets time pass
 * so that the others contend, gives the marker back and commits. `hold`: takes the lock once, says
 * "held" and keeps it until killed.
 */
const WRITER = `
import { appendFileSync, closeSync, openSync, unlinkSync } from "node:fs";
import { beginWrite, openStore } from ${JSON.stringify(STORE)};
const [dbPath, marker, log, mode, rounds] = process.argv.slice(2);
const { db } = openStore(dbPath);
if (mode === "hold") {
  await beginWrite(db, 60_000);
  process.stdout.write("held\\n");
  setInterval(() => {}, 1000);
} else {
  for (let i = 0; i < Number(rounds); i++) {
    await beginWrite(db, 60_000);
    let fd;
    try {
      fd = openSync(marker, "wx");
    } catch {
      appendFileSync(log, "overlap\\n");
    }
    db.prepare("INSERT INTO meta(key, value) VALUES(?, ?)").run(process.pid + ":" + i, "x");
    await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
    if (fd !== undefined) {
      closeSync(fd);
      unlinkSync(marker);
    }
    db.exec("COMMIT");
    appendFileSync(log, "held\\n");
  }
  db.close();
}
`;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

function writer(dir: string, args: string[]): ChildProcess {
  const script = join(dir, "writer.mts");
  writeFileSync(script, WRITER);
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      if (code) console.error(stderr);
      resolve(code);
    }),
  );
}

function said(child: ChildProcess, word: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
      if (out.includes(word)) resolve();
    });
    child.on("exit", () => reject(new Error(`exited before saying ${word}`)));
  });
}

/** A database of the current schema, created before any writer opens it. */
function freshDb(): { dir: string; dbPath: string } {
  const dir = mkdtempSync(join(tmpdir(), "fp-lock-"));
  const dbPath = join(dir, "g.db");
  openStore(dbPath).db.close();
  return { dir, dbPath };
}

describe("the graph database's write lock", () => {
  it("processes contending for it never hold it at once, and every one gets it", async () => {
    const { dir, dbPath } = freshDb();
    const log = join(dir, "log");
    writeFileSync(log, "");
    const procs = 4;
    const rounds = 12;
    const codes = await Promise.all(
      Array.from({ length: procs }, () =>
        exited(writer(dir, [dbPath, join(dir, "marker"), log, "rounds", String(rounds)])),
      ),
    );
    expect(codes).toEqual(Array(procs).fill(0));
    const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
    expect(lines.filter((l) => l === "overlap")).toEqual([]);
    expect(lines.filter((l) => l === "held")).toHaveLength(procs * rounds);
    const { db } = openStore(dbPath);
    expect(db.prepare("SELECT count(*) FROM meta WHERE value = 'x'").pluck().get()).toBe(procs * rounds);
    db.close();
  }, 120_000);

  it("a holder that dies releases it; while it lives, others wait and then give up; opening does not wait", async () => {
    const { dir, dbPath } = freshDb();
    const holder = writer(dir, [dbPath, join(dir, "marker"), join(dir, "log"), "hold"]);
    await said(holder, "held");
    // Opening the database needs no write: it neither waits for the holder nor rebuilds.
    const t0 = performance.now();
    const { db, rebuilt } = openStore(dbPath);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(rebuilt).toBe(false);
    await expect(beginWrite(db, 300)).rejects.toThrow(/locked by another build/);
    expect(db.inTransaction).toBe(false);
    holder.kill("SIGKILL");
    await exited(holder);
    await beginWrite(db, 10_000);
    expect(db.inTransaction).toBe(true);
    db.exec("COMMIT");
    db.close();
  }, 60_000);

  it("two updates of one graph at once (one connection) wait for each other", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`m${i}.py`] = `def f${i}():\n    return ${i}\n`;
    const repo = writeRepo(files);
    const g = await openCodeGraph(repo, { cacheDir: tempCache(), workers: 0 });
    try {
      await g.build();
      writeFileSync(join(repo, "m1.py"), "def g1():\n    return f2()\n");
      writeFileSync(join(repo, "m2.py"), "def g2():\n    return g1()\n");
      const [a, b] = await Promise.all([g.update(["m1.py"]), g.update(["m2.py"])]);
      expect(a.parsed + b.parsed).toBe(2);
      expect(g.db.inTransaction).toBe(false);
      expect(g.callers("g1").map((r) => r.from)).toEqual(["g2"]);
      expect(g.find("f1").filter((h) => h.match === "exact")).toEqual([]);
    } finally {
      g.close();
    }
  });
});
