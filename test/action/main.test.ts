import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readOutputs } from "./outputs.js";

const ROOT = join(import.meta.dirname, "..", "..");
const EVENTS = join(import.meta.dirname, "..", "fixtures", "github-events");

describe("the Action's entry point", () => {
  it("starts the way action.yml starts it (tsx on the file) and skips an event that is not a trigger", async () => {
    const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as {
      runs: { steps: Array<{ id?: string; run?: string }> };
    };
    const run = action.runs.steps.find((s) => s.id === "run")!.run!;
    const entry = /"\$GITHUB_ACTION_PATH\/(src\/[\w/.-]+\.ts)"/.exec(run)![1]!;
    const temp = mkdtempSync(join(tmpdir(), "fixpoint-action-main-"));
    const outputs = join(temp, "github_output");
    writeFileSync(outputs, "");
    const { stdout, stderr } = await promisify(execFile)(
      join(ROOT, "node_modules", ".bin", "tsx"),
      [join(ROOT, entry)],
      {
        cwd: temp,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          GITHUB_EVENT_NAME: "push",
          GITHUB_EVENT_PATH: join(EVENTS, "issues.labeled.json"),
          GITHUB_OUTPUT: outputs,
          RUNNER_TEMP: temp,
          "INPUT_API-KEY": "sk-ant-mainTest-0123456789",
        },
      },
    );
    expect(readOutputs(outputs)).toMatchObject({ status: "skipped" });
    expect(readOutputs(outputs).reason).toMatch(/event "push" is not a trigger/);
    expect(`${stdout}${stderr}`).not.toContain("sk-ant-mainTest");
    expect(readFileSync(join(temp, "fixpoint-artifacts", "action.log"), "utf8")).toContain("not running");
  });
});
