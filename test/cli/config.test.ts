import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULTS, resolveSettings } from "../../src/cli/config.js";
import { UsageError } from "../../src/common/index.js";

function withConfig(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "fp-config-"));
  const file = join(dir, "fixpoint.config.yaml");
  writeFileSync(file, yaml);
  return file;
}

describe("resolveSettings", () => {
  it("layers defaults < file < environment < flags", () => {
    const file = withConfig(
      "model: openai:gpt-4o\nmax_steps: 10\nmax_cost: 1.5\nmax_time: 5m\nsandbox: local\n",
    );
    const env = { FIXPOINT_MAX_STEPS: "20" };
    const s = resolveSettings(file, { maxCost: "0.5" }, env);
    expect(s.model).toBe("openai:gpt-4o");
    expect(s.maxSteps).toBe(20);
    expect(s.maxCostUsd).toBe(0.5);
    expect(s.maxTimeMs).toBe(300_000);
    expect(s.sandbox).toBe("local");
    expect(s.commandTimeoutMs).toBe(DEFAULTS.commandTimeoutMs);
  });

  it("names the bad field of a config file in one line", () => {
    const file = withConfig("max_steps: -3\n");
    expect(() => resolveSettings(file, {}, {})).toThrow(/max_steps/);
    const unknown = withConfig("max_stepz: 3\n");
    expect(() => resolveSettings(unknown, {}, {})).toThrow(UsageError);
    const broken = withConfig("model: [unclosed\n");
    expect(() => resolveSettings(broken, {}, {})).toThrow(/not valid YAML/);
  });

  it("takes Docker limits from the config file and flags", () => {
    const file = withConfig("docker: { memory: 2g, cpus: 1, pids: 256 }\n");
    const s = resolveSettings(file, { cpus: "1.5", network: true, user: "nobody" }, {});
    expect(s.docker).toEqual({ memory: "2g", cpus: 1.5, pids: 256, network: true, user: "nobody" });
    expect(() => resolveSettings(undefined, { memory: "lots" }, {})).toThrow(/--memory/);
    expect(() => resolveSettings(undefined, { pids: "0" }, {})).toThrow(/--pids/);
  });

  it("rejects bad flags and a missing --config file", () => {
    expect(() => resolveSettings(undefined, { maxSteps: "zero" }, {})).toThrow(/--max-steps/);
    expect(() => resolveSettings(undefined, { maxTime: "soon" }, {})).toThrow(/--max-time/);
    expect(() => resolveSettings(undefined, { sandbox: "vm" }, {})).toThrow(/--sandbox/);
    expect(() => resolveSettings("/nonexistent/fixpoint.yaml", {}, {})).toThrow(/does not exist/);
  });
});
