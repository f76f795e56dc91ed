import { describe, expect, it } from "vitest";
import { parseTextAction, renderActionBlock, renderTextProtocol } from "../../src/model/index.js";

const NAMES = ["bash", "editor", "submit"];
const fence = (body: string, info = "action") => "```" + info + "\n" + body + "\n```";

describe("parseTextAction", () => {
  it("accepts one action block after free text", () => {
    const r = parseTextAction(
      `The test fails on line 3.\n\n${fence('{"tool": "bash", "input": {"command": "pytest -x"}}')}`,
      NAMES,
    );
    expect(r).toEqual({ ok: true, name: "bash", input: { command: "pytest -x" } });
  });

  it("accepts multi-line JSON, tildes, longer fences and other code blocks around it", () => {
    const text = [
      "Here is the function:",
      "```python",
      "def f():",
      "    return 1",
      "```",
      "~~~~action",
      "{",
      '  "tool": "editor",',
      '  "input": {"command": "view", "path": "a.py"}',
      "}",
      "~~~~",
    ].join("\n");
    expect(parseTextAction(text, NAMES)).toEqual({
      ok: true,
      name: "editor",
      input: { command: "view", path: "a.py" },
    });
  });

  it("ignores an action fence quoted inside another code block", () => {
    const text = [
      "````markdown",
      fence('{"tool": "bash", "input": {}}'),
      "````",
      fence('{"tool": "submit", "input": {}}'),
    ].join("\n");
    expect(parseTextAction(text, NAMES)).toEqual({ ok: true, name: "submit", input: {} });
  });

  it("rejects a reply without an action block, hinting at a mislabelled one", () => {
    const none = parseTextAction("I will now run the tests.", NAMES);
    expect(none.ok).toBe(false);
    expect(!none.ok && none.error).toMatch(/^Your reply has no ```action block\. End every reply/);
    const json = parseTextAction(fence('{"tool": "bash", "input": {}}', "json"), NAMES);
    expect(!json.ok && json.error).toMatch(/fenced as ```json at line 1 looks like an action/);
  });

  it("rejects several action blocks, naming their lines", () => {
    const a = fence('{"tool": "bash", "input": {"command": "ls"}}');
    const r = parseTextAction(`${a}\nthen\n${a}`, NAMES);
    expect(!r.ok && r.error).toMatch(/2 ```action blocks \(at lines 1, 5\); exactly one is allowed/);
  });

  it("rejects an unclosed block, empty block and bad JSON", () => {
    const unclosed = parseTextAction('```action\n{"tool": "bash", "input": {}}', NAMES);
    expect(!unclosed.ok && unclosed.error).toMatch(/opened at line 1 is never closed/);
    const empty = parseTextAction(fence(""), NAMES);
    expect(!empty.ok && empty.error).toMatch(/block is empty/);
    const bad = parseTextAction(fence("{'tool': 'bash'}"), NAMES);
    expect(!bad.ok && bad.error).toMatch(/is not valid JSON \(.+\)/);
    const trailing = parseTextAction(fence('{"tool": "bash", "input": {},}'), NAMES);
    expect(trailing.ok).toBe(false);
  });

  it("rejects wrong shapes precisely", () => {
    const cases: Array<[string, RegExp]> = [
      ["[1, 2]", /holds an array, not a JSON object/],
      ['"bash"', /holds a string, not a JSON object/],
      ['{"tool": "bash", "input": {}, "thought": "x"}', /unexpected key "thought"; only "tool" and "input"/],
      ['{"input": {}}', /needs "tool": a string naming one of: bash, editor, submit/],
      ['{"tool": 3, "input": {}}', /needs "tool"/],
      [
        '{"tool": "python", "input": {}}',
        /Unknown tool "python"; the available tools are: bash, editor, submit/,
      ],
      ['{"tool": "bash"}', /needs "input": an object of the parameters of "bash"/],
      [
        '{"tool": "bash", "input": "ls"}',
        /"input" must be a JSON object of the parameters of "bash", not a string/,
      ],
      ['{"tool": "bash", "input": null}', /not null/],
    ];
    for (const [body, re] of cases) {
      const r = parseTextAction(fence(body), NAMES);
      expect(r.ok, body).toBe(false);
      expect(!r.ok && r.error, body).toMatch(re);
    }
  });

  it("round-trips rendered action blocks", () => {
    const block = renderActionBlock({
      name: "editor",
      input: { command: "create", path: "x", file_text: "a\n```\nb" },
    });
    expect(parseTextAction(block, NAMES)).toEqual({
      ok: true,
      name: "editor",
      input: { command: "create", path: "x", file_text: "a\n```\nb" },
    });
  });
});

describe("renderTextProtocol", () => {
  it("states the format and lists each tool with its schema", () => {
    const text = renderTextProtocol([
      {
        name: "bash",
        description: "Run a shell command.",
        inputSchema: { type: "object", properties: { command: { type: "string" } } },
      },
      { name: "submit", description: "Finish.", inputSchema: { type: "object" } },
    ]);
    expect(text).toContain("exactly one");
    expect(text).toContain('```action\n{"tool": "<tool name>"');
    expect(text).toContain("## bash\n\nRun a shell command.");
    expect(text).toContain('"command": {\n');
    expect(text).toContain("## submit");
    expect(renderTextProtocol([])).toContain("(no tools are available)");
  });
});
