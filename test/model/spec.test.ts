import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/common/index.js";
import { createModel, parseModelSpec } from "../../src/model/index.js";

describe("model specs", () => {
  it("parses provider and name, keeping colons in the name", () => {
    expect(parseModelSpec("anthropic:claude-sonnet-4-5")).toEqual({
      provider: "anthropic",
      name: "claude-sonnet-4-5",
    });
    expect(parseModelSpec("openai:qwen2.5-coder:32b")).toEqual({
      provider: "openai",
      name: "qwen2.5-coder:32b",
    });
    expect(parseModelSpec(" openai-text:llama3 ")).toEqual({ provider: "openai-text", name: "llama3" });
    expect(parseModelSpec("scripted:/tmp/a b.yaml")).toEqual({ provider: "scripted", name: "/tmp/a b.yaml" });
    expect(parseModelSpec("replay:runs/x.json").provider).toBe("replay");
  });

  it("rejects malformed specs and unknown providers with one line listing the valid forms", async () => {
    for (const spec of ["claude-sonnet-4-5", "anthropic:", ":x", "", "gemini:pro"]) {
      const err = await createModel(spec).catch((e: unknown) => e);
      expect(err, spec).toBeInstanceOf(UsageError);
      const msg = (err as Error).message;
      expect(msg).toContain(`"${spec}"`);
      expect(msg).toContain(
        "anthropic:<model>, openai:<model>, openai-text:<model>, scripted:<file>, replay:<trajectory.json>",
      );
      expect(msg).not.toContain("\n");
    }
    await expect(createModel("gemini:pro")).rejects.toThrow(/unknown provider "gemini"/);
  });

  it("validates options with a one-line error naming the field", async () => {
    await expect(createModel("openai:x", { timeoutMs: -1, env: {} })).rejects.toThrow(
      /^model options: timeoutMs: /,
    );
    await expect(createModel("openai:x", { baseUrl: "not a url", env: {} })).rejects.toThrow(/baseUrl/);
    // @ts-expect-error an unknown option is caught at runtime too
    await expect(createModel("openai:x", { tmeout: 1, env: {} })).rejects.toThrow(/Unrecognized key/);
  });
});
