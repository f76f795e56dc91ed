import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ToolCall } from "../../src/model/index.js";
import { createDefaultTools, ToolRegistry } from "../../src/tools/index.js";
import { type Harness, makeHarness } from "./helpers.js";

const reg = new ToolRegistry(createDefaultTools());
let n = 0;
const bash = (input: Record<string, unknown>): ToolCall => ({ id: `b${n++}`, name: "bash", input });

describe("bash on a real sandbox", () => {
  let h: Harness;
  const run = (input: Record<string, unknown>) => reg.execute(bash(input), h.ctx);

  beforeAll(async () => {
    h = await makeHarness();
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it("returns stdout and the exit code", async () => {
    const r = await run({ command: "echo hello && ls calc.py" });
    expect(r).toMatchObject({ output: "hello\ncalc.py\n[exit code: 0]", isError: false });
  });

  it("labels stderr and reports a non-zero exit code without calling it a tool error", async () => {
    const r = await run({ command: "(echo out; echo err >&2; exit 3)" });
    expect(r.output).toBe("out\n[stderr]\nerr\n[exit code: 3]");
    expect(r.isError).toBe(false);
  });

  it("keeps the working directory and exported variables between calls", async () => {
    await run({ command: "cd src && export FIXPOINT_X=42" });
    const r = await run({ command: "pwd; echo $FIXPOINT_X" });
    expect(r.output).toBe(`${join(h.sandbox.root, "src")}\n42\n[exit code: 0]`);
    await run({ command: `cd ${h.sandbox.root}` });
  });

  it("a timeout interrupts the command, says so, and the shell keeps its state", async () => {
    await run({ command: "cd src/deep" });
    const t = performance.now();
    const r = await run({ command: "sleep 30", timeout: 1 });
    expect(performance.now() - t).toBeLessThan(25_000);
    expect(r.isError).toBe(true);
    expect(r.timedOut).toBe(true);
    expect(r.output).toContain(
      "[timed out after 1 s: the command was interrupted; the shell kept its working directory",
    );
    const after = await run({ command: "pwd" });
    expect(after.output).toBe(`${join(h.sandbox.root, "src/deep")}\n[exit code: 0]`);
    await run({ command: `cd ${h.sandbox.root}` });
  });

  it("refuses interactive programs before running them", async () => {
    const r = await run({ command: "touch should-not-exist && vim calc.py" });
    expect(r.isError).toBe(true);
    expect(r.output).toMatch(/^Refused to run `vim`: .*editor/);
    expect(existsSync(join(h.sandbox.root, "should-not-exist"))).toBe(false);
    const py = await run({ command: "python3" });
    expect(py.output).toContain("Refused to run `python3`");
    const ok = await run({ command: "python3 -c 'print(6*7)'" });
    expect(ok.output).toBe("42\n[exit code: 0]");
  });

  it("caps a huge timeout and rejects a negative one with the field named", async () => {
    expect((await run({ command: "true", timeout: 99999 })).output).toBe("[exit code: 0]");
    const r = await run({ command: "true", timeout: -1 });
    expect(r.isError).toBe(true);
    expect(r.output).toMatch(/^invalid input for bash: timeout: /);
  });

  it("reports the files a command changed and updates the code graph with them", async () => {
    const update = vi.fn(async () => {});
    const ctx = { ...h.ctx, graph: { update } };
    const r1 = await reg.execute(
      bash({ command: "echo '# more' >> README.md && echo new > fresh.txt" }),
      ctx,
    );
    expect(r1.changedFiles).toEqual(["README.md", "fresh.txt"]);
    expect(update).toHaveBeenLastCalledWith(["README.md", "fresh.txt"]);
    // Nothing written: nothing reported.
    const r2 = await reg.execute(bash({ command: "cat README.md > /dev/null" }), ctx);
    expect(r2.changedFiles).toBeUndefined();
    expect(update).toHaveBeenCalledTimes(1);
    // Reverting a file to its base content and deleting a tracked file are changes too.
    const r3 = await reg.execute(bash({ command: "git checkout -q README.md && rm src/util.js" }), ctx);
    expect(r3.changedFiles).toEqual(["README.md", "src/util.js"]);
    // Files edited by the editor are not reported again by the next command.
    await reg.execute(
      { id: "e", name: "editor", input: { command: "create", path: "ed.txt", file_text: "x\n" } },
      ctx,
    );
    const r4 = await reg.execute(bash({ command: "echo >> fresh.txt" }), ctx);
    expect(r4.changedFiles).toEqual(["fresh.txt"]);
  });
});
