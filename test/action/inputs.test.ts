import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readActionInputs, writeActionOutputs } from "../../src/action/index.js";
import { readOutputs } from "./outputs.js";

describe("readActionInputs and outputs", () => {
  it("has safe defaults and names a bad input", () => {
    const i = readActionInputs({});
    expect(i).toMatchObject({
      maxCostUsd: 2,
      maxTimeMs: 30 * 60_000,
      maxSteps: 60,
      draft: true,
      sandbox: "docker",
      label: "fixpoint",
    });
    expect(
      readActionInputs({ "INPUT_MAX-COST": "$0.50", INPUT_MAX_TIME: "10m", INPUT_DRAFT: "false" }),
    ).toMatchObject({
      maxCostUsd: 0.5,
      maxTimeMs: 600_000,
      draft: false,
    });
    expect(() => readActionInputs({ "INPUT_MAX-COST": "lots" })).toThrow(/^action input: max-cost: /);
    expect(() => readActionInputs({ "INPUT_MAX-COST": "5000" })).toThrow(/max-cost: at most 100/);
    expect(() => readActionInputs({ "INPUT_MAX-TIME": "forever" })).toThrow(
      /max-time: "forever" is not a duration/,
    );
    expect(() => readActionInputs({ INPUT_SANDBOX: "vm" })).toThrow(/^action input: sandbox: /);
  });

  it("writes multi-line outputs in the heredoc form", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "out-")), "o");
    writeFileSync(file, "");
    await writeActionOutputs(file, { reason: "line one\nline two", status: "ok" });
    expect(readOutputs(file)).toEqual({ reason: "line one\nline two", status: "ok" });
  });
});
