import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { silentLogger } from "../../src/log/index.js";
import type { ToolCall } from "../../src/model/index.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { createDefaultTools } from "../../src/tools/index.js";
import { planTool, renderPlan } from "../../src/tools/plan.js";
import { ToolRegistry, toModelSchema } from "../../src/tools/registry.js";
import { newToolState, type Tool, type ToolContext } from "../../src/tools/types.js";

const unusedSandbox = new Proxy({} as Sandbox, {
  get(_t, prop) {
    if (prop === "root") return "/nowhere";
    if (prop === "then") return undefined;
    return () => {
      throw new Error(`sandbox.${String(prop)} must not be called in this test`);
    };
  },
});

function ctx(extra: Partial<ToolContext> = {}): ToolContext {
  return {
    sandbox: unusedSandbox,
    task: { id: "t", repo: { kind: "local", path: "/x" }, problemStatement: "p", origin: "text" },
    state: newToolState(),
    runTests: async () => {
      throw new Error("not used");
    },
    log: silentLogger,
    commandTimeoutMs: 10_000,
    ...extra,
  };
}

const echoSchema = z.object({ text: z.string(), times: z.number().int().min(1).max(5).optional() });
const echo: Tool<typeof echoSchema> = {
  name: "echo",
  description: "Echo text.",
  schema: echoSchema,
  async execute(input) {
    return { output: input.text.repeat(input.times ?? 1), isError: false };
  },
};
const boom: Tool = {
  name: "boom",
  description: "Always throws.",
  schema: z.object({}),
  async execute() {
    throw new Error("kaboom");
  },
};
const writer: Tool = {
  name: "writer",
  description: "Reports a changed file.",
  schema: z.object({}),
  async execute() {
    return { output: "wrote", isError: false, changedFiles: ["a.py"] };
  },
};

const call = (name: string, input: unknown, extra: Partial<ToolCall> = {}): ToolCall => ({
  id: "c1",
  name,
  input,
  ...extra,
});

describe("ToolRegistry", () => {
  const reg = new ToolRegistry([echo, boom, writer] as Tool[], { maxOutputChars: 200 });

  it("specs are JSON schemas without $schema and with additionalProperties false", () => {
    const specs = reg.specs();
    expect(specs.map((s) => s.name)).toEqual(["echo", "boom", "writer"]);
    const s = specs[0]!.inputSchema;
    expect(s.$schema).toBeUndefined();
    expect(s.type).toBe("object");
    expect(s.additionalProperties).toBe(false);
    expect(s.required).toEqual(["text"]);
    expect(reg.has("echo")).toBe(true);
    expect(reg.has("nope")).toBe(false);
  });

  it("runs a valid call", async () => {
    expect(await reg.execute(call("echo", { text: "hi", times: 2 }), ctx())).toEqual({
      output: "hihi",
      isError: false,
    });
    expect(reg.validate(call("echo", { text: "hi" }))).toBeNull();
  });

  it("rejects unknown tools listing the valid ones", async () => {
    const r = await reg.execute(call("vim", {}), ctx());
    expect(r.isError).toBe(true);
    expect(r.output).toBe('unknown tool "vim"; the tools are: echo, boom, writer');
  });

  it("turns malformed JSON into an error quoting the problem", async () => {
    const r = await reg.execute(
      call("echo", undefined, { parseError: "Unexpected end of JSON input", rawInput: '{"text": "hi' }),
      ctx(),
    );
    expect(r.isError).toBe(true);
    expect(r.output).toContain("not valid JSON: Unexpected end of JSON input");
    expect(r.output).toContain('{"text": "hi');
  });

  it("invalid input gives one line naming the fields", async () => {
    const r = await reg.execute(call("echo", { text: 3, times: 9 }), ctx());
    expect(r.isError).toBe(true);
    expect(r.output).not.toContain("\n");
    expect(r.output).toMatch(/^invalid input for echo: text: .*expected string.*; times: .*<=5/);
    expect(reg.validate(call("echo", {}))).toMatch(/text:/);
    expect(reg.validate(call("echo", null))).toMatch(/text:/);
  });

  it("accepts arguments encoded as a JSON string and null for omitted optional fields", async () => {
    expect((await reg.execute(call("echo", '{"text":"a","times":2}'), ctx())).output).toBe("aa");
    expect((await reg.execute(call("echo", { text: "b", times: null }), ctx())).output).toBe("b");
    expect(reg.validate(call("echo", "not json"))).toMatch(
      /^invalid input for echo: \(input\): .*expected object/,
    );
  });

  it("a throwing tool becomes an error result", async () => {
    const r = await reg.execute(call("boom", {}), ctx());
    expect(r).toEqual({ output: "boom failed: kaboom", isError: true });
  });

  it("bounds long outputs keeping head and tail with a note", async () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n");
    const r = await reg.execute(call("echo", { text }), ctx());
    expect(r.output.length).toBeLessThan(300);
    expect(r.output).toContain("line 0");
    expect(r.output).toContain("line 99");
    expect(r.output).toMatch(/\[\.\.\. \d+ characters \(\d+ lines\) elided \.\.\.\]/);
  });

  it("updates the code graph with changed files; a failing update is not fatal", async () => {
    const update = vi.fn(async () => {});
    const r = await reg.execute(call("writer", {}), ctx({ graph: { update } }));
    expect(update).toHaveBeenCalledWith(["a.py"]);
    expect(r.changedFiles).toEqual(["a.py"]);
    const failing = { update: vi.fn(async () => Promise.reject(new Error("db locked"))) };
    const r2 = await reg.execute(call("writer", {}), ctx({ graph: failing }));
    expect(r2).toMatchObject({ output: "wrote", isError: false });
  });

  it("refuses duplicate names", () => {
    expect(() => new ToolRegistry([echo, echo] as Tool[])).toThrow(/duplicate/);
  });

  it("does not run after the run was aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await reg.execute(call("echo", { text: "x" }), ctx({ signal: ac.signal }));
    expect(r.isError).toBe(true);
  });
});

