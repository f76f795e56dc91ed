/** The queue's edges without Redis: URLs, ids, job payloads and packed task folders. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { jobIdFor, parseJobData, parseQueueUrl, suiteIdFor } from "../../src/queue/index.js";
import { packDir, unpackFiles } from "../../src/queue/payload.js";
import { tempDir } from "../support/fixtures.js";

describe("queue edges", () => {
  it("accepts redis:// and rediss:// URLs and names what is wrong with others", () => {
    expect(parseQueueUrl("redis://:pw@queue.lan:6379/2")).toBe("redis://:pw@queue.lan:6379/2");
    expect(parseQueueUrl("rediss://queue.lan:6380")).toBe("rediss://queue.lan:6380");
    expect(() => parseQueueUrl("http://queue.lan:6379")).toThrow(/^--queue: must be redis:\/\//);
    expect(() => parseQueueUrl("redis://queue.lan:6379/jobs")).toThrow(
      /--queue: the database must be a number/,
    );
  });

  it("derives the same suite id for the same --out, and job ids BullMQ accepts", () => {
    expect(suiteIdFor("/runs/lite")).toBe(suiteIdFor("/runs/lite"));
    expect(suiteIdFor("/runs/lite")).not.toBe(suiteIdFor("/other/lite"));
    expect(suiteIdFor("/runs/lite")).toMatch(/^lite-[0-9a-f]{10}$/);
    expect(() => suiteIdFor("/x", "a.b")).toThrow(/--suite-id/);
    expect(jobIdFor("run", "s", "org__repo:1")).toBe("run.s.org__repo%3A1");
  });

  it("refuses a malformed payload with the field named", () => {
    expect(() => parseJobData({ v: 1, kind: "run" })).toThrow(/^job payload: suite: /);
    expect(() => parseJobData({ v: 2 })).toThrow(/^job payload: /);
  });

  it("packs a task folder and refuses a packed path that leaves it", async () => {
    const dir = tempDir("pack");
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "patch.diff"), "diff --git a/x b/x\n");
    writeFileSync(join(dir, "sub", "log.txt"), "é\n");
    const files = unpackFiles(await packDir(dir));
    expect(files.get("patch.diff")?.toString()).toBe("diff --git a/x b/x\n");
    expect(files.get("sub/log.txt")?.toString()).toBe("é\n");
    const evil = gzipSync(JSON.stringify({ "../../etc/x": "eA==" })).toString("base64");
    expect(() => unpackFiles(evil)).toThrow(/leaves the task folder/);
  });
});
