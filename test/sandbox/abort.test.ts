/** An aborted signal interrupts the running command (exit 130) and the shell keeps its state. */
import { afterEach, describe, expect, it } from "vitest";
import { createLocalSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { fixtureRepo } from "../support/fixtures.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
});

describe("exec with an abort signal", () => {
  it("interrupts a long command promptly and the next command runs in the same cwd", async () => {
    const { dir } = await fixtureRepo("py-median");
    sandbox = await createLocalSandbox({ repoPath: dir });
    await sandbox.exec("cd statkit && export KEPT=yes");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const t0 = Date.now();
    const r = await sandbox.exec("sleep 1000", { timeoutMs: 60_000, signal: controller.signal });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.exitCode).toBe(130);
    expect(r.timedOut).toBe(false);
    const next = await sandbox.exec("pwd; echo $KEPT");
    expect(next.stdout.trim().split("\n")).toEqual([`${sandbox.root}/statkit`, "yes"]);
  });
});