describe("default tools' schemas", () => {
  const reg = new ToolRegistry(createDefaultTools());

  it("are offered in order, each a top-level object", () => {
    const specs = reg.specs();
    expect(specs.map((s) => s.name)).toEqual(["bash", "editor", "search", "plan", "run_tests", "submit"]);
    for (const s of specs) {
      expect(s.inputSchema.type).toBe("object");
      expect(s.inputSchema.oneOf).toBeUndefined();
      expect(s.inputSchema.anyOf).toBeUndefined();
      expect(s.inputSchema.additionalProperties).toBe(false);
      expect(JSON.stringify(s.inputSchema)).not.toContain("9007199254740991");
    }
  });

  it("flattens the editor's union: command enum first, only common fields required", () => {
    const schema = reg.specs().find((s) => s.name === "editor")!.inputSchema;
    const props = schema.properties as Record<string, Record<string, unknown>>;
    expect(Object.keys(props)[0]).toBe("command");
    expect(props.command!.enum).toEqual(["view", "create", "str_replace", "insert", "undo_edit"]);
    expect(Object.keys(props).sort()).toEqual(
      ["command", "file_text", "insert_line", "new_str", "old_str", "path", "view_range"].sort(),
    );
    expect(schema.required).toEqual(["command", "path"]);
  });

  it("still validates each editor command exactly", () => {
    expect(reg.validate(call("editor", { command: "str_replace", path: "a" }))).toMatch(/old_str/);
    expect(reg.validate(call("editor", { command: "insert", path: "a", new_str: "x" }))).toMatch(
      /insert_line/,
    );
    expect(reg.validate(call("editor", { command: "explode", path: "a" }))).toMatch(/command/);
    expect(reg.validate(call("editor", { command: "view", path: "a", view_range: [1] }))).toMatch(
      /view_range/,
    );
    expect(reg.validate(call("editor", { command: "view", path: "a", view_range: [1, -1] }))).toBeNull();
  });

  it("toModelSchema keeps a plain object schema", () => {
    expect(toModelSchema(z.object({ a: z.string().describe("A") }))).toEqual({
      type: "object",
      properties: { a: { type: "string", description: "A" } },
      required: ["a"],
      additionalProperties: false,
    });
  });
});

describe("plan", () => {
  const reg = new ToolRegistry([planTool] as Tool[]);

  it("replaces the plan and renders it", async () => {
    const c = ctx();
    const r = await reg.execute(
      call("plan", {
        steps: [
          { step: "Reproduce the bug", status: "done" },
          { step: "Fix parse()", status: "in_progress" },
          { step: "Run the tests", status: "pending" },
        ],
      }),
      c,
    );
    expect(r.isError).toBe(false);
    expect(c.state.plan).toHaveLength(3);
    expect(r.output).toBe(
      "Plan (1/3 done):\n[x] 1. Reproduce the bug\n[>] 2. Fix parse()  (in progress)\n[ ] 3. Run the tests",
    );
    expect(renderPlan(c.state.plan)).toBe(r.output);
    await reg.execute(call("plan", { steps: [{ step: "Only step", status: "pending" }] }), c);
    expect(c.state.plan).toEqual([{ step: "Only step", status: "pending" }]);
    expect(renderPlan([])).toBe("(no plan yet)");
  });

  it("refuses two in_progress steps, too many steps, long or empty steps, bad statuses", async () => {
    const c = ctx();
    const two = await reg.execute(
      call("plan", {
        steps: [
          { step: "a", status: "in_progress" },
          { step: "b", status: "in_progress" },
        ],
      }),
      c,
    );
    expect(two.isError).toBe(true);
    expect(two.output).toContain("at most one step can be in_progress");
    const many = Array.from({ length: 21 }, (_, i) => ({ step: `s${i}`, status: "pending" }));
    expect(reg.validate(call("plan", { steps: many }))).toMatch(/^invalid input for plan: steps: /);
    expect(reg.validate(call("plan", { steps: [{ step: "x".repeat(301), status: "pending" }] }))).toMatch(
      /steps\.0\.step/,
    );
    expect(reg.validate(call("plan", { steps: [{ step: "   ", status: "pending" }] }))).toMatch(
      /steps\.0\.step/,
    );
    expect(reg.validate(call("plan", { steps: [{ step: "a", status: "started" }] }))).toMatch(
      /steps\.0\.status/,
    );
    expect(c.state.plan).toEqual([]);
  });
});
